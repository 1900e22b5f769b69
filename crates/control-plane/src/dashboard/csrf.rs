//! The CSRF layer in front of every dashboard route: each write (POST, PUT, PATCH, DELETE) must come
//! from this site and carry the expected token, or it gets the 403 page before any handler runs. So
//! no page handler can forget the check. See [`crate::session::csrf`] for the rules.
//!
//! The token is read from the `X-CSRF-Token` header (fetch, htmx) or else from the `csrf_token` field
//! of a urlencoded form body (the body is buffered, at most `MAX_BODY_BYTES`, and handed on intact).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::PageError;
use crate::extract::MAX_BODY_BYTES;
use crate::session::{self, cookie, csrf};
use crate::state::AppState;

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    match check(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

async fn check(state: &AppState, request: Request) -> Result<Request, PageError> {
    let (mut parts, body) = request.into_parts();
    if csrf::is_cross_site(&parts.headers, &state.public_url) {
        tracing::warn!(path = %parts.uri.path(), "cross-site write refused");
        return Err(PageError::Csrf);
    }
    let session = session::current(&mut parts, state).await?;
    let expected = match &session {
        Some(session) => Some(session.csrf_token.clone()),
        None => cookie::find(&parts.headers, csrf::PRE_SESSION_COOKIE).map(str::to_owned),
    };
    let (presented, body) = match csrf::header_token(&parts.headers) {
        Some(token) => (Some(token.to_owned()), body),
        None if is_form(&parts.headers) => {
            let bytes = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
                PageError::BadRequest(format!(
                    "The form is larger than the limit of {MAX_BODY_BYTES} bytes."
                ))
            })?;
            (form_field(&bytes, csrf::FIELD), Body::from(bytes))
        }
        None => (None, body),
    };
    let valid = match (&expected, &presented) {
        (Some(expected), Some(presented)) => csrf::tokens_match(expected, presented),
        // Logging out without a session changes nothing: let it through to clear the cookie.
        (None, _) => session.is_none() && parts.uri.path() == "/logout",
        _ => false,
    };
    if !valid {
        tracing::warn!(path = %parts.uri.path(), "write without a valid CSRF token refused");
        return Err(PageError::Csrf);
    }
    Ok(Request::from_parts(parts, body))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .starts_with("application/x-www-form-urlencoded")
        })
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find_map(|(key, value)| (key == name).then(|| value.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_field() {
        assert_eq!(
            form_field(b"a=1&csrf_token=abc%20d&b=2", "csrf_token"),
            Some("abc d".into())
        );
        assert_eq!(form_field(b"a=1", "csrf_token"), None);
    }
}
