//! Users, accounts, memberships and API tokens.

use sqlx::PgPool;
use toolgate_domain::{AccountId, ApiTokenId, Role, TokenHash, UserId};
use uuid::Uuid;

use super::rows::{AccountRow, MembershipRow, UserRow, convert_all};
use super::{errors, timestamp};
use crate::{Account, Membership, NewAccount, NewUser, StoreResult, User};

const MEMBERSHIP_COLUMNS: &str = "a.id, a.slug, a.name, a.created_at, m.role";

#[tracing::instrument(skip_all)]
pub(super) async fn create_user_with_account(
    pool: &PgPool,
    user: NewUser,
    account: NewAccount,
) -> StoreResult<(User, Account)> {
    let now = timestamp::now();
    let mut transaction = pool.begin().await?;
    let user_row: UserRow = sqlx::query_as(
        "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING *",
    )
    .bind(UserId::new().as_uuid())
    .bind(&user.email)
    .bind(&user.password_hash)
    .bind(now)
    .fetch_one(&mut *transaction)
    .await
    .map_err(|error| errors::on_write(error, |_| "the email is already registered".to_owned()))?;
    let account_row: AccountRow = sqlx::query_as(
        "INSERT INTO accounts (id, slug, name, created_at) VALUES ($1, $2, $3, $4) RETURNING *",
    )
    .bind(AccountId::new().as_uuid())
    .bind(account.slug.as_str())
    .bind(&account.name)
    .bind(now)
    .fetch_one(&mut *transaction)
    .await
    .map_err(|error| {
        errors::on_write(error, |_| {
            format!("an account with the slug \"{}\" already exists", account.slug)
        })
    })?;
    let user = User::from(user_row);
    let account = Account::try_from(account_row)?;
    sqlx::query("INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(account.id.as_uuid())
        .bind(user.id.as_uuid())
        .bind(Role::Owner.as_str())
        .bind(now)
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok((user, account))
}

#[tracing::instrument(skip_all)]
pub(super) async fn find_user_by_email(pool: &PgPool, email: &str) -> StoreResult<Option<User>> {
    // `lower(email)` is what the unique index holds, so the lookup uses it.
    let row: Option<UserRow> = sqlx::query_as("SELECT * FROM users WHERE lower(email) = lower($1)")
        .bind(email)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(User::from))
}

#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub(super) async fn get_user(pool: &PgPool, user_id: UserId) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as("SELECT * FROM users WHERE id = $1")
        .bind(user_id.as_uuid())
        .fetch_optional(pool)
        .await?;
    Ok(row.map(User::from))
}

#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub(super) async fn create_api_token(
    pool: &PgPool,
    user_id: UserId,
    hash: TokenHash,
    prefix: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, token_hash, token_prefix, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ApiTokenId::new().as_uuid())
    .bind(user_id.as_uuid())
    .bind(&hash.0[..])
    .bind(prefix)
    .bind(timestamp::now())
    .execute(pool)
    .await
    .map_err(|error| errors::on_write(error, |_| "the api token is already in use".to_owned()))?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub(super) async fn find_user_by_api_token(pool: &PgPool, hash: TokenHash) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(&hash.0[..])
    .fetch_optional(pool)
    .await?;
    Ok(row.map(User::from))
}

#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub(super) async fn list_memberships(pool: &PgPool, user_id: UserId) -> StoreResult<Vec<Membership>> {
    let rows: Vec<MembershipRow> = sqlx::query_as(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM memberships m JOIN accounts a ON a.id = m.account_id \
         WHERE m.user_id = $1 ORDER BY a.created_at, a.slug COLLATE \"C\""
    ))
    .bind(user_id.as_uuid())
    .fetch_all(pool)
    .await?;
    convert_all(rows)
}

#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub(super) async fn find_membership(
    pool: &PgPool,
    user_id: UserId,
    key: &str,
) -> StoreResult<Option<Membership>> {
    // A slug may look like an id, so an id that matches nothing is tried as a slug too.
    if let Ok(account_id) = Uuid::parse_str(key) {
        let row: Option<MembershipRow> = sqlx::query_as(&format!(
            "SELECT {MEMBERSHIP_COLUMNS} FROM memberships m JOIN accounts a ON a.id = m.account_id \
             WHERE m.user_id = $1 AND a.id = $2"
        ))
        .bind(user_id.as_uuid())
        .bind(account_id)
        .fetch_optional(pool)
        .await?;
        if let Some(row) = row {
            return Ok(Some(row.try_into()?));
        }
    }
    let row: Option<MembershipRow> = sqlx::query_as(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM memberships m JOIN accounts a ON a.id = m.account_id \
         WHERE m.user_id = $1 AND a.slug = $2"
    ))
    .bind(user_id.as_uuid())
    .bind(key)
    .fetch_optional(pool)
    .await?;
    row.map(Membership::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn get_account(pool: &PgPool, account_id: AccountId) -> StoreResult<Option<Account>> {
    let row: Option<AccountRow> = sqlx::query_as("SELECT * FROM accounts WHERE id = $1")
        .bind(account_id.as_uuid())
        .fetch_optional(pool)
        .await?;
    row.map(Account::try_from).transpose()
}

#[tracing::instrument(skip_all)]
pub(super) async fn find_account_by_slug(pool: &PgPool, slug: &str) -> StoreResult<Option<Account>> {
    let row: Option<AccountRow> = sqlx::query_as("SELECT * FROM accounts WHERE slug = $1")
        .bind(slug)
        .fetch_optional(pool)
        .await?;
    row.map(Account::try_from).transpose()
}
