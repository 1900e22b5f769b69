//! The HTTP client toward upstream MCP servers, and relaying their answers back without buffering.

use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
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

pub struct Upstream {
    client: reqwest::Client,
}

impl Default for Upstream {
    fn default() -> Self {
        Self::new()
    }
}

impl Upstream {
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            // An upstream redirect is not followed: it could point the injected credentials elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("reqwest client with static settings builds");
        Self { client }
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
    ) -> Result<reqwest::Response, GatewayError> {
        let mut request = self.client.request(method, server.url.clone());
        let mut headers = HeaderMap::new();
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
        request = request.headers(headers);
        if let Some(body) = body {
            request = request.body(body);
        }
        request
            .send()
            .await
            .map_err(|error| GatewayError::Upstream(describe_transport_error(&error)))
    }
}

/// A short, model- and human-readable account of why the upstream could not be reached.
pub fn describe_transport_error(error: &reqwest::Error) -> String {
    let what = if error.is_connect() {
        "connection failed"
    } else if error.is_timeout() {
        "timed out"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
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

/// Copies status and the relayed headers of an upstream answer.
pub(crate) fn response_head(upstream: &reqwest::Response) -> http::response::Builder {
    let mut builder = Response::builder().status(upstream.status());
    for name in RELAYED_RESPONSE_HEADERS {
        if let Some(value) = upstream.headers().get(&name) {
            builder = builder.header(name, value.clone());
        }
    }
    builder
}

/// Relays an upstream answer, body streamed as it arrives.
pub(crate) fn relay(upstream: reqwest::Response, session_id: Option<HeaderValue>) -> Response {
    let mut builder = response_head(&upstream);
    if let Some(session_id) = session_id {
        builder = builder.header(mcp_headers::MCP_SESSION_ID, session_id);
    }
    builder
        .body(Body::from_stream(upstream.bytes_stream()))
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
