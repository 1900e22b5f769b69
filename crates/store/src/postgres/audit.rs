//! Audit events: written in batches by the gateway, read by the activity pages, purged by retention.

use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;
use toolgate_domain::AccountId;

use super::rows::{AuditEventRow, convert_all};
use super::{errors, json, timestamp};
use crate::{
    AuditEvent, AuditFilter, NewAuditEvent, REFUSED_DECISIONS, StoreResult, bucket_millis, from_unix_millis,
    unix_millis,
};

/// The whole batch as one statement with a column array per field, whatever its size: one prepared
/// statement for every batch (a multi-row `VALUES` list was a new statement text, and so a new prepared
/// statement, per batch size, with 15 bound values per row). `ORDINALITY` keeps the ids in batch order.
const INSERT: &str = "INSERT INTO audit_events (account_id, server_id, grant_id, session, method, tool, decision, \
       rule, reason, argument_keys, arguments, upstream_status, latency_ms, time, time_ms) \
     SELECT account_id, server_id, grant_id, session, method, tool, decision, rule, reason, \
       argument_keys::json, arguments::json, upstream_status, latency_ms, time, time_ms \
     FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], \
       $8::text[], $9::text[], $10::text[], $11::text[], $12::integer[], $13::double precision[], \
       $14::timestamptz[], $15::bigint[]) WITH ORDINALITY AS batch (account_id, server_id, grant_id, \
       session, method, tool, decision, rule, reason, argument_keys, arguments, upstream_status, \
       latency_ms, time, time_ms, position) \
     ORDER BY position";

#[tracing::instrument(skip_all, fields(events = events.len()))]
pub(super) async fn insert_audit_events(pool: &PgPool, events: &[NewAuditEvent]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let argument_keys = events
        .iter()
        .map(|event| json::text_of(&event.argument_keys))
        .collect::<StoreResult<Vec<_>>>()?;
    // One statement is one implicit transaction: the batch is written whole or not at all.
    sqlx::query(INSERT)
        .bind(each(events, |event| event.account_id.as_uuid()))
        .bind(each(events, |event| event.server_id.map(|id| id.as_uuid())))
        .bind(each(events, |event| event.grant_id.map(|id| id.as_uuid())))
        .bind(each(events, |event| event.session.as_deref()))
        .bind(each(events, |event| event.method.as_str()))
        .bind(each(events, |event| event.tool.as_deref()))
        .bind(each(events, |event| event.decision.as_str()))
        .bind(each(events, |event| event.rule.as_deref()))
        .bind(each(events, |event| event.reason.as_deref()))
        .bind(argument_keys)
        .bind(each(events, |event| event.arguments.as_ref().map(json::text)))
        .bind(each(events, |event| event.upstream_status))
        .bind(each(events, |event| event.latency_ms))
        .bind(each(events, |event| timestamp::micros(event.time)))
        .bind(each(events, |event| unix_millis(event.time)))
        .execute(pool)
        .await
        .map_err(|error| errors::on_write(error, |message| message.to_owned()))?;
    Ok(())
}

/// One column of the batch, as the array bound for it.
fn each<'a, T>(events: &'a [NewAuditEvent], field: impl Fn(&'a NewAuditEvent) -> T) -> Vec<T> {
    events.iter().map(field).collect()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn list_audit_events(
    pool: &PgPool,
    account_id: AccountId,
    filter: &AuditFilter,
) -> StoreResult<Vec<AuditEvent>> {
    let mut query = QueryBuilder::<Postgres>::new("SELECT * FROM audit_events WHERE account_id = ");
    query.push_bind(account_id.as_uuid());
    if let Some(server_id) = filter.server_id {
        query.push(" AND server_id = ").push_bind(server_id.as_uuid());
    }
    if let Some(grant_id) = filter.grant_id {
        query.push(" AND grant_id = ").push_bind(grant_id.as_uuid());
    }
    if let Some(tool) = &filter.tool {
        query.push(" AND tool = ").push_bind(tool.as_str());
    }
    if let Some(decision) = &filter.decision {
        query.push(" AND decision = ").push_bind(decision.as_str());
    }
    if let Some(since) = filter.since {
        query.push(" AND time >= ").push_bind(timestamp::micros(since));
    }
    if let Some(until) = filter.until {
        query.push(" AND time < ").push_bind(timestamp::micros(until));
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
    pool: &PgPool,
    account_id: AccountId,
    since: OffsetDateTime,
) -> StoreResult<Vec<(String, i64)>> {
    let counts = sqlx::query_as(
        "SELECT decision, COUNT(*) FROM audit_events WHERE account_id = $1 AND time >= $2 \
         GROUP BY decision ORDER BY decision COLLATE \"C\"",
    )
    .bind(account_id.as_uuid())
    .bind(timestamp::micros(since))
    .fetch_all(pool)
    .await?;
    Ok(counts)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn audit_timeseries(
    pool: &PgPool,
    account_id: AccountId,
    since: OffsetDateTime,
    bucket_seconds: u32,
) -> StoreResult<Vec<(OffsetDateTime, String, i64)>> {
    // The bucket start rounds down, also before 1970 (`%` keeps the dividend's sign).
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT time_ms - ((time_ms % $3) + $3) % $3 AS bucket, decision, COUNT(*) \
         FROM audit_events WHERE account_id = $1 AND time >= $2 \
         GROUP BY bucket, decision ORDER BY bucket, decision COLLATE \"C\"",
    )
    .bind(account_id.as_uuid())
    .bind(timestamp::micros(since))
    .bind(bucket_millis(bucket_seconds))
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(bucket, decision, count)| Ok((from_unix_millis(bucket)?, decision, count)))
        .collect()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn audit_top_tools(
    pool: &PgPool,
    account_id: AccountId,
    since: OffsetDateTime,
    limit: u32,
) -> StoreResult<Vec<(String, i64)>> {
    let top = sqlx::query_as(
        "SELECT tool, COUNT(*) AS calls FROM audit_events \
         WHERE account_id = $1 AND time >= $2 AND tool IS NOT NULL \
         GROUP BY tool ORDER BY calls DESC, tool COLLATE \"C\" LIMIT $3",
    )
    .bind(account_id.as_uuid())
    .bind(timestamp::micros(since))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    Ok(top)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn audit_top_refused_rules(
    pool: &PgPool,
    account_id: AccountId,
    since: OffsetDateTime,
    limit: u32,
) -> StoreResult<Vec<(String, i64)>> {
    let mut query = QueryBuilder::<Postgres>::new(
        "SELECT rule, COUNT(*) AS refusals FROM audit_events WHERE account_id = ",
    );
    query
        .push_bind(account_id.as_uuid())
        .push(" AND time >= ")
        .push_bind(timestamp::micros(since))
        .push(" AND rule IS NOT NULL AND decision IN (");
    let mut decisions = query.separated(", ");
    for decision in REFUSED_DECISIONS {
        decisions.push_bind(decision);
    }
    query
        .push(") GROUP BY rule ORDER BY refusals DESC, rule COLLATE \"C\" LIMIT ")
        .push_bind(i64::from(limit));
    let top = query.build_query_as().fetch_all(pool).await?;
    Ok(top)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn purge_audit(
    pool: &PgPool,
    account_id: AccountId,
    before: OffsetDateTime,
) -> StoreResult<u64> {
    let result = sqlx::query("DELETE FROM audit_events WHERE account_id = $1 AND time < $2")
        .bind(account_id.as_uuid())
        .bind(timestamp::micros(before))
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}
