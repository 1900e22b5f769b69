//! `tools/list`: the upstream's tools, in its order, minus hidden tools and tools denied by default.

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, Method, header};
use http_body_util::BodyExt;
use serde_json::value::RawValue;
use toolgate_mcp::sse::{self, SseDecoder};
use toolgate_mcp::tools;

use crate::error::GatewayError;
use crate::handler::Connection;
use crate::state::GatewayState;
use crate::upstream;

/// Largest JSON `tools/list` answer the gateway will read to filter.
const MAX_LIST_BYTES: usize = 64 * 1024 * 1024;

pub(crate) async fn handle(
    state: &GatewayState,
    connection: &Connection,
    headers: &HeaderMap,
    body: Bytes,
    _id: &RawValue,
) -> Result<Response, GatewayError> {
    let policy = crate::call::policy_of(state, connection).await?;
    // A grant without a policy may call nothing, so it sees nothing.
    let keep = move |name: &str| policy.as_ref().is_some_and(|p| p.compiled.lists_tool(name));

    let upstream_session = connection.upstream_session();
    let response = state
        .inner
        .upstream
        .send(
            Method::POST,
            &connection.server,
            headers,
            upstream_session,
            Some(body),
        )
        .await?;
    if !response.status().is_success() {
        return Ok(upstream::relay(response, None));
    }
    let head = upstream::response_head(&response);
    if upstream::is_event_stream(response.headers()) {
        let mut decoder = SseDecoder::new();
        let mut keep = keep;
        let events = response.into_body().into_data_stream().map(move |chunk| {
            let chunk =
                chunk.map_err(|error| std::io::Error::other(upstream::describe_body_error(&error)))?;
            let mut out = Vec::new();
            let events = decoder.feed(&chunk).map_err(std::io::Error::other)?;
            for mut event in events {
                if let Ok(filtered) = tools::filter_tools_list_response(event.data.as_bytes(), &mut keep) {
                    event.data = String::from_utf8(filtered).unwrap_or_default();
                }
                out.extend_from_slice(&sse::encode_event(&event));
            }
            Ok::<_, std::io::Error>(Bytes::from(out))
        });
        return head
            .body(Body::from_stream(events))
            .map_err(|_| GatewayError::Upstream("could not relay the upstream's event stream".into()));
    }
    let bytes = read_bounded(response).await?;
    let filtered = tools::filter_tools_list_response(&bytes, keep).unwrap_or_else(|_| bytes.to_vec());
    head.header(header::CONTENT_LENGTH, filtered.len())
        .body(Body::from(filtered))
        .map_err(|_| GatewayError::Upstream("could not relay the upstream's answer".into()))
}

async fn read_bounded(response: upstream::UpstreamResponse) -> Result<Vec<u8>, GatewayError> {
    let mut stream = response.into_body().into_data_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| GatewayError::Upstream(upstream::describe_body_error(&error)))?;
        if out.len() + chunk.len() > MAX_LIST_BYTES {
            return Err(GatewayError::Upstream(
                "the upstream's tools/list answer is too large".into(),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
