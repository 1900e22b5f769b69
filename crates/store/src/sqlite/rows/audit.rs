use serde_json::Value;
use sqlx::types::Json;
use uuid::fmt::Hyphenated;

use crate::sqlite::timestamp;
use crate::{AuditEvent, StoreError, StoreResult};

/// `time_ms` is left out: it is `time`, for grouping.
#[derive(sqlx::FromRow)]
pub(in crate::sqlite) struct AuditEventRow {
    id: i64,
    account_id: Hyphenated,
    server_id: Option<Hyphenated>,
    grant_id: Option<Hyphenated>,
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
    time: String,
}

impl TryFrom<AuditEventRow> for AuditEvent {
    type Error = StoreError;
    fn try_from(row: AuditEventRow) -> StoreResult<Self> {
        Ok(AuditEvent {
            id: row.id,
            account_id: row.account_id.into_uuid().into(),
            server_id: row.server_id.map(|server_id| server_id.into_uuid().into()),
            grant_id: row.grant_id.map(|grant_id| grant_id.into_uuid().into()),
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
            time: timestamp::decode(&row.time)?,
        })
    }
}
