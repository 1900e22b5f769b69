//! Finding a resource named in the path within the caller's account: 404 when absent, whoever owns it.

use toolgate_domain::{AccountId, GrantId};
use toolgate_store::{Grant, Policy, Server};

use crate::error::ApiError;
use crate::state::AppState;

/// By slug or id.
pub async fn server(state: &AppState, account: AccountId, key: &str) -> Result<Server, ApiError> {
    state
        .store
        .find_server(account, key)
        .await?
        .ok_or(ApiError::NotFound("server"))
}

/// On the server, by name or id.
pub async fn policy(
    state: &AppState,
    account: AccountId,
    server: &Server,
    key: &str,
) -> Result<Policy, ApiError> {
    state
        .store
        .find_policy(account, server.id, key)
        .await?
        .ok_or(ApiError::NotFound("policy"))
}

/// By id.
pub async fn grant(state: &AppState, account: AccountId, key: &str) -> Result<Grant, ApiError> {
    let Ok(id) = key.parse::<GrantId>() else {
        return Err(ApiError::NotFound("grant"));
    };
    state
        .store
        .get_grant(account, id)
        .await?
        .ok_or(ApiError::NotFound("grant"))
}
