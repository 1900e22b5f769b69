//! Approvals: calls held for a human decision. Every state change is one conditional `UPDATE`, so
//! concurrent deciders, consumers and the expiry sweep never both win.

use sqlx::PgPool;
use time::OffsetDateTime;
use toolgate_domain::ids::ApprovalId;
use toolgate_domain::{AccountId, GrantId, UserId};

use super::rows::{ApprovalRow, convert_all};
use super::{errors, timestamp};
use crate::{Approval, ApprovalStatus, NewApproval, StoreError, StoreResult};

pub(super) const NO_LONGER_PENDING: &str = "the approval is no longer pending";

#[tracing::instrument(skip_all, fields(account_id = %account_id, approval_id = %approval.id))]
pub(super) async fn create_approval(
    pool: &PgPool,
    account_id: AccountId,
    approval: NewApproval,
) -> StoreResult<Approval> {
    // The composite foreign keys refuse a server, grant or policy of another account (or a grant or policy
    // of another server): those come back as `NotFound`.
    let row: ApprovalRow = sqlx::query_as(
        "INSERT INTO approvals (id, account_id, server_id, grant_id, tool, arguments_hash, arguments_sealed, \
           policy_id, policy_version, status, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11) RETURNING *",
    )
    .bind(approval.id.as_uuid())
    .bind(account_id.as_uuid())
    .bind(approval.server_id.as_uuid())
    .bind(approval.grant_id.as_uuid())
    .bind(&approval.tool)
    .bind(&approval.arguments_hash)
    .bind(approval.arguments_sealed.as_deref())
    .bind(approval.policy_id.as_uuid())
    .bind(approval.policy_version)
    .bind(timestamp::micros(approval.created_at))
    .bind(timestamp::micros(approval.expires_at))
    .fetch_one(pool)
    .await
    .map_err(|error| {
        errors::on_write(error, |_| {
            format!("an approval with the id {} already exists", approval.id)
        })
    })?;
    row.try_into()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, approval_id = %approval_id))]
pub(super) async fn get_approval(
    pool: &PgPool,
    account_id: AccountId,
    approval_id: ApprovalId,
) -> StoreResult<Option<Approval>> {
    let row: Option<ApprovalRow> =
        sqlx::query_as("SELECT * FROM approvals WHERE account_id = $1 AND id = $2")
            .bind(account_id.as_uuid())
            .bind(approval_id.as_uuid())
            .fetch_optional(pool)
            .await?;
    row.map(Approval::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, grant_id = %grant_id))]
pub(super) async fn find_reusable_approval(
    pool: &PgPool,
    account_id: AccountId,
    grant_id: GrantId,
    tool: &str,
    arguments_hash: &str,
    policy_version: i64,
    now: OffsetDateTime,
) -> StoreResult<Option<Approval>> {
    let row: Option<ApprovalRow> = sqlx::query_as(
        "SELECT * FROM approvals \
         WHERE account_id = $1 AND grant_id = $2 AND tool = $3 AND arguments_hash = $4 AND policy_version = $5 \
           AND expires_at > $6 AND (status = 'pending' OR (status = 'approved' AND used_at IS NULL)) \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(account_id.as_uuid())
    .bind(grant_id.as_uuid())
    .bind(tool)
    .bind(arguments_hash)
    .bind(policy_version)
    .bind(timestamp::micros(now))
    .fetch_optional(pool)
    .await?;
    row.map(Approval::try_from).transpose()
}

/// The newest approval for this exact call, whatever its status.
#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn find_latest_approval(
    pool: &PgPool,
    account_id: AccountId,
    grant_id: GrantId,
    tool: &str,
    arguments_hash: &str,
    policy_version: i64,
) -> StoreResult<Option<Approval>> {
    let row: Option<ApprovalRow> = sqlx::query_as(
        "SELECT * FROM approvals \
         WHERE account_id = $1 AND grant_id = $2 AND tool = $3 AND arguments_hash = $4 AND policy_version = $5 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(account_id.as_uuid())
    .bind(grant_id.as_uuid())
    .bind(tool)
    .bind(arguments_hash)
    .bind(policy_version)
    .fetch_optional(pool)
    .await?;
    row.map(Approval::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn list_approvals(
    pool: &PgPool,
    account_id: AccountId,
    status: Option<ApprovalStatus>,
    limit: u32,
    before: Option<ApprovalId>,
) -> StoreResult<Vec<Approval>> {
    // The cursor is the position (creation time, id) of the previous page's last approval.
    let rows: Vec<ApprovalRow> = sqlx::query_as(
        "SELECT * FROM approvals \
         WHERE account_id = $1 AND ($2 IS NULL OR status = $2) \
           AND ($3 IS NULL OR (created_at, id) < \
             (SELECT created_at, id FROM approvals WHERE account_id = $1 AND id = $3)) \
         ORDER BY created_at DESC, id DESC LIMIT $4",
    )
    .bind(account_id.as_uuid())
    .bind(status.map(ApprovalStatus::as_str))
    .bind(before.map(|id| id.as_uuid()))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    convert_all(rows)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, approval_id = %approval_id, approve))]
pub(super) async fn decide_approval(
    pool: &PgPool,
    account_id: AccountId,
    approval_id: ApprovalId,
    approve: bool,
    decided_by: Option<UserId>,
    note: Option<String>,
    now: OffsetDateTime,
) -> StoreResult<Approval> {
    let now = timestamp::micros(now);
    expire_one(pool, account_id, approval_id, now).await?;
    let status = if approve {
        ApprovalStatus::Approved
    } else {
        ApprovalStatus::Denied
    };
    let row: Option<ApprovalRow> = sqlx::query_as(
        "UPDATE approvals SET status = $3, decided_by = $4, note = $5, decided_at = $6, \
           arguments_sealed = CASE WHEN $7 THEN arguments_sealed ELSE NULL END \
         WHERE account_id = $1 AND id = $2 AND status = 'pending' AND expires_at > $6 RETURNING *",
    )
    .bind(account_id.as_uuid())
    .bind(approval_id.as_uuid())
    .bind(status.as_str())
    .bind(decided_by.map(|id| id.as_uuid()))
    .bind(note)
    .bind(now)
    .bind(approve)
    .fetch_optional(pool)
    .await
    .map_err(|error| errors::on_write(error, |_| NO_LONGER_PENDING.to_owned()))?;
    match row {
        Some(row) => row.try_into(),
        None => match get_approval(pool, account_id, approval_id).await? {
            Some(_) => Err(StoreError::Conflict(NO_LONGER_PENDING.to_owned())),
            None => Err(StoreError::NotFound),
        },
    }
}

/// Marks the approval `Expired` if it is pending past its expiry at `now`.
async fn expire_one(
    pool: &PgPool,
    account_id: AccountId,
    approval_id: ApprovalId,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE approvals SET status = 'expired', arguments_sealed = NULL \
         WHERE account_id = $1 AND id = $2 AND status = 'pending' AND expires_at <= $3",
    )
    .bind(account_id.as_uuid())
    .bind(approval_id.as_uuid())
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, approval_id = %approval_id))]
pub(super) async fn consume_approval(
    pool: &PgPool,
    account_id: AccountId,
    approval_id: ApprovalId,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    // One statement: a second consumer waits for the first one's row lock, then re-checks the condition
    // on the committed row (READ COMMITTED) and finds it `used`.
    let result = sqlx::query(
        "UPDATE approvals SET status = 'used', used_at = $3, arguments_sealed = NULL \
         WHERE account_id = $1 AND id = $2 AND status = 'approved' AND used_at IS NULL AND expires_at > $3",
    )
    .bind(account_id.as_uuid())
    .bind(approval_id.as_uuid())
    .bind(timestamp::micros(now))
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

#[tracing::instrument(skip_all)]
pub(super) async fn expire_approvals(pool: &PgPool, now: OffsetDateTime) -> StoreResult<Vec<Approval>> {
    let now = timestamp::micros(now);
    let rows: Vec<ApprovalRow> = sqlx::query_as(
        "UPDATE approvals SET status = 'expired', arguments_sealed = NULL \
         WHERE status = 'pending' AND expires_at <= $1 RETURNING *",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    sqlx::query(
        "UPDATE approvals SET arguments_sealed = NULL \
         WHERE status = 'approved' AND expires_at <= $1 AND arguments_sealed IS NOT NULL",
    )
    .bind(now)
    .execute(pool)
    .await?;
    let mut expired: Vec<Approval> = convert_all(rows)?;
    // RETURNING gives no order.
    expired.sort_by_key(|approval| (approval.created_at, approval.id));
    Ok(expired)
}
