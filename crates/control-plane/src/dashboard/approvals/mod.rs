//! Approval pages:
//!
//! | route | file | job |
//! |---|---|---|
//! | `GET /a/{acct}/approvals` | [`list`] | pending approvals (live), then recently decided ones |
//! | `GET /a/{acct}/approvals/pending` | [`list`] | the pending list alone (htmx polls it every 2 s) |
//! | `GET /a/{acct}/approvals/count` | [`list`] | the nav badge: how many are pending |
//! | `POST /a/{acct}/approvals/{id}/approve`, `…/deny` | [`decide`] | decide, then 303 back |

mod decide;
pub(crate) mod list;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/a/{acct}/approvals", get(list::show))
        .route("/a/{acct}/approvals/pending", get(list::pending))
        .route("/a/{acct}/approvals/count", get(list::count))
        .route("/a/{acct}/approvals/{approval}/approve", post(decide::approve))
        .route("/a/{acct}/approvals/{approval}/deny", post(decide::deny))
}
