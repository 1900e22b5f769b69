//! Per-account settings: one row per account that changed them, the defaults otherwise.

use sqlx::PgPool;
use toolgate_domain::AccountId;
use uuid::Uuid;

use super::rows::SettingsRow;
use super::{errors, timestamp};
use crate::{AccountSettings, AccountSettingsPatch, StoreResult};

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn get_account_settings(
    pool: &PgPool,
    account_id: AccountId,
) -> StoreResult<AccountSettings> {
    let row: Option<SettingsRow> = sqlx::query_as("SELECT * FROM account_settings WHERE account_id = $1")
        .bind(account_id.as_uuid())
        .fetch_optional(pool)
        .await?;
    row.map(AccountSettings::try_from)
        .transpose()
        .map(Option::unwrap_or_default)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn update_account_settings(
    pool: &PgPool,
    account_id: AccountId,
    patch: AccountSettingsPatch,
) -> StoreResult<AccountSettings> {
    // `Some(None)` removes the webhook; `None` keeps it.
    let replace_webhook = patch.webhook.is_some();
    let (webhook_url, webhook_secret_sealed) = match patch.webhook {
        Some(Some((url, secret))) => (Some(url), Some(secret)),
        Some(None) | None => (None, None),
    };
    // One statement: creates the row with the defaults for what the patch leaves out, or changes it.
    let row: SettingsRow = sqlx::query_as(
        "INSERT INTO account_settings (account_id, audit_retention_days, webhook_url, webhook_secret_sealed, \
           updated_at) \
         VALUES ($1, COALESCE($2, $3), $5, $6, $7) \
         ON CONFLICT (account_id) DO UPDATE SET \
           audit_retention_days = COALESCE($2, account_settings.audit_retention_days), \
           webhook_url = CASE WHEN $4 THEN $5 ELSE account_settings.webhook_url END, \
           webhook_secret_sealed = CASE WHEN $4 THEN $6 ELSE account_settings.webhook_secret_sealed END, \
           updated_at = $7 \
         RETURNING *",
    )
    .bind(account_id.as_uuid())
    .bind(patch.audit_retention_days)
    .bind(AccountSettings::DEFAULT_AUDIT_RETENTION_DAYS)
    .bind(replace_webhook)
    .bind(webhook_url)
    .bind(webhook_secret_sealed)
    .bind(timestamp::now())
    .fetch_one(pool)
    .await
    .map_err(|error| errors::on_write(error, |message| message.to_owned()))?;
    row.try_into()
}

#[tracing::instrument(skip_all)]
pub(super) async fn list_retention_settings(pool: &PgPool) -> StoreResult<Vec<(AccountId, i64)>> {
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT a.id, COALESCE(s.audit_retention_days, $1) FROM accounts a \
         LEFT JOIN account_settings s ON s.account_id = a.id ORDER BY a.id",
    )
    .bind(AccountSettings::DEFAULT_AUDIT_RETENTION_DAYS)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(account_id, days)| (account_id.into(), days))
        .collect())
}
