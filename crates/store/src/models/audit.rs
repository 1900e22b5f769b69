//! Audit events: one per gateway decision (ARCHITECTURE.md §9, §10).

use serde_json::Value;
use time::OffsetDateTime;
use toolgate_domain::{AccountId, GrantId, ServerId};

use crate::{StoreError, StoreResult};

/// The decisions that refused a call, for [`crate::Store::audit_top_refused_rules`].
pub const REFUSED_DECISIONS: [&str; 5] = [
    "denied",
    "hidden",
    "rate_limited",
    "approval_denied",
    "approval_expired",
];

/// An audit event as the gateway records it. Servers and grants are stored by id only (the API maps them
/// to slugs and names), so renaming or deleting one never rewrites history.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    pub account_id: AccountId,
    pub server_id: Option<ServerId>,
    pub grant_id: Option<GrantId>,
    pub session: Option<String>,
    pub method: String,
    pub tool: Option<String>,
    /// One of the values of ARCHITECTURE.md §10 (`allowed`, `denied`, …); not checked by the store.
    pub decision: String,
    /// JSON pointer into the policy.
    pub rule: Option<String>,
    pub reason: Option<String>,
    /// The top-level argument keys, never their values.
    pub argument_keys: Vec<String>,
    /// The argument values: only when the server's `log_argument_values` is on.
    pub arguments: Option<Value>,
    pub upstream_status: Option<i32>,
    pub latency_ms: Option<f64>,
    pub time: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Increases with every insert (never reused, even after a purge): a cursor for paging.
    pub id: i64,
    pub account_id: AccountId,
    pub server_id: Option<ServerId>,
    pub grant_id: Option<GrantId>,
    pub session: Option<String>,
    pub method: String,
    pub tool: Option<String>,
    pub decision: String,
    pub rule: Option<String>,
    pub reason: Option<String>,
    pub argument_keys: Vec<String>,
    pub arguments: Option<Value>,
    pub upstream_status: Option<i32>,
    pub latency_ms: Option<f64>,
    pub time: OffsetDateTime,
}

/// Which events [`crate::Store::list_audit_events`] returns: every filter that is set must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub server_id: Option<ServerId>,
    pub grant_id: Option<GrantId>,
    pub tool: Option<String>,
    pub decision: Option<String>,
    /// Events at or after.
    pub since: Option<OffsetDateTime>,
    /// Events strictly before.
    pub until: Option<OffsetDateTime>,
    /// Events with a smaller id (the last id of the previous page).
    pub before_id: Option<i64>,
    pub limit: u32,
}

/// `at` in whole milliseconds since 1970 (rounded down), for time buckets computed in SQL.
pub(crate) fn unix_millis(at: OffsetDateTime) -> i64 {
    let millis = at.unix_timestamp_nanos().div_euclid(1_000_000);
    // Every `OffsetDateTime` (years ±9999) fits.
    i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX })
}

pub(crate) fn from_unix_millis(millis: i64) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|_| StoreError::Corrupt(format!("bad unix time {millis} ms")))
}

/// `bucket_seconds` as milliseconds, at least one second.
pub(crate) fn bucket_millis(bucket_seconds: u32) -> i64 {
    i64::from(bucket_seconds.max(1)) * 1_000
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn unix_millis_round_down_and_back() {
        let at = datetime!(2025-01-31 12:00:00.123999 UTC);
        assert_eq!(unix_millis(at), 1_738_324_800_123);
        assert_eq!(
            from_unix_millis(unix_millis(at)).expect("in range"),
            datetime!(2025-01-31 12:00:00.123 UTC)
        );
        assert_eq!(unix_millis(datetime!(1969-12-31 23:59:59.9995 UTC)), -1);
        assert_eq!(bucket_millis(0), 1_000);
    }
}
