//! Users, accounts, memberships and API tokens.

use sqlx::SqlitePool;
use toolgate_domain::{AccountId, ApiTokenId, Role, TokenHash, UserId};

use super::rows::{AccountRow, MembershipRow, UserRow, convert_all};
use super::{errors, ids, timestamp};
use crate::{Account, Membership, NewAccount, NewUser, StoreResult, User};

const MEMBERSHIP_COLUMNS: &str = "a.id, a.slug, a.name, a.created_at, m.role";

#[tracing::instrument(skip_all)]
pub(super) async fn create_user_with_account(
    pool: &SqlitePool,
    user: NewUser,
    account: NewAccount,
) -> StoreResult<(User, Account)> {
    let now = timestamp::now();
    let mut transaction = pool.begin().await?;
    let user_row: UserRow = sqlx::query_as(
        "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING *",
    )
    .bind(ids::text(UserId::new()))
    .bind(&user.email)
    .bind(&user.password_hash)
    .bind(&now)
    .fetch_one(&mut *transaction)
    .await
    .map_err(|error| errors::on_write(error, |_| "the email is already registered".to_owned()))?;
    let account_row: AccountRow = sqlx::query_as(
        "INSERT INTO accounts (id, slug, name, created_at) VALUES ($1, $2, $3, $4) RETURNING *",
    )
    .bind(ids::text(AccountId::new()))
    .bind(account.slug.as_str())
    .bind(&account.name)
    .bind(&now)
    .fetch_one(&mut *transaction)
    .await
    .map_err(|error| {
        errors::on_write(error, |_| {
            format!("an account with the slug \"{}\" already exists", account.slug)
        })
    })?;
    let user = User::try_from(user_row)?;
    let account = Account::try_from(account_row)?;
    sqlx::query("INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(ids::text(account.id))
        .bind(ids::text(user.id))
        .bind(Role::Owner.as_str())
        .bind(&now)
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok((user, account))
}

#[tracing::instrument(skip_all)]
pub(super) async fn find_user_by_email(pool: &SqlitePool, email: &str) -> StoreResult<Option<User>> {
    // `lower(email)` is what the unique index holds, so the lookup uses it.
    let row: Option<UserRow> = sqlx::query_as("SELECT * FROM users WHERE lower(email) = lower($1)")
        .bind(email)
        .fetch_optional(pool)
        .await?;
    row.map(User::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub(super) async fn create_api_token(
    pool: &SqlitePool,
    user_id: UserId,
    hash: TokenHash,
    prefix: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, token_hash, token_prefix, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ids::text(ApiTokenId::new()))
    .bind(ids::text(user_id))
    .bind(&hash.0[..])
    .bind(prefix)
    .bind(timestamp::now())
    .execute(pool)
    .await
    .map_err(|error| errors::on_write(error, |_| "the api token is already in use".to_owned()))?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub(super) async fn find_user_by_api_token(pool: &SqlitePool, hash: TokenHash) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(&hash.0[..])
    .fetch_optional(pool)
    .await?;
    row.map(User::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub(super) async fn list_memberships(pool: &SqlitePool, user_id: UserId) -> StoreResult<Vec<Membership>> {
    let rows: Vec<MembershipRow> = sqlx::query_as(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM memberships m JOIN accounts a ON a.id = m.account_id \
         WHERE m.user_id = $1 ORDER BY a.created_at, a.slug"
    ))
    .bind(ids::text(user_id))
    .fetch_all(pool)
    .await?;
    convert_all(rows)
}

#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub(super) async fn find_membership(
    pool: &SqlitePool,
    user_id: UserId,
    key: &str,
) -> StoreResult<Option<Membership>> {
    // A slug may look like an id, so an id that matches nothing is tried as a slug too.
    if let Some(account_id) = ids::parse_key(key) {
        let found = find_membership_where(pool, user_id, "a.id = $2", &account_id.to_string()).await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    find_membership_where(pool, user_id, "a.slug = $2", key).await
}

/// `condition` is one of this module's constant SQL fragments, comparing `$2` with `key`.
async fn find_membership_where(
    pool: &SqlitePool,
    user_id: UserId,
    condition: &str,
    key: &str,
) -> StoreResult<Option<Membership>> {
    let sql = format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM memberships m JOIN accounts a ON a.id = m.account_id \
         WHERE m.user_id = $1 AND {condition}"
    );
    let row: Option<MembershipRow> = sqlx::query_as(&sql)
        .bind(ids::text(user_id))
        .bind(key)
        .fetch_optional(pool)
        .await?;
    row.map(Membership::try_from).transpose()
}

#[tracing::instrument(skip_all)]
pub(super) async fn find_account_by_slug(pool: &SqlitePool, slug: &str) -> StoreResult<Option<Account>> {
    let row: Option<AccountRow> = sqlx::query_as("SELECT * FROM accounts WHERE slug = $1")
        .bind(slug)
        .fetch_optional(pool)
        .await?;
    row.map(Account::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn get_account(pool: &SqlitePool, account_id: AccountId) -> StoreResult<Option<Account>> {
    let row: Option<AccountRow> = sqlx::query_as("SELECT * FROM accounts WHERE id = $1")
        .bind(ids::text(account_id))
        .fetch_optional(pool)
        .await?;
    row.map(Account::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub(super) async fn get_user(pool: &SqlitePool, user_id: UserId) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as("SELECT * FROM users WHERE id = $1")
        .bind(ids::text(user_id))
        .fetch_optional(pool)
        .await?;
    row.map(User::try_from).transpose()
}
