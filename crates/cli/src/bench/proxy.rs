//! The bare pass-through proxy: what any HTTP proxy must do at least (a server's and a client's
//! HTTP work), with no policy. Method, path, headers and body go to the upstream as they are (only
//! `Host` is re-set); the answer streams back as it arrives.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Request, Response, StatusCode, Uri, header};
use http_body_util::{Either, Empty};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::upstream::{Background, accept_loop};

type Body = Either<Incoming, Empty<Bytes>>;

/// The name of the proxy's threads.
pub const THREAD_NAME: &str = "bench-proxy";
/// What `toolgate bench-proxy` prints first: this, a space, and the address it listens on.
pub const LISTENING: &str = "bench-proxy listening on";

/// Arguments of the hidden `toolgate bench-proxy` subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct ProxyArgs {
    /// The upstream to forward to (a loopback `host:port`).
    #[arg(long)]
    pub upstream: std::net::SocketAddr,
}

/// `toolgate bench-proxy`: the bare proxy as a process of its own, so that it crosses the same process
/// boundaries as the gateway (client → proxy process → upstream) and its CPU time is read the same
/// way. Runs until its standard input closes (the benchmark holds it open) or it is killed.
pub async fn run_child(args: ProxyArgs) -> anyhow::Result<std::process::ExitCode> {
    use std::io::{Read, Write};
    let workers = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
    let proxy = start(workers, args.upstream)?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{LISTENING} {}", proxy.addr)?;
    stdout.flush()?;
    tokio::task::spawn_blocking(|| {
        let mut byte = [0u8; 1];
        while std::io::stdin().read(&mut byte).is_ok_and(|read| read > 0) {}
    })
    .await?;
    drop(proxy);
    Ok(std::process::ExitCode::SUCCESS)
}

/// Starts the proxy in front of `upstream` (a loopback `host:port`).
pub fn start(workers: usize, upstream: std::net::SocketAddr) -> anyhow::Result<Background> {
    let authority: Authority = upstream.to_string().parse()?;
    Background::start(THREAD_NAME, workers, move |listener, stop| async move {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client: Client<HttpConnector, Incoming> = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector);
        accept_loop(listener, stop, move |request| {
            let client = client.clone();
            let authority = authority.clone();
            async move { Ok::<_, Infallible>(forward(&client, authority, request).await) }
        })
        .await;
    })
}

async fn forward(
    client: &Client<HttpConnector, Incoming>,
    authority: Authority,
    request: Request<Incoming>,
) -> Response<Body> {
    let (mut parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    let uri = Uri::builder()
        .scheme(Scheme::HTTP)
        .authority(authority)
        .path_and_query(path)
        .build();
    let Ok(uri) = uri else {
        return bad_gateway();
    };
    parts.uri = uri;
    parts.headers.remove(header::HOST);
    match client.request(Request::from_parts(parts, body)).await {
        Ok(response) => response.map(Either::Left),
        Err(_) => bad_gateway(),
    }
}

fn bad_gateway() -> Response<Body> {
    let mut response = Response::new(Either::Right(Empty::new()));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response
}
