//! `POST …/servers/{server}/policies`: `{name, document}` → 201, version 1.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::{PolicyView, ServerPath, compile};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, Writer};
use crate::service::{lookup, policies};
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicy {
    name: String,
    document: Value,
}

#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<ServerPath>,
    ApiJson(body): ApiJson<CreatePolicy>,
) -> Result<(StatusCode, Json<PolicyView>), ApiError> {
    let account = &member.account;
    let server = lookup::server(&state, account.id, &path.server).await?;
    let name = validate::policy_name(&body.name).map_err(|message| ApiError::field("name", message))?;
    compile(&body.document)?;

    let policy = policies::create(
        &state,
        account,
        &server,
        name,
        body.document,
        Some(member.user.id),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(PolicyView::full(policy, &server.slug))))
}
