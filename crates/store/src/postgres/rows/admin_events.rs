use serde_json::Value;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{AdminEvent, StoreError, StoreResult};

/// An admin event with its actor's email (`admin_events` left-joined with `users`).
#[derive(sqlx::FromRow)]
pub(in crate::postgres) struct AdminEventRow {
    id: i64,
    account_id: Uuid,
    actor_id: Option<Uuid>,
    actor_email: Option<String>,
    action: String,
    target_type: String,
    target_id: String,
    before_version: Option<i64>,
    after_version: Option<i64>,
    detail: Json<Value>,
    time: OffsetDateTime,
}

impl TryFrom<AdminEventRow> for AdminEvent {
    type Error = StoreError;
    fn try_from(row: AdminEventRow) -> StoreResult<Self> {
        Ok(AdminEvent {
            id: row.id,
            account_id: row.account_id.into(),
            actor: row.actor_id.map(|user_id| user_id.into()),
            actor_email: row.actor_email,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            before_version: row.before_version,
            after_version: row.after_version,
            detail: row.detail.0,
            time: row.time,
        })
    }
}
