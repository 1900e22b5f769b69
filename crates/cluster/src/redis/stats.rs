//! What the Redis counters did, for Prometheus: monotonic counts plus the breaker's state.

use std::sync::atomic::{AtomicU64, Ordering};

use super::breaker::BreakerState;

/// A snapshot from [`super::RedisCounters::stats`]. Every count is monotonic since the instance
/// started (Prometheus counters); `breaker` and `live_workers` are gauges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisStats {
    /// Reserve and rollback calls sent to Redis (the breaker let them through).
    pub calls: u64,
    /// Calls that failed with an error from Redis or the connection (not timeouts).
    pub errors: u64,
    /// Calls that ran past the deadline.
    pub timeouts: u64,
    /// Calls failed at once because the breaker was open.
    pub rejected: u64,
    /// Times the breaker tripped from closed to open.
    pub breaker_opens: u64,
    /// Calls that found their script missing (NOSCRIPT) and sent it again: two round trips.
    pub script_reloads: u64,
    pub heartbeats: u64,
    pub heartbeat_failures: u64,
    pub breaker: BreakerState,
    pub live_workers: u32,
}

#[derive(Debug, Default)]
pub(super) struct Stats {
    pub(super) calls: AtomicU64,
    pub(super) errors: AtomicU64,
    pub(super) timeouts: AtomicU64,
    pub(super) rejected: AtomicU64,
    pub(super) breaker_opens: AtomicU64,
    pub(super) script_reloads: AtomicU64,
    pub(super) heartbeats: AtomicU64,
    pub(super) heartbeat_failures: AtomicU64,
}

pub(super) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Stats {
    pub(super) fn snapshot(&self, breaker: BreakerState, live_workers: u32) -> RedisStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        RedisStats {
            calls: read(&self.calls),
            errors: read(&self.errors),
            timeouts: read(&self.timeouts),
            rejected: read(&self.rejected),
            breaker_opens: read(&self.breaker_opens),
            script_reloads: read(&self.script_reloads),
            heartbeats: read(&self.heartbeats),
            heartbeat_failures: read(&self.heartbeat_failures),
            breaker,
            live_workers,
        }
    }
}
