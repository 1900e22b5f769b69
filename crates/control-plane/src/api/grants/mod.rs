//! `/accounts/{acct}/grants`: bearer tokens (`tg_…`) for agents, each for one server and one policy
//! (no policy: every call is denied). The logic is `crate::service::grants`, shared with the dashboard.

mod create;
mod list;
mod revoke;
mod rotate;

use axum::Router;
use axum::routing::{delete, post};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use toolgate_domain::{GrantId, Slug};

use crate::service::grants::{Described, Issued};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{acct}/grants", post(create::create).get(list::list))
        .route("/accounts/{acct}/grants/{grant}", delete(revoke::revoke))
        .route("/accounts/{acct}/grants/{grant}/rotate", post(rotate::rotate))
}

#[derive(Deserialize)]
struct GrantPath {
    #[allow(dead_code)]
    acct: String,
    grant: String,
}

#[derive(Serialize)]
struct GrantView {
    id: GrantId,
    name: String,
    /// The server's slug.
    server: Slug,
    /// The policy's name; `null`: no policy, every call is denied.
    policy: Option<String>,
    token_prefix: String,
    /// `active` | `revoked` | `expired`
    state: &'static str,
    gateway_url: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    last_used_at: Option<OffsetDateTime>,
}

impl GrantView {
    fn new(state: &AppState, account_slug: &Slug, described: Described) -> Self {
        let grant_state = described.state(OffsetDateTime::now_utc());
        let Described {
            grant,
            server,
            policy,
        } = described;
        Self {
            gateway_url: state.server_gateway_url(account_slug.as_str(), server.slug.as_str()),
            id: grant.id,
            name: grant.name,
            server: server.slug,
            policy: policy.map(|policy| policy.name),
            token_prefix: grant.token_prefix,
            state: grant_state,
            created_at: grant.created_at,
            expires_at: grant.expires_at,
            revoked_at: grant.revoked_at,
            last_used_at: grant.last_used_at,
        }
    }
}

/// The answer to create and rotate: the grant, with its token shown this once.
#[derive(Serialize)]
struct WithToken {
    token: String,
    #[serde(flatten)]
    grant: GrantView,
}

impl WithToken {
    fn new(state: &AppState, account_slug: &Slug, issued: Issued) -> Self {
        Self {
            token: issued.token,
            grant: GrantView::new(state, account_slug, issued.described),
        }
    }
}
