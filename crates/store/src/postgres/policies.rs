//! Policies of a server; every save is a new immutable row in `policy_versions`.

use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use toolgate_domain::{AccountId, PolicyId, ServerId, UserId};
use uuid::Uuid;

use super::rows::{PolicyRow, PolicyVersionRow};
use super::{errors, json, timestamp};
use crate::{NewPolicy, Policy, PolicyVersion, StoreError, StoreResult};

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id))]
pub(super) async fn create_policy(
    pool: &PgPool,
    account_id: AccountId,
    server_id: ServerId,
    policy: NewPolicy,
) -> StoreResult<Policy> {
    let now = timestamp::now();
    let mut transaction = pool.begin().await?;
    let row: PolicyRow = sqlx::query_as(
        "INSERT INTO policies (id, account_id, server_id, name, version, document, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5::json, $6, $6) RETURNING *",
    )
    .bind(PolicyId::new().as_uuid())
    .bind(account_id.as_uuid())
    .bind(server_id.as_uuid())
    .bind(&policy.name)
    .bind(json::text(&policy.document))
    .bind(now)
    .fetch_one(&mut *transaction)
    .await
    .map_err(|error| {
        errors::on_write(error, |_| {
            format!("a policy named \"{}\" already exists on this server", policy.name)
        })
    })?;
    let created = Policy::from(row);
    insert_version(&mut transaction, &created, policy.created_by, now).await?;
    transaction.commit().await?;
    Ok(created)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, policy_id = %policy_id))]
pub(super) async fn update_policy(
    pool: &PgPool,
    account_id: AccountId,
    policy_id: PolicyId,
    document: Value,
    created_by: Option<UserId>,
) -> StoreResult<Policy> {
    let now = timestamp::now();
    let mut transaction = pool.begin().await?;
    // The increment locks the policy's row until commit, so two saves can never both compute the same
    // next version: the second waits and then increments the first one's result.
    let row: Option<PolicyRow> = sqlx::query_as(
        "UPDATE policies SET version = version + 1, document = $3::json, updated_at = $4 \
         WHERE account_id = $1 AND id = $2 RETURNING *",
    )
    .bind(account_id.as_uuid())
    .bind(policy_id.as_uuid())
    .bind(json::text(&document))
    .bind(now)
    .fetch_optional(&mut *transaction)
    .await?;
    let updated = Policy::from(row.ok_or(StoreError::NotFound)?);
    insert_version(&mut transaction, &updated, created_by, now).await?;
    transaction.commit().await?;
    Ok(updated)
}

/// Records `policy`'s current version and document as an immutable version.
async fn insert_version(
    transaction: &mut Transaction<'_, Postgres>,
    policy: &Policy,
    created_by: Option<UserId>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO policy_versions (account_id, policy_id, version, document, created_by, created_at) \
         VALUES ($1, $2, $3, $4::json, $5, $6)",
    )
    .bind(policy.account_id.as_uuid())
    .bind(policy.id.as_uuid())
    .bind(policy.version)
    .bind(json::text(&policy.document))
    .bind(created_by.map(|user_id| user_id.as_uuid()))
    .bind(now)
    .execute(&mut **transaction)
    .await
    .map_err(|error| errors::on_write(error, |_| format!("version {} already exists", policy.version)))?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id))]
pub(super) async fn find_policy(
    pool: &PgPool,
    account_id: AccountId,
    server_id: ServerId,
    key: &str,
) -> StoreResult<Option<Policy>> {
    // A name may look like an id, so an id that matches nothing is tried as a name too.
    if let Ok(policy_id) = Uuid::parse_str(key) {
        let row: Option<PolicyRow> =
            sqlx::query_as("SELECT * FROM policies WHERE account_id = $1 AND server_id = $2 AND id = $3")
                .bind(account_id.as_uuid())
                .bind(server_id.as_uuid())
                .bind(policy_id)
                .fetch_optional(pool)
                .await?;
        if let Some(row) = row {
            return Ok(Some(row.into()));
        }
    }
    let row: Option<PolicyRow> =
        sqlx::query_as("SELECT * FROM policies WHERE account_id = $1 AND server_id = $2 AND name = $3")
            .bind(account_id.as_uuid())
            .bind(server_id.as_uuid())
            .bind(key)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(Policy::from))
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, policy_id = %policy_id))]
pub(super) async fn get_policy(
    pool: &PgPool,
    account_id: AccountId,
    policy_id: PolicyId,
) -> StoreResult<Option<Policy>> {
    let row: Option<PolicyRow> = sqlx::query_as("SELECT * FROM policies WHERE account_id = $1 AND id = $2")
        .bind(account_id.as_uuid())
        .bind(policy_id.as_uuid())
        .fetch_optional(pool)
        .await?;
    Ok(row.map(Policy::from))
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id))]
pub(super) async fn list_policies(
    pool: &PgPool,
    account_id: AccountId,
    server_id: ServerId,
) -> StoreResult<Vec<Policy>> {
    // `COLLATE "C"`: byte order, as SQLite's default BINARY collation, whatever the database's locale.
    let rows: Vec<PolicyRow> = sqlx::query_as(
        "SELECT * FROM policies WHERE account_id = $1 AND server_id = $2 ORDER BY name COLLATE \"C\"",
    )
    .bind(account_id.as_uuid())
    .bind(server_id.as_uuid())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Policy::from).collect())
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, policy_id = %policy_id))]
pub(super) async fn list_policy_versions(
    pool: &PgPool,
    account_id: AccountId,
    policy_id: PolicyId,
) -> StoreResult<Vec<PolicyVersion>> {
    let rows: Vec<PolicyVersionRow> = sqlx::query_as(
        "SELECT * FROM policy_versions WHERE account_id = $1 AND policy_id = $2 ORDER BY version DESC",
    )
    .bind(account_id.as_uuid())
    .bind(policy_id.as_uuid())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(PolicyVersion::from).collect())
}
