//! Connection-level failures of the gateway, mapped once to HTTP. Per-call policy refusals are not
//! errors: they are HTTP 200 results (see `refusal`).

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use toolgate_mcp::jsonrpc;

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Missing, malformed, unknown, revoked or expired token, or a grant of another account or server.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// A malformed request; `code` is the JSON-RPC error code to answer with.
    #[error("{message}")]
    BadRequest {
        code: i64,
        message: String,
        id: Option<Box<serde_json::value::RawValue>>,
    },
    #[error("request body exceeds {0} bytes")]
    PayloadTooLarge(usize),
    #[error(
        "session not found: it was not issued by this gateway for this grant and server; start a new session with initialize"
    )]
    SessionNotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Upstream(String),
    #[error("the gateway cannot read its configuration right now; retry shortly")]
    Unavailable,
}

impl GatewayError {
    pub fn bad_request(code: i64, message: impl Into<String>) -> Self {
        GatewayError::BadRequest {
            code,
            message: message.into(),
            id: None,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            GatewayError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            GatewayError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            GatewayError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            GatewayError::SessionNotFound => StatusCode::NOT_FOUND,
            GatewayError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            GatewayError::Upstream(_) => StatusCode::BAD_GATEWAY,
            GatewayError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn code(&self) -> i64 {
        match self {
            GatewayError::BadRequest { code, .. } => *code,
            GatewayError::Upstream(_) | GatewayError::Unavailable => jsonrpc::INTERNAL_ERROR,
            _ => jsonrpc::INVALID_REQUEST,
        }
    }
}

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        let status = self.status();
        let id = match &self {
            GatewayError::BadRequest { id, .. } => id.as_deref(),
            _ => None,
        };
        let body = jsonrpc::error_response(id, self.code(), &self.to_string(), None);
        let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        let headers = response.headers_mut();
        match &self {
            GatewayError::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer realm="toolgate", error="invalid_token""#),
                );
            }
            GatewayError::MethodNotAllowed => {
                headers.insert(header::ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
            }
            GatewayError::Unavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            }
            _ => {}
        }
        response
    }
}
