//! Admin events: who changed what, in the dashboard or the API.

use sqlx::SqlitePool;
use sqlx::types::Json;
use toolgate_domain::AccountId;

use super::rows::{AdminEventRow, convert_all};
use super::{errors, ids, timestamp};
use crate::{AdminEvent, NewAdminEvent, StoreResult};

#[tracing::instrument(skip_all, fields(account_id = %account_id, action = %event.action))]
pub(super) async fn insert_admin_event(
    pool: &SqlitePool,
    account_id: AccountId,
    event: NewAdminEvent,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO admin_events (account_id, actor_id, action, target_type, target_id, before_version, \
           after_version, detail, time) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(ids::text(account_id))
    .bind(event.actor.map(ids::text))
    .bind(&event.action)
    .bind(&event.target_type)
    .bind(&event.target_id)
    .bind(event.before_version)
    .bind(event.after_version)
    .bind(Json(&event.detail))
    .bind(timestamp::now())
    .execute(pool)
    .await
    .map_err(|error| errors::on_write(error, |message| message.to_owned()))?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn list_admin_events(
    pool: &SqlitePool,
    account_id: AccountId,
    limit: u32,
    before_id: Option<i64>,
) -> StoreResult<Vec<AdminEvent>> {
    let rows: Vec<AdminEventRow> = sqlx::query_as(
        "SELECT e.*, u.email AS actor_email FROM admin_events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.account_id = $1 AND ($2 IS NULL OR e.id < $2) ORDER BY e.id DESC LIMIT $3",
    )
    .bind(ids::text(account_id))
    .bind(before_id)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    convert_all(rows)
}
