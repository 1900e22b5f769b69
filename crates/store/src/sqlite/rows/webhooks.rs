use serde_json::Value;
use sqlx::types::Json;
use uuid::fmt::Hyphenated;

use crate::sqlite::timestamp;
use crate::{StoreError, StoreResult, WebhookDelivery};

#[derive(sqlx::FromRow)]
pub(in crate::sqlite) struct WebhookDeliveryRow {
    id: i64,
    account_id: Hyphenated,
    event_type: String,
    payload: Json<Value>,
    status: String,
    attempts: i64,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    created_at: String,
    next_attempt_at: Option<String>,
    last_attempt_at: Option<String>,
    delivered_at: Option<String>,
}

impl TryFrom<WebhookDeliveryRow> for WebhookDelivery {
    type Error = StoreError;
    fn try_from(row: WebhookDeliveryRow) -> StoreResult<Self> {
        Ok(WebhookDelivery {
            id: row.id,
            account_id: row.account_id.into_uuid().into(),
            event_type: row.event_type,
            payload: row.payload.0,
            status: row.status.parse()?,
            attempts: row.attempts,
            last_status_code: row.last_status_code,
            last_error: row.last_error,
            created_at: timestamp::decode(&row.created_at)?,
            next_attempt_at: timestamp::decode_optional(row.next_attempt_at)?,
            last_attempt_at: timestamp::decode_optional(row.last_attempt_at)?,
            delivered_at: timestamp::decode_optional(row.delivered_at)?,
        })
    }
}
