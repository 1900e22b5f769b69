//! Webhook deliveries: a queue of approval events to POST, with attempts and backoff decided by the sender.

use sqlx::PgPool;
use time::OffsetDateTime;
use toolgate_domain::AccountId;

use super::rows::{WebhookDeliveryRow, convert_all};
use super::{errors, json, timestamp};
use crate::{
    NewWebhookDelivery, StoreError, StoreResult, WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus,
};

pub(super) const NO_LONGER_PENDING: &str = "the webhook delivery is no longer pending";

#[tracing::instrument(skip_all, fields(account_id = %account_id, event_type = %delivery.event_type))]
pub(super) async fn insert_webhook_delivery(
    pool: &PgPool,
    account_id: AccountId,
    delivery: NewWebhookDelivery,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    let now = timestamp::micros(now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (account_id, event_type, payload, status, created_at, next_attempt_at) \
         VALUES ($1, $2, $3::json, 'pending', $4, $4) RETURNING id",
    )
    .bind(account_id.as_uuid())
    .bind(&delivery.event_type)
    .bind(json::text(&delivery.payload))
    .bind(now)
    .fetch_one(pool)
    .await
    .map_err(|error| errors::on_write(error, |message| message.to_owned()))?;
    Ok(id)
}

#[tracing::instrument(skip_all)]
pub(super) async fn due_webhook_deliveries(
    pool: &PgPool,
    now: OffsetDateTime,
    limit: u32,
) -> StoreResult<Vec<WebhookDelivery>> {
    let rows: Vec<WebhookDeliveryRow> = sqlx::query_as(
        "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(timestamp::micros(now))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    convert_all(rows)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, delivery_id, succeeded = attempt.succeeded))]
pub(super) async fn record_webhook_attempt(
    pool: &PgPool,
    account_id: AccountId,
    delivery_id: i64,
    attempt: WebhookAttempt,
    now: OffsetDateTime,
) -> StoreResult<WebhookDelivery> {
    let (status, next_attempt_at, error) = match (attempt.succeeded, attempt.next_attempt_at) {
        (true, _) => (WebhookDeliveryStatus::Delivered, None, None),
        (false, Some(next)) => (WebhookDeliveryStatus::Pending, Some(next), attempt.error),
        (false, None) => (WebhookDeliveryStatus::Failed, None, attempt.error),
    };
    let delivered = attempt.succeeded;
    let row: Option<WebhookDeliveryRow> = sqlx::query_as(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, status = $3, last_status_code = $4, \
           last_error = $5, next_attempt_at = $6, last_attempt_at = $7, \
           delivered_at = CASE WHEN $8 THEN $7 ELSE NULL END \
         WHERE account_id = $1 AND id = $2 AND status = 'pending' RETURNING *",
    )
    .bind(account_id.as_uuid())
    .bind(delivery_id)
    .bind(status.as_str())
    .bind(attempt.status_code)
    .bind(error)
    .bind(timestamp::micros_optional(next_attempt_at))
    .bind(timestamp::micros(now))
    .bind(delivered)
    .fetch_optional(pool)
    .await?;
    if let Some(row) = row {
        return row.try_into();
    }
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM webhook_deliveries WHERE account_id = $1 AND id = $2")
            .bind(account_id.as_uuid())
            .bind(delivery_id)
            .fetch_optional(pool)
            .await?;
    match exists {
        Some(_) => Err(StoreError::Conflict(NO_LONGER_PENDING.to_owned())),
        None => Err(StoreError::NotFound),
    }
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn list_webhook_deliveries(
    pool: &PgPool,
    account_id: AccountId,
    limit: u32,
) -> StoreResult<Vec<WebhookDelivery>> {
    let rows: Vec<WebhookDeliveryRow> =
        sqlx::query_as("SELECT * FROM webhook_deliveries WHERE account_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(account_id.as_uuid())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
    convert_all(rows)
}
