//! The audit trail: one event per gateway decision, read with filters (ids mapped to slugs and names).

use std::collections::HashMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use toolgate_domain::{GrantId, ServerId};
use toolgate_store::{Account, AuditEvent, AuditFilter};

use super::lookup;
use crate::error::ApiError;
use crate::state::AppState;

pub const DECISIONS: [&str; 9] = [
    "allowed",
    "denied",
    "hidden",
    "rate_limited",
    "approval_requested",
    "approved",
    "approval_denied",
    "approval_expired",
    "upstream_error",
];

#[derive(Default)]
pub struct Query {
    pub server: Option<String>,
    pub grant: Option<String>,
    pub tool: Option<String>,
    pub decision: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub struct Page {
    pub events: Vec<AuditEvent>,
    pub server_slugs: HashMap<ServerId, String>,
    pub grant_names: HashMap<GrantId, String>,
    pub next_cursor: Option<String>,
}

fn parse_time(field: &str, text: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        ApiError::BadRequest(format!(
            "{field} must be an RFC 3339 time such as 2026-01-31T12:00:00Z"
        ))
    })
}

pub async fn list(state: &AppState, account: &Account, query: Query) -> Result<Page, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest("limit must be between 1 and 1000".into()));
    }
    let before_id = match &query.cursor {
        Some(cursor) => Some(
            cursor
                .parse::<i64>()
                .map_err(|_| ApiError::BadRequest("invalid cursor".into()))?,
        ),
        None => None,
    };
    let filter = AuditFilter {
        before_id,
        limit,
        ..filter(state, account, &query).await?
    };
    let events = state.store.list_audit_events(account.id, &filter).await?;
    let next_cursor = if events.len() == limit as usize {
        events.last().map(|event| event.id.to_string())
    } else {
        None
    };
    let (server_slugs, grant_names) = names(state, account).await?;
    Ok(Page {
        events,
        server_slugs,
        grant_names,
        next_cursor,
    })
}

/// The filter of `query` (server, grant, tool, decision, since, until), checked; no paging.
pub async fn filter(state: &AppState, account: &Account, query: &Query) -> Result<AuditFilter, ApiError> {
    if let Some(decision) = &query.decision
        && !DECISIONS.contains(&decision.as_str())
    {
        return Err(ApiError::BadRequest(format!(
            "unknown decision {decision:?}: use one of {}",
            DECISIONS.join(", ")
        )));
    }
    let server_id = match &query.server {
        Some(key) => Some(lookup::server(state, account.id, key).await?.id),
        None => None,
    };
    let grant_id = match &query.grant {
        Some(key) => Some(lookup::grant(state, account.id, key).await?.id),
        None => None,
    };
    Ok(AuditFilter {
        server_id,
        grant_id,
        tool: query.tool.clone(),
        decision: query.decision.clone(),
        since: query
            .since
            .as_deref()
            .map(|text| parse_time("since", text))
            .transpose()?,
        until: query
            .until
            .as_deref()
            .map(|text| parse_time("until", text))
            .transpose()?,
        before_id: None,
        limit: 0,
    })
}

/// The account's server slugs and grant names by id, to show events by name.
pub async fn names(
    state: &AppState,
    account: &Account,
) -> Result<(HashMap<ServerId, String>, HashMap<GrantId, String>), ApiError> {
    let server_slugs = state
        .store
        .list_servers(account.id)
        .await?
        .into_iter()
        .map(|s| (s.id, s.slug.to_string()))
        .collect();
    let grant_names = state
        .store
        .list_grants(account.id)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    Ok((server_slugs, grant_names))
}
