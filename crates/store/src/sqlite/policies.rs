//! Policies of a server; every save is a new immutable row in `policy_versions`.

use serde_json::Value;
use sqlx::types::Json;
use sqlx::{Sqlite, SqlitePool, Transaction};
use toolgate_domain::{AccountId, PolicyId, ServerId, UserId};

use super::rows::{PolicyRow, PolicyVersionRow, convert_all};
use super::{errors, ids, timestamp};
use crate::{NewPolicy, Policy, PolicyVersion, StoreError, StoreResult};

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id))]
pub(super) async fn create_policy(
    pool: &SqlitePool,
    account_id: AccountId,
    server_id: ServerId,
    policy: NewPolicy,
) -> StoreResult<Policy> {
    let now = timestamp::now();
    let mut transaction = pool.begin().await?;
    let row: PolicyRow = sqlx::query_as(
        "INSERT INTO policies (id, account_id, server_id, name, version, document, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $6, $6) RETURNING *",
    )
    .bind(ids::text(PolicyId::new()))
    .bind(ids::text(account_id))
    .bind(ids::text(server_id))
    .bind(&policy.name)
    .bind(Json(&policy.document))
    .bind(&now)
    .fetch_one(&mut *transaction)
    .await
    .map_err(|error| {
        errors::on_write(error, |_| {
            format!("a policy named \"{}\" already exists on this server", policy.name)
        })
    })?;
    let created = Policy::try_from(row)?;
    insert_version(&mut transaction, &created, policy.created_by, &now).await?;
    transaction.commit().await?;
    Ok(created)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, policy_id = %policy_id))]
pub(super) async fn update_policy(
    pool: &SqlitePool,
    account_id: AccountId,
    policy_id: PolicyId,
    document: Value,
    created_by: Option<UserId>,
) -> StoreResult<Policy> {
    let now = timestamp::now();
    let mut transaction = pool.begin().await?;
    // The increment is the transaction's first statement: it takes the write lock, so two saves can never
    // both compute the same next version.
    let row: Option<PolicyRow> = sqlx::query_as(
        "UPDATE policies SET version = version + 1, document = $3, updated_at = $4 \
         WHERE account_id = $1 AND id = $2 RETURNING *",
    )
    .bind(ids::text(account_id))
    .bind(ids::text(policy_id))
    .bind(Json(&document))
    .bind(&now)
    .fetch_optional(&mut *transaction)
    .await?;
    let updated = Policy::try_from(row.ok_or(StoreError::NotFound)?)?;
    insert_version(&mut transaction, &updated, created_by, &now).await?;
    transaction.commit().await?;
    Ok(updated)
}

/// Records `policy`'s current version and document as an immutable version.
async fn insert_version(
    transaction: &mut Transaction<'_, Sqlite>,
    policy: &Policy,
    created_by: Option<UserId>,
    now: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO policy_versions (account_id, policy_id, version, document, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ids::text(policy.account_id))
    .bind(ids::text(policy.id))
    .bind(policy.version)
    .bind(Json(&policy.document))
    .bind(created_by.map(ids::text))
    .bind(now)
    .execute(&mut **transaction)
    .await
    .map_err(|error| errors::on_write(error, |_| format!("version {} already exists", policy.version)))?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id))]
pub(super) async fn find_policy(
    pool: &SqlitePool,
    account_id: AccountId,
    server_id: ServerId,
    key: &str,
) -> StoreResult<Option<Policy>> {
    // A name may look like an id, so an id that matches nothing is tried as a name too.
    if let Some(policy_id) = ids::parse_key(key) {
        let row: Option<PolicyRow> =
            sqlx::query_as("SELECT * FROM policies WHERE account_id = $1 AND server_id = $2 AND id = $3")
                .bind(ids::text(account_id))
                .bind(ids::text(server_id))
                .bind(policy_id)
                .fetch_optional(pool)
                .await?;
        if let Some(row) = row {
            return Ok(Some(row.try_into()?));
        }
    }
    let row: Option<PolicyRow> =
        sqlx::query_as("SELECT * FROM policies WHERE account_id = $1 AND server_id = $2 AND name = $3")
            .bind(ids::text(account_id))
            .bind(ids::text(server_id))
            .bind(key)
            .fetch_optional(pool)
            .await?;
    row.map(Policy::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, policy_id = %policy_id))]
pub(super) async fn get_policy(
    pool: &SqlitePool,
    account_id: AccountId,
    policy_id: PolicyId,
) -> StoreResult<Option<Policy>> {
    let row: Option<PolicyRow> = sqlx::query_as("SELECT * FROM policies WHERE account_id = $1 AND id = $2")
        .bind(ids::text(account_id))
        .bind(ids::text(policy_id))
        .fetch_optional(pool)
        .await?;
    row.map(Policy::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id))]
pub(super) async fn list_policies(
    pool: &SqlitePool,
    account_id: AccountId,
    server_id: ServerId,
) -> StoreResult<Vec<Policy>> {
    let rows: Vec<PolicyRow> =
        sqlx::query_as("SELECT * FROM policies WHERE account_id = $1 AND server_id = $2 ORDER BY name")
            .bind(ids::text(account_id))
            .bind(ids::text(server_id))
            .fetch_all(pool)
            .await?;
    convert_all(rows)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, policy_id = %policy_id))]
pub(super) async fn list_policy_versions(
    pool: &SqlitePool,
    account_id: AccountId,
    policy_id: PolicyId,
) -> StoreResult<Vec<PolicyVersion>> {
    let rows: Vec<PolicyVersionRow> = sqlx::query_as(
        "SELECT * FROM policy_versions WHERE account_id = $1 AND policy_id = $2 ORDER BY version DESC",
    )
    .bind(ids::text(account_id))
    .bind(ids::text(policy_id))
    .fetch_all(pool)
    .await?;
    convert_all(rows)
}
