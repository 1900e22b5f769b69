//! `POST /accounts/{acct}/grants`: `{name, server, policy?, expires_at?}` → 201 with the token (shown once).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use time::OffsetDateTime;
use toolgate_store::NewGrant;

use super::{GrantView, NewToken, WithToken};
use crate::error::ApiError;
use crate::extract::{ApiJson, Writer};
use crate::state::AppState;
use crate::validate::{self, Problems};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateGrant {
    name: String,
    /// Slug or id of a server in this account.
    server: String,
    /// Name or id of a policy on that server.
    #[serde(default)]
    policy: Option<String>,
    /// RFC 3339, in the future.
    #[serde(default)]
    expires_at: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiJson(body): ApiJson<CreateGrant>,
) -> Result<(StatusCode, Json<WithToken>), ApiError> {
    let account = &member.account;
    let mut problems = Problems::new();
    let name = problems.check("name", validate::display_name(&body.name));
    let now = OffsetDateTime::now_utc();
    let expires_at = match &body.expires_at {
        Some(text) => problems
            .check("expires_at", validate::future_time(text, now))
            .map(Some),
        None => Some(None),
    };
    let server = state.store.find_server(account.id, &body.server).await?;
    if server.is_none() {
        problems.add("server", format!("no server {:?} in this account", body.server));
    }
    let policy = match (&server, &body.policy) {
        (Some(server), Some(key)) => {
            let policy = state.store.find_policy(account.id, server.id, key).await?;
            if policy.is_none() {
                problems.add(
                    "policy",
                    format!("no policy {key:?} on server {:?}", server.slug.as_str()),
                );
            }
            policy
        }
        _ => None,
    };
    problems.finish()?;
    let (Some(name), Some(server), Some(expires_at)) = (name, server, expires_at) else {
        return Err(ApiError::internal("validated grant fields missing"));
    };

    let token = NewToken::generate();
    let new_grant = NewGrant {
        server_id: server.id,
        policy_id: policy.as_ref().map(|policy| policy.id),
        name,
        token_hash: token.hash,
        token_prefix: token.prefix,
        expires_at,
    };
    let grant = state.store.create_grant(account.id, new_grant).await?;
    tracing::info!(account = %account.slug, grant = %grant.id, server = %server.slug, "grant created");
    let gateway_url = state.server_gateway_url(account.slug.as_str(), server.slug.as_str());
    let view = GrantView::new(grant, server.slug, policy.map(|policy| policy.name), gateway_url);
    Ok((
        StatusCode::CREATED,
        Json(WithToken {
            token: token.token,
            grant: view,
        }),
    ))
}
