//! `/signup`, `/login` (GET: the form; POST: check it, start a session, 303 on) and `POST /logout`.
//! The logic is `crate::service::accounts`, shared with the API (rate limits included).

mod login;
mod logout;
mod signup;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::session::{cookie, csrf};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/signup", get(signup::form).post(signup::submit))
        .route("/logout", post(logout::submit))
}

/// The CSRF token for a form shown before login: the `toolgate_csrf` cookie's, or a new one with the
/// `Set-Cookie` value that stores it.
fn pre_session_token(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(String, Option<HeaderValue>), ApiError> {
    if let Some(token) = cookie::find(headers, csrf::PRE_SESSION_COOKIE)
        && token.len() == 64
        && token.bytes().all(|byte| byte.is_ascii_hexdigit())
    {
        return Ok((token.to_owned(), None));
    }
    let token = csrf::generate();
    let set = cookie::set(
        csrf::PRE_SESSION_COOKIE,
        &token,
        std::time::Duration::from_secs(24 * 60 * 60),
        state.cookies_secure(),
    )?;
    Ok((token, Some(set)))
}

/// Where to go after login: a path on this site only (never `//host` or a full URL).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/a/acme/servers?x=1")), "/a/acme/servers?x=1");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "",
            "a/b",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
