//! `GET /accounts/{acct}/audit`: one event per gateway decision, newest first, filterable; and
//! `GET /accounts/{acct}/audit/export?format=csv|jsonl` (see `super::audit_export`).

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use toolgate_domain::{GrantId, ServerId};
use toolgate_store::AuditEvent;

use crate::api::page::Page;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member};
use crate::service::audit::{self, Query};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{acct}/audit", get(list))
        .route("/accounts/{acct}/audit/export", get(super::audit_export::export))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    server: Option<String>,
    grant: Option<String>,
    tool: Option<String>,
    decision: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Serialize)]
pub(super) struct EventView {
    id: i64,
    #[serde(with = "time::serde::rfc3339")]
    time: OffsetDateTime,
    /// The server's slug.
    server: Option<String>,
    /// The grant's label.
    grant: Option<String>,
    grant_id: Option<String>,
    session: Option<String>,
    method: String,
    tool: Option<String>,
    decision: String,
    rule: Option<String>,
    reason: Option<String>,
    argument_keys: Vec<String>,
    /// Only when the server's `log_argument_values` was on for the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    arguments: Option<Value>,
    upstream_status: Option<i32>,
    latency_ms: Option<f64>,
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Page<EventView>>, ApiError> {
    let page = audit::list(
        &state,
        &member.account,
        Query {
            server: query.server,
            grant: query.grant,
            tool: query.tool,
            decision: query.decision,
            since: query.since,
            until: query.until,
            limit: query.limit,
            cursor: query.cursor,
        },
    )
    .await?;
    let items = page
        .events
        .into_iter()
        .map(|event| EventView::new(event, &page.server_slugs, &page.grant_names))
        .collect();
    Ok(Json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

impl EventView {
    pub(super) fn new(
        event: AuditEvent,
        server_slugs: &HashMap<ServerId, String>,
        grant_names: &HashMap<GrantId, String>,
    ) -> Self {
        Self {
            id: event.id,
            time: event.time,
            server: event.server_id.and_then(|id| server_slugs.get(&id).cloned()),
            grant: event.grant_id.and_then(|id| grant_names.get(&id).cloned()),
            grant_id: event.grant_id.map(|id| id.to_string()),
            session: event.session,
            method: event.method,
            tool: event.tool,
            decision: event.decision,
            rule: event.rule,
            reason: event.reason,
            argument_keys: event.argument_keys,
            arguments: event.arguments,
            upstream_status: event.upstream_status,
            latency_ms: event.latency_ms,
        }
    }
}
