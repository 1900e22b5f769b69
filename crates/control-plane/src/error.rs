//! The API's one error type, mapped to an HTTP answer in exactly one place ([`IntoResponse`]).
//!
//! Every answer has the shape `{"error": {"code", "message", "fields"?}}`. Internal errors are logged
//! once, here, and shown as a generic message.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use toolgate_store::StoreError;

/// One problem with one field of the request (or, for `invalid_policy`, a JSON pointer into the document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    MalformedJson(String),
    #[error("expected a JSON body with `Content-Type: application/json`")]
    UnsupportedContentType,
    #[error("{0}")]
    BadRequest(String),
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("missing or invalid API token (send `Authorization: Bearer tgk_…`)")]
    Unauthorized,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("your role in this account may not make changes")]
    Forbidden,
    /// A cookie-authenticated write without the session's CSRF token, or from another site.
    #[error(
        "cookie-authenticated writes need the session's X-CSRF-Token header and must come from this site"
    )]
    CsrfFailed,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("this method is not allowed on this path")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("{}", summary("invalid request", .0))]
    Validation(Vec<FieldError>),
    #[error("{}", summary("invalid policy", .0))]
    InvalidPolicy(Vec<FieldError>),
    #[error("too many attempts; retry in {} s", retry_after_secs(*.retry_after))]
    RateLimited { retry_after: Duration },
    #[error("{0}")]
    Upstream(String),
    /// Never shown to the caller; logged once when turned into a response.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// One field error as a `validation_failed` answer.
    pub fn field(path: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(path, message)])
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        ApiError::Internal(error.to_string())
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::UnsupportedContentType => "unsupported_content_type",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::Unauthorized => "unauthorized",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::Forbidden => "forbidden",
            ApiError::CsrfFailed => "csrf_failed",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::Validation(_) => "validation_failed",
            ApiError::InvalidPolicy(_) => "invalid_policy",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Upstream(_) => "upstream_error",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson(_) | ApiError::UnsupportedContentType | ApiError::BadRequest(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::CsrfFailed => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Validation(_) | ApiError::InvalidPolicy(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

fn summary(what: &str, fields: &[FieldError]) -> String {
    match fields {
        [] => what.to_owned(),
        [only] => format!("{what}: {}: {}", only.path, only.message),
        [first, rest @ ..] => {
            format!(
                "{what}: {}: {} (and {} more)",
                first.path,
                first.message,
                rest.len()
            )
        }
    }
}

fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(message) => ApiError::Conflict(message),
            StoreError::NotFound => ApiError::NotFound("resource"),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fields: &'a [FieldError],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                "internal error; the details are in the server log".to_owned()
            }
            other => other.to_string(),
        };
        let fields: &[FieldError] = match &self {
            ApiError::Validation(fields) | ApiError::InvalidPolicy(fields) => fields,
            _ => &[],
        };
        let body = Body {
            error: Detail {
                code: self.code(),
                message,
                fields,
            },
        };
        let mut response = (self.status(), Json(body)).into_response();
        match &self {
            ApiError::RateLimited { retry_after } => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after_secs(*retry_after)),
                );
            }
            ApiError::Unauthorized => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_retry_after_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
    }

    #[test]
    fn summarises_fields() {
        let error = ApiError::Validation(vec![
            FieldError::new("name", "too long"),
            FieldError::new("url", "bad"),
        ]);
        assert_eq!(error.to_string(), "invalid request: name: too long (and 1 more)");
        assert_eq!(error.code(), "validation_failed");
    }
}
