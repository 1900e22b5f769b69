//! `/accounts/{acct}/grants`: bearer tokens (`tg_…`) for agents, each for one server and one policy
//! (no policy: every call is denied). Tokens are shown once, on create and rotate; only their SHA-256
//! is kept.

mod create;
mod list;
mod revoke;
mod rotate;

use axum::Router;
use axum::routing::{delete, post};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use toolgate_domain::token::token_prefix;
use toolgate_domain::{GrantId, Slug, TokenHash, TokenKind};
use toolgate_store::Grant;

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

/// A fresh grant token with what the store keeps of it.
struct NewToken {
    token: String,
    hash: TokenHash,
    prefix: String,
}

impl NewToken {
    fn generate() -> Self {
        let token = TokenKind::Grant.generate();
        Self {
            hash: TokenHash::of(&token),
            prefix: token_prefix(&token),
            token,
        }
    }
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
    fn new(grant: Grant, server: Slug, policy: Option<String>, gateway_url: String) -> Self {
        let now = OffsetDateTime::now_utc();
        let state = match (grant.revoked_at, grant.is_active(now)) {
            (Some(_), _) => "revoked",
            (None, true) => "active",
            (None, false) => "expired",
        };
        Self {
            id: grant.id,
            name: grant.name,
            server,
            policy,
            token_prefix: grant.token_prefix,
            state,
            gateway_url,
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

/// The grant's server slug and policy name, for one grant.
async fn describe(
    state: &AppState,
    account_slug: &Slug,
    grant: Grant,
) -> Result<GrantView, crate::error::ApiError> {
    let server = state
        .store
        .get_server(grant.account_id, grant.server_id)
        .await?
        .ok_or_else(|| {
            crate::error::ApiError::internal(format!("grant {} names a missing server", grant.id))
        })?;
    let policy = match grant.policy_id {
        Some(policy_id) => state
            .store
            .get_policy(grant.account_id, policy_id)
            .await?
            .map(|policy| policy.name),
        None => None,
    };
    let gateway_url = state.server_gateway_url(account_slug.as_str(), server.slug.as_str());
    Ok(GrantView::new(grant, server.slug, policy, gateway_url))
}
