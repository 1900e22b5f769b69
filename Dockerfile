# syntax=docker/dockerfile:1
# Multi-stage build of the single `toolgate` binary; the runtime image runs as an unprivileged user.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p toolgate-cli \
 && cp target/release/toolgate /usr/local/bin/toolgate

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/toolgate --create-home toolgate
COPY --from=build /usr/local/bin/toolgate /usr/local/bin/toolgate
USER toolgate
WORKDIR /var/lib/toolgate
ENV TOOLGATE_LISTEN=0.0.0.0:8080 \
    TOOLGATE_DATA_DIR=/var/lib/toolgate/data \
    TOOLGATE_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["toolgate"]
CMD ["serve"]
