//! `POST /accounts/{acct}/grants`: `{name, server, policy?, expires_at?}` → 201 with the token (shown once).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::WithToken;
use crate::error::ApiError;
use crate::extract::{ApiJson, Writer};
use crate::service::grants::{self, GrantInput};
use crate::state::AppState;

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
    let input = GrantInput {
        name: body.name,
        server: body.server,
        policy: body.policy,
        expires_at: body.expires_at,
    };
    let issued = grants::create(&state, &member.account, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(WithToken::new(&state, &member.account.slug, issued)),
    ))
}
