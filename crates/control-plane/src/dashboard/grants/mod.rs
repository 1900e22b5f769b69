//! Grant pages:
//!
//! | route | file | job |
//! |---|---|---|
//! | `GET /a/{acct}/grants` | [`list`] | label, server, policy, last used, expiry, state |
//! | `GET /a/{acct}/grants/new`, `POST /a/{acct}/grants` | [`new`] | create; answers the token page |
//! | `GET/POST /a/{acct}/grants/{grant}/revoke` | [`revoke`] | confirm, then revoke |
//! | `GET/POST /a/{acct}/grants/{grant}/rotate` | [`rotate`] | confirm, then a new token (token page) |
//!
//! The token page ([`token`]) is the answer to the POST itself: the token is never stored, so it
//! cannot be shown again (answers carry `Cache-Control: no-store`).

mod confirm;
mod list;
mod new;
mod revoke;
mod rotate;
mod token;

use axum::Router;
use axum::routing::get;
use serde::Deserialize;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let grant = "/a/{acct}/grants/{grant}";
    Router::new()
        .route("/a/{acct}/grants", get(list::show).post(new::create))
        .route("/a/{acct}/grants/new", get(new::form))
        .route(
            &format!("{grant}/revoke"),
            get(revoke::confirm).post(revoke::revoke),
        )
        .route(
            &format!("{grant}/rotate"),
            get(rotate::confirm).post(rotate::rotate),
        )
}

#[derive(Deserialize)]
struct GrantPath {
    #[allow(dead_code)]
    acct: String,
    grant: String,
}

/// `2030-01-31 12:00 UTC`.
fn format_time(time: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| time.to_string())
}
