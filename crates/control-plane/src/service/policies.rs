//! Saving policies: a new policy (version 1) or the next version of one. The caller has validated the
//! document with the policy compiler (the API and the dashboard report its errors differently). Each
//! save is an admin event with the versions before and after, and gateway workers are told.

use serde_json::{Value, json};
use toolgate_cluster::ChangeEvent;
use toolgate_domain::UserId;
use toolgate_store::{Account, NewPolicy, Policy, Server, StoreError};

use super::admin::{self, Change};
use crate::error::ApiError;
use crate::state::AppState;

/// Creates version 1 of a policy named `name` (already validated). 409 when the name is taken.
pub async fn create(
    state: &AppState,
    account: &Account,
    server: &Server,
    name: String,
    document: Value,
    author: Option<UserId>,
) -> Result<Policy, ApiError> {
    let new_policy = NewPolicy {
        name: name.clone(),
        document,
        created_by: author,
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
    let change = Change::new("policy.created", "policy", policy.id)
        .versions(None, Some(policy.version))
        .detail(json!({"name": policy.name, "server": server.slug}));
    admin::record(state, account.id, change).await;
    publish(state, account, server, &policy).await;
    Ok(policy)
}

/// Saves `document` (already validated) as the policy's next version.
pub async fn save(
    state: &AppState,
    account: &Account,
    server: &Server,
    policy: &Policy,
    document: Value,
    author: Option<UserId>,
) -> Result<Policy, ApiError> {
    let saved = state
        .store
        .update_policy(account.id, policy.id, document, author)
        .await
        .map_err(|error| match error {
            StoreError::NotFound => ApiError::NotFound("policy"),
            other => other.into(),
        })?;
    tracing::info!(account = %account.slug, policy = %saved.id, version = saved.version, "policy saved");
    let change = Change::new("policy.saved", "policy", saved.id)
        .versions(Some(saved.version - 1), Some(saved.version))
        .detail(json!({"name": saved.name, "server": server.slug}));
    admin::record(state, account.id, change).await;
    publish(state, account, server, &saved).await;
    Ok(saved)
}

async fn publish(state: &AppState, account: &Account, server: &Server, policy: &Policy) {
    state
        .publish(ChangeEvent::PolicySaved {
            account: account.id,
            server: server.id,
            policy: policy.id,
        })
        .await;
}
