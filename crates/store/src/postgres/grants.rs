//! Grants: labelled bearer tokens for agents, one server and at most one policy each.

use sqlx::PgPool;
use time::OffsetDateTime;
use toolgate_domain::{AccountId, GrantId, TokenHash};

use super::rows::{GrantRow, convert_all};
use super::{errors, timestamp};
use crate::{Grant, NewGrant, StoreError, StoreResult};

const TOKEN_TAKEN: &str = "the grant token is already in use";

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn create_grant(
    pool: &PgPool,
    account_id: AccountId,
    grant: NewGrant,
) -> StoreResult<Grant> {
    // The composite foreign keys refuse a server or policy of another account, and a policy of another
    // server: those come back as `NotFound`.
    let row: GrantRow = sqlx::query_as(
        "INSERT INTO grants (id, account_id, server_id, policy_id, name, token_hash, token_prefix, created_at, \
           expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
    )
    .bind(GrantId::new().as_uuid())
    .bind(account_id.as_uuid())
    .bind(grant.server_id.as_uuid())
    .bind(grant.policy_id.map(|policy_id| policy_id.as_uuid()))
    .bind(&grant.name)
    .bind(&grant.token_hash.0[..])
    .bind(&grant.token_prefix)
    .bind(timestamp::now())
    .bind(timestamp::micros_optional(grant.expires_at))
    .fetch_one(pool)
    .await
    .map_err(|error| errors::on_write(error, |_| TOKEN_TAKEN.to_owned()))?;
    row.try_into()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn list_grants(pool: &PgPool, account_id: AccountId) -> StoreResult<Vec<Grant>> {
    let rows: Vec<GrantRow> =
        sqlx::query_as("SELECT * FROM grants WHERE account_id = $1 ORDER BY created_at DESC, id DESC")
            .bind(account_id.as_uuid())
            .fetch_all(pool)
            .await?;
    convert_all(rows)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, grant_id = %grant_id))]
pub(super) async fn get_grant(
    pool: &PgPool,
    account_id: AccountId,
    grant_id: GrantId,
) -> StoreResult<Option<Grant>> {
    let row: Option<GrantRow> = sqlx::query_as("SELECT * FROM grants WHERE account_id = $1 AND id = $2")
        .bind(account_id.as_uuid())
        .bind(grant_id.as_uuid())
        .fetch_optional(pool)
        .await?;
    row.map(Grant::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn find_grant_by_token(
    pool: &PgPool,
    account_id: AccountId,
    hash: TokenHash,
) -> StoreResult<Option<Grant>> {
    let row: Option<GrantRow> =
        sqlx::query_as("SELECT * FROM grants WHERE account_id = $1 AND token_hash = $2")
            .bind(account_id.as_uuid())
            .bind(&hash.0[..])
            .fetch_optional(pool)
            .await?;
    row.map(Grant::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, grant_id = %grant_id))]
pub(super) async fn revoke_grant(
    pool: &PgPool,
    account_id: AccountId,
    grant_id: GrantId,
    at: OffsetDateTime,
) -> StoreResult<Grant> {
    // Revoking again keeps the first revocation time.
    let row: Option<GrantRow> = sqlx::query_as(
        "UPDATE grants SET revoked_at = COALESCE(revoked_at, $3) WHERE account_id = $1 AND id = $2 RETURNING *",
    )
    .bind(account_id.as_uuid())
    .bind(grant_id.as_uuid())
    .bind(timestamp::micros(at))
    .fetch_optional(pool)
    .await?;
    row.ok_or(StoreError::NotFound)?.try_into()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, grant_id = %grant_id))]
pub(super) async fn rotate_grant(
    pool: &PgPool,
    account_id: AccountId,
    grant_id: GrantId,
    hash: TokenHash,
    prefix: &str,
) -> StoreResult<Grant> {
    let row: Option<GrantRow> = sqlx::query_as(
        "UPDATE grants SET token_hash = $3, token_prefix = $4 WHERE account_id = $1 AND id = $2 RETURNING *",
    )
    .bind(account_id.as_uuid())
    .bind(grant_id.as_uuid())
    .bind(&hash.0[..])
    .bind(prefix)
    .fetch_optional(pool)
    .await
    .map_err(|error| errors::on_write(error, |_| TOKEN_TAKEN.to_owned()))?;
    row.ok_or(StoreError::NotFound)?.try_into()
}

/// `NotFound` when the grant is not in this account. Never moves `last_used_at` backwards, so batched
/// writes may arrive out of order.
#[tracing::instrument(skip_all, fields(account_id = %account_id, grant_id = %grant_id))]
pub(super) async fn touch_grant(
    pool: &PgPool,
    account_id: AccountId,
    grant_id: GrantId,
    at: OffsetDateTime,
) -> StoreResult<()> {
    // GREATEST ignores NULL: the first use sets it.
    let result = sqlx::query(
        "UPDATE grants SET last_used_at = GREATEST(last_used_at, $3) WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id.as_uuid())
    .bind(grant_id.as_uuid())
    .bind(timestamp::micros(at))
    .execute(pool)
    .await?;
    if result.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
