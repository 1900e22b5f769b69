//! `/mcp/{account}/{server}`: authenticate, then dispatch POST / GET / DELETE.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, header};
use http_body_util::{BodyExt, Limited};
use time::OffsetDateTime;
use toolgate_domain::{TokenHash, TokenKind};
use toolgate_mcp::headers as mcp_headers;
use toolgate_mcp::jsonrpc::{self, MessageKind, Payload};
use toolgate_mcp::version::{self, Era};

use crate::error::GatewayError;
use crate::session::{OpenedSession, SessionClaims};
use crate::snapshot::{GrantSnapshot, ServerSnapshot, SnapshotError};
use crate::state::GatewayState;
use crate::upstream;
use crate::{call, list};

/// What every request of a connection carries once authenticated.
#[derive(Clone)]
pub(crate) struct Connection {
    pub server: Arc<ServerSnapshot>,
    pub grant: Arc<GrantSnapshot>,
    /// The session the client named, opened; `None` before initialize (or for sessionless upstreams).
    pub session: Option<Arc<OpenedSession>>,
}

impl Connection {
    /// A short fingerprint of the client's session id, for the audit (the id itself is a credential).
    pub fn session_fingerprint(&self) -> Option<String> {
        self.session.as_ref().map(|session| session.fingerprint.clone())
    }

    /// The upstream's own session id, to forward.
    pub fn upstream_session(&self) -> Option<&str> {
        self.session
            .as_ref()
            .map(|session| session.claims.upstream.as_str())
    }
}

/// A request body the gateway can read: hyper's own (served directly) or axum's (through the router).
pub trait RequestBody: hyper::body::Body<Data = Bytes, Error: Into<axum::BoxError>> + Send {}

impl<B> RequestBody for B where B: hyper::body::Body<Data = Bytes, Error: Into<axum::BoxError>> + Send {}

/// The route, for the router (percent-encoded slugs and tests come this way).
pub(crate) async fn endpoint(
    State(state): State<GatewayState>,
    Path((account, server)): Path<(String, String)>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    handle(&state, &account, &server, &parts, body).await
}

/// The slugs of a plain `/mcp/{account}/{server}` path; `None` for anything else, including
/// percent-encoded segments (the router decodes those).
pub fn mcp_path(path: &str) -> Option<(&str, &str)> {
    let (account, server) = path.strip_prefix("/mcp/")?.split_once('/')?;
    let plain = |segment: &str| !segment.is_empty() && !segment.contains(['/', '%']);
    (plain(account) && plain(server)).then_some((account, server))
}

/// One request to `/mcp/{account}/{server}`: authenticate, then dispatch on the method.
pub async fn handle(
    state: &GatewayState,
    account: &str,
    server: &str,
    parts: &Parts,
    body: impl RequestBody,
) -> Response {
    let result = async {
        let headers = &parts.headers;
        let connection = authenticate(state, account, server, headers).await?;
        match parts.method {
            Method::POST => post(state, connection, headers, body).await,
            Method::GET => stream(state, connection, headers, Method::GET).await,
            Method::DELETE => stream(state, connection, headers, Method::DELETE).await,
            _ => Err(GatewayError::MethodNotAllowed),
        }
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

const BAD_TOKEN: &str = "a valid grant token for this server is required (Authorization: Bearer tg_…)";

async fn authenticate(
    state: &GatewayState,
    account_slug: &str,
    server_slug: &str,
    headers: &HeaderMap,
) -> Result<Connection, GatewayError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or(GatewayError::Unauthorized(BAD_TOKEN))?;
    if !TokenKind::Grant.matches(token) {
        return Err(GatewayError::Unauthorized(BAD_TOKEN));
    }
    let cache = state.cache();
    // An unknown account or server answers like a bad token: the gateway does not reveal which exist.
    let server = cache
        .server(account_slug, server_slug)
        .await
        .map_err(unavailable)?
        .ok_or(GatewayError::Unauthorized(BAD_TOKEN))?;
    let grant = cache
        .grant(server.account_id, TokenHash::of(token))
        .await
        .map_err(unavailable)?
        .ok_or(GatewayError::Unauthorized(BAD_TOKEN))?;
    if grant.server_id != server.server_id || grant.account_id != server.account_id {
        return Err(GatewayError::Unauthorized(BAD_TOKEN));
    }
    if !grant.is_active(OffsetDateTime::now_utc()) {
        return Err(GatewayError::Unauthorized(
            "this grant token was revoked or has expired",
        ));
    }
    let session = match headers.get(mcp_headers::MCP_SESSION_ID) {
        None => None,
        Some(value) => {
            let opened = value
                .to_str()
                .ok()
                .and_then(|text| state.inner.sessions.open(text, &state.inner.secret))
                .ok_or(GatewayError::SessionNotFound)?;
            if opened.claims.grant != grant.id || opened.claims.server != server.server_id {
                return Err(GatewayError::SessionNotFound);
            }
            Some(opened)
        }
    };
    Ok(Connection {
        server,
        grant,
        session,
    })
}

fn unavailable(error: SnapshotError) -> GatewayError {
    tracing::error!(%error, "gateway cannot load its configuration");
    GatewayError::Unavailable
}

async fn read_body(state: &GatewayState, body: impl RequestBody) -> Result<Bytes, GatewayError> {
    let limit = state.inner.max_body_bytes;
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            Err(GatewayError::PayloadTooLarge(limit))
        }
        Err(_) => Err(GatewayError::bad_request(
            jsonrpc::INVALID_REQUEST,
            "the request body could not be read",
        )),
    }
}

fn check_protocol_header(headers: &HeaderMap) -> Result<Option<Era>, GatewayError> {
    let Some(value) = headers.get(mcp_headers::MCP_PROTOCOL_VERSION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| {
        GatewayError::bad_request(jsonrpc::INVALID_REQUEST, "MCP-Protocol-Version is not text")
    })?;
    if version::is_supported_legacy(value) {
        return Ok(Some(Era::Legacy));
    }
    if value == version::MODERN_VERSION {
        return Ok(Some(Era::Modern));
    }
    Err(GatewayError::bad_request(
        jsonrpc::INVALID_REQUEST,
        format!(
            "unsupported MCP-Protocol-Version {value:?}; this gateway speaks {}",
            version::LEGACY_VERSIONS.join(", ")
        ),
    ))
}

/// Modern (2026-07-28) requests are refused with a plain JSON-RPC error in a 400, which dual-era
/// clients take as "not a modern server" and answer by falling back to `initialize`.
fn modern_refused() -> GatewayError {
    GatewayError::bad_request(
        jsonrpc::INVALID_REQUEST,
        format!(
            "this gateway does not serve protocol {} yet; connect with the initialize handshake ({})",
            version::MODERN_VERSION,
            version::LEGACY_VERSIONS.join(", ")
        ),
    )
}

async fn post(
    state: &GatewayState,
    connection: Connection,
    headers: &HeaderMap,
    body: impl RequestBody,
) -> Result<Response, GatewayError> {
    let header_era = check_protocol_header(headers)?;
    let bytes = read_body(state, body).await?;
    let payload = jsonrpc::parse(&bytes)
        .map_err(|error| GatewayError::bad_request(error.jsonrpc_code(), error.to_string()))?;
    let message = match payload {
        Payload::Single(message) => message,
        Payload::Batch(_) => {
            return Err(GatewayError::bad_request(
                jsonrpc::INVALID_REQUEST,
                "JSON-RPC batches are not accepted; send one message per request",
            ));
        }
    };
    if header_era == Some(Era::Modern) || version::detect_era(None, &message) == Era::Modern {
        return Err(modern_refused());
    }
    if let (MessageKind::Request, Some(id)) = (message.kind(), message.id) {
        match message.method.as_deref() {
            Some("tools/call") => {
                return call::handle(state, &connection, headers, &bytes, id, message.params).await;
            }
            Some("tools/list") => return list::handle(state, &connection, headers, bytes.clone(), id).await,
            Some("initialize") => return initialize(state, &connection, headers, bytes.clone()).await,
            _ => {}
        }
    }
    let upstream_session = connection.upstream_session();
    let response = state
        .inner
        .upstream
        .send(
            Method::POST,
            &connection.server,
            headers,
            upstream_session,
            Some(bytes.clone()),
        )
        .await?;
    Ok(upstream::relay(response, None))
}

/// Forwards initialize and wraps the upstream's session id into a stateless one of ours.
async fn initialize(
    state: &GatewayState,
    connection: &Connection,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, GatewayError> {
    let response = state
        .inner
        .upstream
        .send(Method::POST, &connection.server, headers, None, Some(body))
        .await?;
    let session_id = match response
        .headers()
        .get(mcp_headers::MCP_SESSION_ID)
        .and_then(|v| v.to_str().ok())
    {
        Some(upstream_id) => {
            let claims = SessionClaims {
                upstream: upstream_id.to_owned(),
                grant: connection.grant.id,
                server: connection.server.server_id,
                protocol_version: None,
            };
            Some(
                HeaderValue::from_str(&claims.seal(&state.inner.secret))
                    .map_err(|_| GatewayError::Upstream("could not issue a session id".into()))?,
            )
        }
        None => None,
    };
    Ok(upstream::relay(response, session_id))
}

/// GET (the standalone event stream) and DELETE (end of session) go upstream as they are.
async fn stream(
    state: &GatewayState,
    connection: Connection,
    headers: &HeaderMap,
    method: Method,
) -> Result<Response, GatewayError> {
    if check_protocol_header(headers)? == Some(Era::Modern) {
        return Err(GatewayError::MethodNotAllowed);
    }
    let upstream_session = connection.upstream_session();
    let response = state
        .inner
        .upstream
        .send(method, &connection.server, headers, upstream_session, None)
        .await?;
    Ok(upstream::relay(response, None))
}

#[cfg(test)]
mod tests {
    use super::mcp_path;

    #[test]
    fn plain_gateway_paths_are_recognised_and_everything_else_is_left_to_the_router() {
        assert_eq!(mcp_path("/mcp/acme/sys"), Some(("acme", "sys")));
        assert_eq!(mcp_path("/mcp/acme-2/files-01"), Some(("acme-2", "files-01")));
        for other in [
            "/mcp/acme/sys/",
            "/mcp/acme/sys/extra",
            "/mcp/acme",
            "/mcp/acme/",
            "/mcp//sys",
            "/mcp/%61cme/sys",
            "/mcp/acme/%73ys",
            "/api/v1/accounts",
            "/mcpx/acme/sys",
            "/",
        ] {
            assert_eq!(mcp_path(other), None, "{other}");
        }
    }
}
