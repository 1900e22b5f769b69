//! Activity pages:
//!
//! | route | file | job |
//! |---|---|---|
//! | `GET /a/{acct}/activity` | [`list`] | filterable audit log with paging, 24 h chart, top tools / refused rules |
//!
//! The chart is server-rendered inline SVG ([`chart`]), no JavaScript.

mod chart;
mod list;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/a/{acct}/activity", get(list::show))
}
