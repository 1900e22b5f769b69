//! Serving a router until SIGTERM / Ctrl-C, then draining.
//!
//! Connections are accepted on the calling runtime and handed round robin to lanes: one thread per
//! core, each with a single-threaded tokio runtime that serves its connections from accept to close
//! (`toolgate_cluster::lanes` says why). Measured on 2 vCPUs, this spends less CPU per call than one
//! work-stealing runtime, where a request and its upstream connection hop between the two workers.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::ConnectInfo;
use axum::response::Response;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::sync::{mpsc, oneshot, watch};
use toolgate_cluster::lanes;
use toolgate_gateway::GatewayState;
use tower::ServiceExt;

/// How long open streams may keep a shutting-down process alive.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an HTTP/1 client may take to send a request's headers, and how long a kept-alive
/// connection may sit idle before its next request: a client that opens connections and trickles
/// bytes (slowloris) cannot hold them open for longer. Streams being answered are not affected.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What a server serves: the router, and the gateway state when `/mcp/…` requests should go to the
/// gateway directly (no route matching, no extractors, no boxing of the body: the hot path).
#[derive(Clone)]
pub struct Routes {
    router: Router,
    gateway: Option<GatewayState>,
}

impl Routes {
    /// `router` alone (no gateway).
    pub fn new(router: Router) -> Self {
        Self {
            router,
            gateway: None,
        }
    }

    /// `router` plus the gateway: served directly on plain `/mcp/{account}/{server}` paths, and
    /// through its route (merged here) for the others, such as percent-encoded slugs.
    pub fn with_gateway(router: Router, gateway: GatewayState) -> Self {
        Self {
            router: router.merge(toolgate_gateway::router(gateway.clone())),
            gateway: Some(gateway),
        }
    }

    async fn serve(self, request: Request<Incoming>, peer: SocketAddr) -> Response {
        let (mut parts, body) = request.into_parts();
        let version = parts.version;
        let (body, unread) = Tracked::new(body);
        let mut response = if let Some(gateway) = &self.gateway
            && let Some((account, server)) = toolgate_gateway::mcp_path(parts.uri.path())
        {
            toolgate_gateway::handle(gateway, account, server, &parts, body).await
        } else {
            parts.extensions.insert(ConnectInfo(peer));
            let request = Request::from_parts(parts, body);
            self.router
                .oneshot(request)
                .await
                .unwrap_or_else(|never| match never {})
        };
        close_if_unread(version, unread.as_deref(), &mut response);
        response
    }
}

/// A request body that says whether it was read to its end.
///
/// A response written before its request body was read (a 413, a 401 before the body) leaves the
/// rest of the body on the connection, so hyper closes it afterwards; but hyper only says so in the
/// response (`Connection: close`) when it noticed in time, and a client that missed it sends its
/// next request into a closing connection (seen as `IncompleteMessage` in CI).
struct Tracked {
    inner: Incoming,
    /// Present while a body that was not empty at the start has not been read to its end.
    unread: Option<Arc<AtomicBool>>,
}

impl Tracked {
    /// The body, and the flag that is still `true` after the handler if the body was not read.
    fn new(inner: Incoming) -> (Self, Option<Arc<AtomicBool>>) {
        use hyper::body::Body;
        let unread = (!inner.is_end_stream()).then(|| Arc::new(AtomicBool::new(true)));
        let flag = unread.clone();
        (Self { inner, unread }, flag)
    }
}

impl hyper::body::Body for Tracked {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let frame = std::pin::Pin::new(&mut this.inner).poll_frame(cx);
        let ended = match &frame {
            std::task::Poll::Ready(None) => true,
            std::task::Poll::Ready(Some(Ok(_))) => this.inner.is_end_stream(),
            _ => false,
        };
        if ended && let Some(unread) = this.unread.take() {
            unread.store(false, Ordering::Relaxed);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// Says `Connection: close` on an HTTP/1 response whose request body was left unread, so the
/// client does not reuse the connection hyper is about to close.
fn close_if_unread(version: http::Version, unread: Option<&AtomicBool>, response: &mut Response) {
    let left_unread = unread.is_some_and(|unread| unread.load(Ordering::Relaxed));
    if left_unread && version <= http::Version::HTTP_11 {
        response
            .headers_mut()
            .insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
    }
}

/// A connection on its way to a lane.
struct Accepted {
    stream: std::net::TcpStream,
    peer: SocketAddr,
}

/// A running server: its acceptor on the runtime that started it, its lanes on threads of their own.
pub struct Server {
    stop: watch::Sender<bool>,
    lanes_done: Vec<oneshot::Receiver<()>>,
}

impl Server {
    /// Starts serving `routes` on `listener`.
    pub fn start(listener: tokio::net::TcpListener, routes: Routes) -> anyhow::Result<Self> {
        Self::start_with(listener, routes, HEADER_READ_TIMEOUT)
    }

    fn start_with(
        listener: tokio::net::TcpListener,
        routes: Routes,
        header_read_timeout: Duration,
    ) -> anyhow::Result<Self> {
        let (stop, stop_rx) = watch::channel(false);
        let mut lanes = Vec::with_capacity(lanes::count());
        let mut lanes_done = Vec::with_capacity(lanes::count());
        // A lane's runtime is dropped only when every lane has finished: sockets a lane opened for a
        // shared pool (database connections, say) stay usable by the others until the end.
        let all_finished = Arc::new(std::sync::Barrier::new(lanes::count()));
        for index in 0..lanes::count() {
            let all_finished = Arc::clone(&all_finished);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting an HTTP lane's runtime")?;
            let (sender, connections) = mpsc::unbounded_channel();
            let (done, lane_done) = oneshot::channel();
            let routes = routes.clone();
            std::thread::Builder::new()
                .name(format!("toolgate-http-{index}"))
                .spawn(move || {
                    lanes::enter(index);
                    runtime.block_on(lane(connections, routes, header_read_timeout));
                    let _ = done.send(());
                    all_finished.wait();
                    drop(runtime);
                })
                .context("starting an HTTP lane's thread")?;
            lanes.push(sender);
            lanes_done.push(lane_done);
        }
        tokio::spawn(accept(listener, lanes, stop_rx));
        Ok(Self { stop, lanes_done })
    }

    /// Stops accepting; open connections finish their requests (idle ones are closed).
    pub fn signal_stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Stops accepting and waits until every connection has ended.
    pub async fn stop(self) {
        self.signal_stop();
        for lane_done in self.lanes_done {
            // An error means the lane's thread is gone already (a panic is logged by the hook).
            let _ = lane_done.await;
        }
    }
}

async fn accept(
    listener: tokio::net::TcpListener,
    mut lanes: Vec<mpsc::UnboundedSender<Accepted>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut next = 0;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stop| *stop) => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) if is_connection_error(&error) => continue,
            Err(error) => {
                // Out of file descriptors and the like: wait rather than spin.
                tracing::error!(%error, "cannot accept connections; retrying in a second");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        // Small writes (event-stream keep-alives, progress, short JSON answers) go out at once
        // instead of waiting for the peer's ACK (Nagle), which can add tens of milliseconds.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let mut accepted = match stream.into_std() {
            Ok(stream) => Accepted { stream, peer },
            Err(error) => {
                tracing::debug!(%error, "cannot hand a connection to a lane");
                continue;
            }
        };
        // A lane that is gone (its thread panicked) leaves the rotation, loudly.
        while let Err(mpsc::error::SendError(returned)) = lanes[next].send(accepted) {
            accepted = returned;
            lanes.remove(next);
            tracing::error!(
                lanes_left = lanes.len(),
                "an HTTP lane stopped; serving on the others"
            );
            if lanes.is_empty() {
                tracing::error!("no HTTP lane is left; not accepting connections any more");
                return;
            }
            next %= lanes.len();
        }
        next = (next + 1) % lanes.len();
    }
}

fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    )
}

/// One lane: serves the connections it is handed until the acceptor is gone, then drains them.
async fn lane(
    mut connections: mpsc::UnboundedReceiver<Accepted>,
    routes: Routes,
    header_read_timeout: Duration,
) {
    let graceful = GracefulShutdown::new();
    // HTTP/1.1, and HTTP/2 for clients that start with it (h2c with prior knowledge), as before.
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let builder = Arc::new(builder);
    while let Some(Accepted { stream, peer }) = connections.recv().await {
        let stream = match tokio::net::TcpStream::from_std(stream) {
            Ok(stream) => stream,
            Err(error) => {
                tracing::debug!(%error, "cannot register a connection with its lane");
                continue;
            }
        };
        let routes = routes.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let routes = routes.clone();
            async move { Ok::<_, Infallible>(routes.serve(request, peer).await) }
        });
        let builder = Arc::clone(&builder);
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection).await {
                tracing::trace!(%error, "connection ended with an error");
            }
        });
    }
    graceful.shutdown().await;
}

pub async fn run_until_signal(
    listener: tokio::net::TcpListener,
    routes: Routes,
    draining: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let server = Server::start(listener, routes)?;
    crate::shutdown::signal().await;
    tracing::info!("shutting down: finishing open requests");
    draining.store(true, Ordering::Relaxed);
    if tokio::time::timeout(DRAIN_TIMEOUT, server.stop()).await.is_err() {
        tracing::warn!("open streams did not finish in time; exiting");
    }
    Ok(())
}

/// Binds the listen address with a message that says which setting to change.
pub async fn bind(listen: SocketAddr) -> anyhow::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (set --listen or TOOLGATE_LISTEN)"))?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// `router` served on a loopback port.
    async fn serving(router: Router, header_read_timeout: Duration) -> (Server, SocketAddr) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server =
            Server::start_with(listener, Routes::new(router), header_read_timeout).expect("server starts");
        (server, addr)
    }

    /// Sends `request` on a new connection and reads until the server closes it (at most 5 s).
    async fn exchange(addr: SocketAddr, request: &[u8]) -> Result<String, tokio::time::error::Elapsed> {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request).await.expect("write");
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
            .await
            .map(|_| String::from_utf8_lossy(&answer).into_owned())
    }

    const GET_AND_CLOSE: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

    #[tokio::test]
    async fn a_client_that_never_finishes_its_headers_is_disconnected() {
        let router = Router::new().route("/", get(|| async { "fine" }));
        let (server, addr) = serving(router, Duration::from_millis(300)).await;

        let answer = exchange(addr, GET_AND_CLOSE).await.expect("answered");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("fine"), "{answer}");

        let started = std::time::Instant::now();
        let answer = exchange(addr, b"GET / HTTP/1.1\r\nHost: t\r\n")
            .await
            .expect("the connection was closed, not held open");
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "{:?}",
            started.elapsed()
        );
        assert!(!answer.contains("fine"), "{answer}");

        // An idle kept-alive connection is closed the same way, after its last answer.
        let answer = exchange(addr, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .expect("closed once idle");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        server.stop().await;
    }

    /// Connections go round robin to the lanes, and each is served on its lane's thread.
    #[tokio::test]
    async fn connections_are_spread_over_every_lane() {
        let lane = || async { format!("lane={:?}", lanes::entered()) };
        let (server, addr) = serving(Router::new().route("/", get(lane)), HEADER_READ_TIMEOUT).await;
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..2 * lanes::count() {
            let answer = exchange(addr, GET_AND_CLOSE).await.expect("answered");
            let lane = answer.rsplit("\r\n\r\n").next().expect("body").to_owned();
            seen.insert(lane);
        }
        let every_lane: std::collections::BTreeSet<String> = (0..lanes::count())
            .map(|index| format!("lane={:?}", Some(index)))
            .collect();
        assert_eq!(seen, every_lane);
        server.stop().await;
    }
}
