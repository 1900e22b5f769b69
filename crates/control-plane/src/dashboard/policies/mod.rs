//! The policy builder pages (issue 4, item 4), per server:
//!
//! | route | job |
//! |---|---|
//! | `GET /a/{acct}/servers/{server}/policies` | [`list`]: the server's policies, and a form to create one (empty or recommended) |
//! | `POST …/policies` | [`list::create`]: the no-JS create form → 303 to the editor |
//! | `GET …/policies/{policy}` | [`editor`]: a plain form (JSON textarea + Save) that `static/js/builder*.js` turns into the builder |
//! | `POST …/policies/{policy}` | [`editor::save`]: the no-JS save: validate, save a new version, or re-render with the errors |
//! | `GET …/policies/{policy}/history` | [`history`]: versions newest first, each with a line diff from the one before |
//! | `POST …/policies/{policy}/rollback` | [`history::rollback`]: saves an old version's document as a new version |
//! | `POST /a/{acct}/servers/{server}/builder/validate` | [`draft::validate`]: `{text}` → `{valid, errors}` (the API's validator, nothing saved) |
//! | `POST …/builder/simulate` | [`draft::simulate`]: `{document, tool, arguments}` → decision for the unsaved document |
//! | `GET …/builder/recommended` | [`recommended`]: the recommended starting document and what it chose |
//!
//! The JS saves through the API (`PUT /api/v1/…/policies/{policy}`); the no-JS forms go through
//! [`save`]. The builder's endpoints live under `builder/`, not `policies/`, so that no policy
//! name (any text without `/`) can collide with them.

mod catalog;
mod diff;
mod draft;
mod editor;
mod history;
mod lines;
mod list;
mod recommended;
mod save;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let base = "/a/{acct}/servers/{server}";
    Router::new()
        .route(&format!("{base}/policies"), get(list::show).post(list::create))
        .route(
            &format!("{base}/policies/{{policy}}"),
            get(editor::show).post(editor::save),
        )
        .route(&format!("{base}/policies/{{policy}}/history"), get(history::show))
        .route(
            &format!("{base}/policies/{{policy}}/rollback"),
            post(history::rollback),
        )
        .route(&format!("{base}/builder/validate"), post(draft::validate))
        .route(&format!("{base}/builder/simulate"), post(draft::simulate))
        .route(&format!("{base}/builder/recommended"), get(recommended::show))
}

/// A path segment with everything but unreserved characters percent-encoded (policy names may hold
/// spaces, `?`, `#`, `%`…).
fn segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// `/a/{acct}/servers/{server}/policies/{policy}{rest}`.
fn policy_url(account: &str, server: &str, policy: &str, rest: &str) -> String {
    format!(
        "/a/{}/servers/{}/policies/{}{rest}",
        segment(account),
        segment(server),
        segment(policy)
    )
}

/// `/a/{acct}/servers/{server}{rest}`.
fn server_url(account: &str, server: &str, rest: &str) -> String {
    format!("/a/{}/servers/{}{rest}", segment(account), segment(server))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_encoded_as_one_segment() {
        assert_eq!(segment("prod policy/2?#%é"), "prod%20policy%2F2%3F%23%25%C3%A9");
        assert_eq!(
            policy_url("acme", "files", "read only", "/history"),
            "/a/acme/servers/files/policies/read%20only/history"
        );
    }
}
