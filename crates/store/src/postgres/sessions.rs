//! Dashboard login sessions, by the hash of their cookie token.

use sqlx::PgPool;
use time::OffsetDateTime;
use toolgate_domain::{TokenHash, UserId};

use super::rows::SessionRow;
use super::{errors, timestamp};
use crate::{Session, StoreResult, User};

#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub(super) async fn create_session(
    pool: &PgPool,
    hash: TokenHash,
    user_id: UserId,
    csrf_token: &str,
    expires_at: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&hash.0[..])
    .bind(user_id.as_uuid())
    .bind(csrf_token)
    .bind(timestamp::now())
    .bind(timestamp::micros(expires_at))
    .execute(pool)
    .await
    .map_err(|error| errors::on_write(error, |_| "the session token is already in use".to_owned()))?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub(super) async fn find_session(
    pool: &PgPool,
    hash: TokenHash,
    now: OffsetDateTime,
) -> StoreResult<Option<(Session, User)>> {
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.user_id, s.csrf_token, s.created_at, s.expires_at, \
           u.email AS user_email, u.password_hash AS user_password_hash, u.created_at AS user_created_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(&hash.0[..])
    .bind(timestamp::micros(now))
    .fetch_optional(pool)
    .await?;
    Ok(row.map(<(Session, User)>::from))
}

#[tracing::instrument(skip_all)]
pub(super) async fn delete_session(pool: &PgPool, hash: TokenHash) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&hash.0[..])
        .execute(pool)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub(super) async fn delete_expired_sessions(pool: &PgPool, now: OffsetDateTime) -> StoreResult<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(timestamp::micros(now))
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}
