//! `GET /accounts/{acct}/grants`: every grant of the account, revoked and expired ones included.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use toolgate_domain::{PolicyId, ServerId};

use super::GrantView;
use crate::api::page::{ListQuery, Page};
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member};
use crate::state::AppState;

#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<GrantView>>, ApiError> {
    query.check()?;
    let account = &member.account;
    let grants = state.store.list_grants(account.id).await?;
    let servers: HashMap<ServerId, _> = state
        .store
        .list_servers(account.id)
        .await?
        .into_iter()
        .map(|server| (server.id, server.slug))
        .collect();

    let mut policy_names: HashMap<PolicyId, String> = HashMap::new();
    let mut servers_with_policies: Vec<ServerId> = grants
        .iter()
        .filter(|grant| grant.policy_id.is_some())
        .map(|grant| grant.server_id)
        .collect();
    servers_with_policies.sort();
    servers_with_policies.dedup();
    for server_id in servers_with_policies {
        for policy in state.store.list_policies(account.id, server_id).await? {
            policy_names.insert(policy.id, policy.name);
        }
    }

    let mut items = Vec::with_capacity(grants.len());
    for grant in grants {
        let Some(server) = servers.get(&grant.server_id).cloned() else {
            tracing::error!(grant = %grant.id, "grant names a missing server; left out of the list");
            continue;
        };
        let policy = grant.policy_id.and_then(|id| policy_names.get(&id).cloned());
        let gateway_url = state.server_gateway_url(account.slug.as_str(), server.as_str());
        items.push(GrantView::new(grant, server, policy, gateway_url));
    }
    Ok(Json(Page::all(items)))
}
