use serde_json::Value;
use sqlx::types::Json;
use uuid::fmt::Hyphenated;

use crate::sqlite::timestamp;
use crate::{AdminEvent, StoreError, StoreResult};

/// An admin event with its actor's email (`admin_events` left-joined with `users`).
#[derive(sqlx::FromRow)]
pub(in crate::sqlite) struct AdminEventRow {
    id: i64,
    account_id: Hyphenated,
    actor_id: Option<Hyphenated>,
    actor_email: Option<String>,
    action: String,
    target_type: String,
    target_id: String,
    before_version: Option<i64>,
    after_version: Option<i64>,
    detail: Json<Value>,
    time: String,
}

impl TryFrom<AdminEventRow> for AdminEvent {
    type Error = StoreError;
    fn try_from(row: AdminEventRow) -> StoreResult<Self> {
        Ok(AdminEvent {
            id: row.id,
            account_id: row.account_id.into_uuid().into(),
            actor: row.actor_id.map(|user_id| user_id.into_uuid().into()),
            actor_email: row.actor_email,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            before_version: row.before_version,
            after_version: row.after_version,
            detail: row.detail.0,
            time: timestamp::decode(&row.time)?,
        })
    }
}
