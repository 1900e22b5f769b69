//! Audit events: written in batches by the gateway, read by the activity pages, purged by retention.
//!
//! Time ranges are looked up by `time_ms` (indexed with the account: migration 0004) and then checked
//! on the exact `time`: a condition on `time_ms` (milliseconds, rounded down) is never stricter than the
//! one on `time`, so the index narrows and the text decides.

use sqlx::types::Json;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use time::OffsetDateTime;
use toolgate_domain::AccountId;

use super::rows::{AuditEventRow, convert_all};
use super::{errors, ids, timestamp};
use crate::{
    AuditEvent, AuditFilter, NewAuditEvent, REFUSED_DECISIONS, StoreResult, bucket_millis, from_unix_millis,
    unix_millis,
};

/// Rows per `INSERT` statement: 15 parameters each stays far below SQLite's limit of 32766.
const ROWS_PER_INSERT: usize = 500;

#[tracing::instrument(skip_all, fields(events = events.len()))]
pub(super) async fn insert_audit_events(pool: &SqlitePool, events: &[NewAuditEvent]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut transaction = pool.begin().await?;
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO audit_events (account_id, server_id, grant_id, session, method, tool, decision, rule, \
               reason, argument_keys, arguments, upstream_status, latency_ms, time, time_ms) ",
        );
        insert.push_values(chunk, |mut row, event| {
            row.push_bind(ids::text(event.account_id))
                .push_bind(event.server_id.map(ids::text))
                .push_bind(event.grant_id.map(ids::text))
                .push_bind(event.session.as_deref())
                .push_bind(event.method.as_str())
                .push_bind(event.tool.as_deref())
                .push_bind(event.decision.as_str())
                .push_bind(event.rule.as_deref())
                .push_bind(event.reason.as_deref())
                .push_bind(Json(&event.argument_keys))
                .push_bind(event.arguments.as_ref().map(Json))
                .push_bind(event.upstream_status)
                .push_bind(event.latency_ms)
                .push_bind(timestamp::encode(event.time))
                .push_bind(unix_millis(event.time));
        });
        insert
            .build()
            .execute(&mut *transaction)
            .await
            .map_err(|error| errors::on_write(error, |message| message.to_owned()))?;
    }
    transaction.commit().await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn list_audit_events(
    pool: &SqlitePool,
    account_id: AccountId,
    filter: &AuditFilter,
) -> StoreResult<Vec<AuditEvent>> {
    let mut query = QueryBuilder::<Sqlite>::new("SELECT * FROM audit_events WHERE account_id = ");
    query.push_bind(ids::text(account_id));
    if let Some(server_id) = filter.server_id {
        query.push(" AND server_id = ").push_bind(ids::text(server_id));
    }
    if let Some(grant_id) = filter.grant_id {
        query.push(" AND grant_id = ").push_bind(ids::text(grant_id));
    }
    if let Some(tool) = &filter.tool {
        query.push(" AND tool = ").push_bind(tool.as_str());
    }
    if let Some(decision) = &filter.decision {
        query.push(" AND decision = ").push_bind(decision.as_str());
    }
    if let Some(since) = filter.since {
        query
            .push(" AND time_ms >= ")
            .push_bind(unix_millis(since))
            .push(" AND time >= ")
            .push_bind(timestamp::encode(since));
    }
    if let Some(until) = filter.until {
        query
            .push(" AND time_ms <= ")
            .push_bind(unix_millis(until))
            .push(" AND time < ")
            .push_bind(timestamp::encode(until));
    }
    if let Some(before_id) = filter.before_id {
        query.push(" AND id < ").push_bind(before_id);
    }
    query
        .push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(filter.limit));
    let rows: Vec<AuditEventRow> = query.build_query_as().fetch_all(pool).await?;
    convert_all(rows)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn audit_counts_by_decision(
    pool: &SqlitePool,
    account_id: AccountId,
    since: OffsetDateTime,
) -> StoreResult<Vec<(String, i64)>> {
    let counts = sqlx::query_as(
        "SELECT decision, COUNT(*) FROM audit_events WHERE account_id = $1 AND time_ms >= $2 AND time >= $3 \
         GROUP BY decision ORDER BY decision",
    )
    .bind(ids::text(account_id))
    .bind(unix_millis(since))
    .bind(timestamp::encode(since))
    .fetch_all(pool)
    .await?;
    Ok(counts)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn audit_timeseries(
    pool: &SqlitePool,
    account_id: AccountId,
    since: OffsetDateTime,
    bucket_seconds: u32,
) -> StoreResult<Vec<(OffsetDateTime, String, i64)>> {
    // The bucket start rounds down, also before 1970 (`%` keeps the dividend's sign).
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT time_ms - ((time_ms % $4) + $4) % $4 AS bucket, decision, COUNT(*) \
         FROM audit_events WHERE account_id = $1 AND time_ms >= $2 AND time >= $3 \
         GROUP BY bucket, decision ORDER BY bucket, decision",
    )
    .bind(ids::text(account_id))
    .bind(unix_millis(since))
    .bind(timestamp::encode(since))
    .bind(bucket_millis(bucket_seconds))
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(bucket, decision, count)| Ok((from_unix_millis(bucket)?, decision, count)))
        .collect()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn audit_top_tools(
    pool: &SqlitePool,
    account_id: AccountId,
    since: OffsetDateTime,
    limit: u32,
) -> StoreResult<Vec<(String, i64)>> {
    let top = sqlx::query_as(
        "SELECT tool, COUNT(*) AS calls FROM audit_events \
         WHERE account_id = $1 AND time_ms >= $2 AND time >= $3 AND tool IS NOT NULL \
         GROUP BY tool ORDER BY calls DESC, tool LIMIT $4",
    )
    .bind(ids::text(account_id))
    .bind(unix_millis(since))
    .bind(timestamp::encode(since))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    Ok(top)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn audit_top_refused_rules(
    pool: &SqlitePool,
    account_id: AccountId,
    since: OffsetDateTime,
    limit: u32,
) -> StoreResult<Vec<(String, i64)>> {
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT rule, COUNT(*) AS refusals FROM audit_events WHERE account_id = ",
    );
    query
        .push_bind(ids::text(account_id))
        .push(" AND time_ms >= ")
        .push_bind(unix_millis(since))
        .push(" AND time >= ")
        .push_bind(timestamp::encode(since))
        .push(" AND rule IS NOT NULL AND decision IN (");
    let mut decisions = query.separated(", ");
    for decision in REFUSED_DECISIONS {
        decisions.push_bind(decision);
    }
    query
        .push(") GROUP BY rule ORDER BY refusals DESC, rule LIMIT ")
        .push_bind(i64::from(limit));
    let top = query.build_query_as().fetch_all(pool).await?;
    Ok(top)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn purge_audit(
    pool: &SqlitePool,
    account_id: AccountId,
    before: OffsetDateTime,
) -> StoreResult<u64> {
    let result =
        sqlx::query("DELETE FROM audit_events WHERE account_id = $1 AND time_ms <= $2 AND time < $3")
            .bind(ids::text(account_id))
            .bind(unix_millis(before))
            .bind(timestamp::encode(before))
            .execute(pool)
            .await?;
    Ok(result.rows_affected())
}
