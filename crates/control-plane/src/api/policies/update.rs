//! `PUT …/policies/{policy}`: `{document}` → the next version.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;

use super::{PolicyPath, PolicyView, compile};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, Writer};
use crate::service::{lookup, policies};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicy {
    document: Value,
}

#[tracing::instrument(skip_all)]
pub async fn update(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<PolicyPath>,
    ApiJson(body): ApiJson<UpdatePolicy>,
) -> Result<Json<PolicyView>, ApiError> {
    let account = &member.account;
    let server = lookup::server(&state, account.id, &path.server).await?;
    let policy = lookup::policy(&state, account.id, &server, &path.policy).await?;
    compile(&body.document)?;

    let saved = policies::save(
        &state,
        account,
        &server,
        &policy,
        body.document,
        Some(member.user.id),
    )
    .await?;
    Ok(Json(PolicyView::full(saved, &server.slug)))
}
