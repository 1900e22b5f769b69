//! Server pages:
//!
//! | route | file | job |
//! |---|---|---|
//! | `GET /a/{acct}/servers` | [`list`] | the account's servers |
//! | `GET /a/{acct}/servers/new`, `POST /a/{acct}/servers` | [`new`] | register a server |
//! | `GET /a/{acct}/servers/{server}` | [`show`] | gateway URL, header names, tools with risk and diffs |
//! | `POST …/{server}/headers` | [`headers`] | replace the upstream headers |
//! | `POST …/{server}/test` | [`test`] | fetch tools/list without saving: does the upstream answer? |
//! | `POST …/{server}/sync` | [`sync`] | fetch tools/list and replace the catalog |
//! | `POST …/{server}/tools/{tool}/accept` | [`accept`] | accept a changed tool definition |

mod accept;
mod diff;
mod header_rows;
mod headers;
mod list;
mod new;
mod show;
mod sync;
mod test;
mod tools;

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let server = "/a/{acct}/servers/{server}";
    Router::new()
        .route("/a/{acct}/servers", get(list::show).post(new::create))
        .route("/a/{acct}/servers/new", get(new::form))
        .route(server, get(show::show))
        .route(&format!("{server}/headers"), post(headers::replace))
        .route(&format!("{server}/test"), post(test::test))
        .route(&format!("{server}/sync"), post(sync::sync))
        .route(&format!("{server}/tools/{{tool}}/accept"), post(accept::accept))
}

#[derive(Deserialize)]
struct ServerPath {
    #[allow(dead_code)]
    acct: String,
    server: String,
}
