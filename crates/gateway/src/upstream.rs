//! The HTTP client toward upstream MCP servers, and relaying their answers back without buffering.

use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use toolgate_mcp::headers as mcp_headers;

use crate::error::GatewayError;
use crate::snapshot::ServerSnapshot;

/// Client request headers that travel upstream. Everything else (Authorization above all, cookies,
/// Host, hop-by-hop headers) stays at the gateway.
const FORWARDED_REQUEST_HEADERS: [HeaderName; 4] = [
    header::ACCEPT,
    header::CONTENT_TYPE,
    header::USER_AGENT,
    header::ACCEPT_LANGUAGE,
];
const FORWARDED_MCP_HEADERS: [&str; 2] = [mcp_headers::MCP_PROTOCOL_VERSION, mcp_headers::LAST_EVENT_ID];
/// Upstream response headers relayed to the client (the session id is rewritten separately).
const RELAYED_RESPONSE_HEADERS: [HeaderName; 3] =
    [header::CONTENT_TYPE, header::CACHE_CONTROL, header::RETRY_AFTER];

/// The answer of an upstream, its body not read yet.
pub(crate) type UpstreamResponse = http::Response<Incoming>;
/// The connection pool for forwarded calls: plain HTTP, or HTTPS with the webpki roots.
type ForwardClient = Client<Bounded<HttpsConnector<HttpConnector>>, Full<Bytes>>;

pub struct Upstream {
    /// For the catalog sync (a few requests now and then), where convenience beats speed.
    client: reqwest::Client,
    /// For every forwarded request: hyper's pooled client with nothing in between (no redirect
    /// policy, no URL re-parsing, no proxy matching), so the answer's body is relayed as it is.
    /// One pool per lane ([`toolgate_cluster::lanes`]): a pooled connection's task runs on the lane that opened
    /// it, so a request and its upstream connection stay on one thread.
    forward: Vec<ForwardClient>,
}

impl Default for Upstream {
    fn default() -> Self {
        Self::new()
    }
}

/// How long opening an upstream connection may take: TCP, and the TLS handshake for HTTPS.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

impl Upstream {
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            // An upstream redirect is not followed: it could point the injected credentials elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("reqwest client with static settings builds");
        let forward = (0..toolgate_cluster::lanes::count())
            .map(|_| forward_client())
            .collect();
        Self { client, forward }
    }

    /// The calling lane's pool.
    fn forward(&self) -> &ForwardClient {
        &self.forward[toolgate_cluster::lanes::current() % self.forward.len()]
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends one client request upstream with the server's configured headers injected.
    pub(crate) async fn send(
        &self,
        method: Method,
        server: &ServerSnapshot,
        client_headers: &HeaderMap,
        upstream_session: Option<&str>,
        body: Option<Bytes>,
    ) -> Result<UpstreamResponse, GatewayError> {
        let mut request = http::Request::new(Full::new(body.unwrap_or_default()));
        *request.method_mut() = method;
        *request.uri_mut() = server.uri.clone();
        let headers = request.headers_mut();
        headers.reserve(FORWARDED_REQUEST_HEADERS.len() + server.headers.len() + 2);
        for name in FORWARDED_REQUEST_HEADERS {
            if let Some(value) = client_headers.get(&name) {
                headers.insert(name, value.clone());
            }
        }
        for name in FORWARDED_MCP_HEADERS {
            if let Some(value) = client_headers.get(name) {
                headers.insert(HeaderName::from_static(name), value.clone());
            }
        }
        if let Some(session) = upstream_session {
            let value = HeaderValue::from_str(session)
                .map_err(|_| GatewayError::Upstream("the upstream issued an unusable session id".into()))?;
            headers.insert(HeaderName::from_static(mcp_headers::MCP_SESSION_ID), value);
        }
        for (name, value) in &server.headers {
            headers.insert(name.clone(), value.clone());
        }
        self.forward()
            .request(request)
            .await
            .map_err(|error| GatewayError::Upstream(describe_forward_error(&error)))
    }
}

fn forward_client() -> ForwardClient {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    http.enforce_http(false);
    let connector = HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    // hyper's client never follows redirects, so the injected credentials stay with this server.
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .pool_timer(TokioTimer::new())
        .build(Bounded {
            inner: connector,
            limit: CONNECT_TIMEOUT,
        })
}

/// A connector whose whole connect (TCP and the TLS handshake) must finish within `limit`: the TCP
/// connect timeout alone lets a server that accepts and then never completes its handshake hold a
/// call for as long as the client waits.
#[derive(Clone)]
struct Bounded<C> {
    inner: C,
    limit: Duration,
}

impl<C> tower::Service<http::Uri> for Bounded<C>
where
    C: tower::Service<http::Uri>,
    C::Error: Into<axum::BoxError>,
    C::Future: Send + 'static,
{
    type Response = C::Response;
    type Error = axum::BoxError;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<C::Response, axum::BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        let limit = self.limit;
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(connected) => connected.map_err(Into::into),
                Err(_) => Err(format!("no connection within {} s", limit.as_secs()).into()),
            }
        })
    }
}

/// Why a forwarded request found no upstream, for the model and the log.
fn describe_forward_error(error: &hyper_util::client::legacy::Error) -> String {
    let what = if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    describe_with_cause(what, error)
}

/// Why an upstream's answer could not be read to its end.
pub(crate) fn describe_body_error(error: &hyper::Error) -> String {
    describe_with_cause("the answer broke off", error)
}

fn describe_with_cause(what: &str, error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = String::new();
    let mut source: Option<&dyn std::error::Error> = error.source();
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() {
        format!("the upstream MCP server is unreachable ({what})")
    } else {
        format!("the upstream MCP server is unreachable ({what}: {cause})")
    }
}

/// A short, model- and human-readable account of why the upstream could not be reached (catalog sync).
pub fn describe_transport_error(error: &reqwest::Error) -> String {
    let what = if error.is_connect() {
        "connection failed"
    } else if error.is_timeout() {
        "timed out"
    } else {
        "request failed"
    };
    describe_with_cause(what, error)
}

/// Copies status and the relayed headers of an upstream answer.
pub(crate) fn response_head(upstream: &UpstreamResponse) -> http::response::Builder {
    let mut builder = Response::builder().status(upstream.status());
    for name in RELAYED_RESPONSE_HEADERS {
        if let Some(value) = upstream.headers().get(&name) {
            builder = builder.header(name, value.clone());
        }
    }
    builder
}

/// Relays an upstream answer, body streamed as it arrives (with its length, when the upstream gave one).
pub(crate) fn relay(upstream: UpstreamResponse, session_id: Option<HeaderValue>) -> Response {
    let mut builder = response_head(&upstream);
    if let Some(session_id) = session_id {
        builder = builder.header(mcp_headers::MCP_SESSION_ID, session_id);
    }
    builder
        .body(Body::new(upstream.into_body()))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

/// Is this an event stream (as opposed to a JSON body)?
pub(crate) fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
        })
}
