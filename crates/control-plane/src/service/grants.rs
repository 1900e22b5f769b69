//! Grants: bearer tokens (`tg_…`) for agents, each for one server and one policy (none: every call is
//! denied). Tokens are shown once, on create and rotate; only their SHA-256 is kept. Field paths in
//! validation errors: `name`, `server`, `policy`, `expires_at`.

use std::collections::HashMap;

use serde_json::json;
use time::OffsetDateTime;
use toolgate_cluster::ChangeEvent;
use toolgate_domain::token::token_prefix;
use toolgate_domain::{PolicyId, ServerId, TokenHash, TokenKind};
use toolgate_store::{Account, Grant, NewGrant, Policy, Server};

use super::admin::{self, Change};
use super::lookup;
use crate::error::ApiError;
use crate::state::AppState;
use crate::validate::{self, Problems};

pub struct GrantInput {
    pub name: String,
    /// Slug or id of a server in the account.
    pub server: String,
    /// Name or id of a policy on that server.
    pub policy: Option<String>,
    /// RFC 3339, in the future.
    pub expires_at: Option<String>,
}

/// A grant with the names it refers to.
pub struct Described {
    pub grant: Grant,
    pub server: Server,
    pub policy: Option<Policy>,
}

impl Described {
    /// `active` | `revoked` | `expired`
    pub fn state(&self, now: OffsetDateTime) -> &'static str {
        match (self.grant.revoked_at, self.grant.is_active(now)) {
            (Some(_), _) => "revoked",
            (None, true) => "active",
            (None, false) => "expired",
        }
    }
}

/// A grant with its token, shown this once.
pub struct Issued {
    pub described: Described,
    pub token: String,
}

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

pub async fn create(state: &AppState, account: &Account, input: GrantInput) -> Result<Issued, ApiError> {
    let mut problems = Problems::new();
    let name = problems.check("name", validate::display_name(&input.name));
    let now = OffsetDateTime::now_utc();
    let expires_at = match &input.expires_at {
        Some(text) => problems
            .check("expires_at", validate::future_time(text, now))
            .map(Some),
        None => Some(None),
    };
    let server = state.store.find_server(account.id, &input.server).await?;
    if server.is_none() {
        problems.add("server", format!("no server {:?} in this account", input.server));
    }
    let policy = match (&server, &input.policy) {
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
    let detail = json!({
        "name": grant.name,
        "server": server.slug,
        "policy": policy.as_ref().map(|policy| &policy.name),
        "token_prefix": grant.token_prefix,
    });
    admin::record(
        state,
        account.id,
        Change::new("grant.created", "grant", grant.id).detail(detail),
    )
    .await;
    Ok(Issued {
        described: Described {
            grant,
            server,
            policy,
        },
        token: token.token,
    })
}

/// A new token; the old one stops working at once. A revoked or expired grant is not rotated (409):
/// its new token could never be used.
pub async fn rotate(state: &AppState, account: &Account, grant_key: &str) -> Result<Issued, ApiError> {
    let grant = lookup::grant(state, account.id, grant_key).await?;
    if grant.revoked_at.is_some() {
        return Err(ApiError::Conflict(
            "the grant is revoked; create a new grant instead".into(),
        ));
    }
    if !grant.is_active(OffsetDateTime::now_utc()) {
        return Err(ApiError::Conflict(
            "the grant has expired; create a new grant instead".into(),
        ));
    }
    let token = NewToken::generate();
    let rotated = state
        .store
        .rotate_grant(account.id, grant.id, token.hash, &token.prefix)
        .await?;
    tracing::info!(account = %account.slug, grant = %rotated.id, "grant rotated");
    let detail = json!({"name": rotated.name, "token_prefix": rotated.token_prefix});
    admin::record(
        state,
        account.id,
        Change::new("grant.rotated", "grant", rotated.id).detail(detail),
    )
    .await;
    publish(state, account, &rotated).await;
    Ok(Issued {
        described: describe(state, rotated).await?,
        token: token.token,
    })
}

/// Revokes (idempotent). The grant stays listed as `revoked`; its token gets 401 from the next call on.
pub async fn revoke(state: &AppState, account: &Account, grant_key: &str) -> Result<Grant, ApiError> {
    let grant = lookup::grant(state, account.id, grant_key).await?;
    let grant = match grant.revoked_at {
        Some(_) => grant,
        None => {
            let revoked = state
                .store
                .revoke_grant(account.id, grant.id, OffsetDateTime::now_utc())
                .await?;
            tracing::info!(account = %account.slug, grant = %grant.id, "grant revoked");
            let detail = json!({"name": revoked.name});
            admin::record(
                state,
                account.id,
                Change::new("grant.revoked", "grant", revoked.id).detail(detail),
            )
            .await;
            revoked
        }
    };
    publish(state, account, &grant).await;
    Ok(grant)
}

async fn publish(state: &AppState, account: &Account, grant: &Grant) {
    state
        .publish(ChangeEvent::GrantChanged {
            account: account.id,
            grant: grant.id,
        })
        .await;
}

/// One grant with its server and policy.
pub async fn describe(state: &AppState, grant: Grant) -> Result<Described, ApiError> {
    let server = state
        .store
        .get_server(grant.account_id, grant.server_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("grant {} names a missing server", grant.id)))?;
    let policy = match grant.policy_id {
        Some(policy_id) => state.store.get_policy(grant.account_id, policy_id).await?,
        None => None,
    };
    Ok(Described {
        grant,
        server,
        policy,
    })
}

/// Every grant of the account (revoked and expired ones too), with servers and policies.
pub async fn list(state: &AppState, account: &Account) -> Result<Vec<Described>, ApiError> {
    let grants = state.store.list_grants(account.id).await?;
    let servers: HashMap<ServerId, Server> = state
        .store
        .list_servers(account.id)
        .await?
        .into_iter()
        .map(|server| (server.id, server))
        .collect();
    let mut policies: HashMap<PolicyId, Policy> = HashMap::new();
    let mut servers_with_policies: Vec<ServerId> = grants
        .iter()
        .filter(|grant| grant.policy_id.is_some())
        .map(|grant| grant.server_id)
        .collect();
    servers_with_policies.sort();
    servers_with_policies.dedup();
    for server_id in servers_with_policies {
        for policy in state.store.list_policies(account.id, server_id).await? {
            policies.insert(policy.id, policy);
        }
    }
    let mut items = Vec::with_capacity(grants.len());
    for grant in grants {
        let Some(server) = servers.get(&grant.server_id).cloned() else {
            tracing::error!(grant = %grant.id, "grant names a missing server; left out of the list");
            continue;
        };
        let policy = grant.policy_id.and_then(|id| policies.get(&id).cloned());
        items.push(Described {
            grant,
            server,
            policy,
        });
    }
    Ok(items)
}
