use serde_json::Value;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{AuditEvent, StoreError, StoreResult};

/// `time_ms` is left out: it is `time`, for grouping.
#[derive(sqlx::FromRow)]
pub(in crate::postgres) struct AuditEventRow {
    id: i64,
    account_id: Uuid,
    server_id: Option<Uuid>,
    grant_id: Option<Uuid>,
    session: Option<String>,
    method: String,
    tool: Option<String>,
    decision: String,
    rule: Option<String>,
    reason: Option<String>,
    argument_keys: Json<Vec<String>>,
    arguments: Option<Json<Value>>,
    upstream_status: Option<i32>,
    latency_ms: Option<f64>,
    time: OffsetDateTime,
}

impl TryFrom<AuditEventRow> for AuditEvent {
    type Error = StoreError;
    fn try_from(row: AuditEventRow) -> StoreResult<Self> {
        Ok(AuditEvent {
            id: row.id,
            account_id: row.account_id.into(),
            server_id: row.server_id.map(|server_id| server_id.into()),
            grant_id: row.grant_id.map(|grant_id| grant_id.into()),
            session: row.session,
            method: row.method,
            tool: row.tool,
            decision: row.decision,
            rule: row.rule,
            reason: row.reason,
            argument_keys: row.argument_keys.0,
            arguments: row.arguments.map(|arguments| arguments.0),
            upstream_status: row.upstream_status,
            latency_ms: row.latency_ms,
            time: row.time,
        })
    }
}
