//! The account's settings page: the approvals webhook (URL, signing secret shown once), its recent
//! deliveries with failures, and audit retention. Everything goes through `crate::service::settings`
//! and `crate::service::webhooks`, as `PATCH /api/v1/accounts/{acct}/settings` and
//! `GET …/webhook-deliveries` do.
//!
//! | route | file | job |
//! |---|---|---|
//! | `GET /a/{acct}/settings` | [`show`] | the settings and the newest deliveries (any member) |
//! | `POST /a/{acct}/settings/webhook` | [`webhook`] | set (or replace) the URL: answers the page with the new secret, once |
//! | `POST /a/{acct}/settings/webhook/remove` | [`webhook`] | remove the webhook, then 303 back |
//! | `POST /a/{acct}/settings/retention` | [`retention`] | audit retention in days, then 303 back |
//! | `GET /a/{acct}/settings/alert` | [`alert`] | the navigation's warning when recent deliveries failed (htmx) |

mod alert;
mod retention;
mod show;
mod webhook;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/a/{acct}/settings", get(show::show))
        .route("/a/{acct}/settings/webhook", post(webhook::set))
        .route("/a/{acct}/settings/webhook/remove", post(webhook::remove))
        .route("/a/{acct}/settings/retention", post(retention::save))
        .route("/a/{acct}/settings/alert", get(alert::show))
}
