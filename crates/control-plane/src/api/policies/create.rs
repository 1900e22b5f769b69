//! `POST …/servers/{server}/policies`: `{name, document}` → 201, version 1.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use toolgate_cluster::ChangeEvent;
use toolgate_store::{NewPolicy, StoreError};

use super::{PolicyView, ServerPath, compile};
use crate::api::lookup;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, Writer};
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

    let new_policy = NewPolicy {
        name: name.clone(),
        document: body.document,
        created_by: Some(member.user.id),
    };
    let policy = match state.store.create_policy(account.id, server.id, new_policy).await {
        Ok(policy) => policy,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::Conflict(format!(
                "a policy named {name:?} already exists on this server"
            )));
        }
        Err(other) => return Err(other.into()),
    };
    tracing::info!(account = %account.slug, server = %server.slug, policy = %policy.id, "policy created");
    let event = ChangeEvent::PolicySaved {
        account: account.id,
        server: server.id,
        policy: policy.id,
    };
    state.publish(event).await;
    Ok((StatusCode::CREATED, Json(PolicyView::full(policy, &server.slug))))
}
