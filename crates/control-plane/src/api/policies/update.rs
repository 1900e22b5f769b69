//! `PUT …/policies/{policy}`: `{document}` → the next version.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;
use toolgate_cluster::ChangeEvent;
use toolgate_store::StoreError;

use super::{PolicyPath, PolicyView, compile};
use crate::api::lookup;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, Writer};
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

    let saved = state
        .store
        .update_policy(account.id, policy.id, body.document, Some(member.user.id))
        .await
        .map_err(|error| match error {
            StoreError::NotFound => ApiError::NotFound("policy"),
            other => other.into(),
        })?;
    tracing::info!(account = %account.slug, policy = %saved.id, version = saved.version, "policy saved");
    let event = ChangeEvent::PolicySaved {
        account: account.id,
        server: server.id,
        policy: saved.id,
    };
    state.publish(event).await;
    Ok(Json(PolicyView::full(saved, &server.slug)))
}
