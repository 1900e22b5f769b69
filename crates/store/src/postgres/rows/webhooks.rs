use serde_json::Value;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{StoreError, StoreResult, WebhookDelivery};

#[derive(sqlx::FromRow)]
pub(in crate::postgres) struct WebhookDeliveryRow {
    id: i64,
    account_id: Uuid,
    event_type: String,
    payload: Json<Value>,
    status: String,
    attempts: i64,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    created_at: OffsetDateTime,
    next_attempt_at: Option<OffsetDateTime>,
    last_attempt_at: Option<OffsetDateTime>,
    delivered_at: Option<OffsetDateTime>,
}

impl TryFrom<WebhookDeliveryRow> for WebhookDelivery {
    type Error = StoreError;
    fn try_from(row: WebhookDeliveryRow) -> StoreResult<Self> {
        Ok(WebhookDelivery {
            id: row.id,
            account_id: row.account_id.into(),
            event_type: row.event_type,
            payload: row.payload.0,
            status: row.status.parse()?,
            attempts: row.attempts,
            last_status_code: row.last_status_code,
            last_error: row.last_error,
            created_at: row.created_at,
            next_attempt_at: row.next_attempt_at,
            last_attempt_at: row.last_attempt_at,
            delivered_at: row.delivered_at,
        })
    }
}
