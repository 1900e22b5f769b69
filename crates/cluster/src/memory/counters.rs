//! [`Counters`] in one process: the pure algorithm over sharded, locked logs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use super::shards::Shards;
use crate::algorithm::{self, Decision, Plan};
use crate::clock::{Clock, SystemClock};
use crate::counters::{CounterError, Counters, LimitRequest, Reservation, ReserveOutcome};

/// Enough shards that a busy all-in-one node rarely has two calls waiting on one lock.
const SHARD_COUNT: usize = 64;
/// How often (by the counters' clock) keys that nobody touches any more are dropped. Touched keys
/// are pruned on every access; this only bounds memory for keys that went quiet.
const SWEEP_INTERVAL_MS: u64 = 10_000;

pub struct MemoryCounters {
    shards: Shards,
    clock: Arc<dyn Clock>,
    next_sweep_at_ms: AtomicU64,
}

impl MemoryCounters {
    /// Counts by the wall clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// Counts by `clock` (a [`crate::ManualClock`] in tests).
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        let next_sweep_at_ms = AtomicU64::new(clock.now_ms().saturating_add(SWEEP_INTERVAL_MS));
        Self {
            shards: Shards::new(SHARD_COUNT),
            clock,
            next_sweep_at_ms,
        }
    }

    /// How many counter keys are held (live or not yet swept); for metrics and tests.
    pub fn key_count(&self) -> usize {
        self.shards.key_count()
    }

    /// Drops every expired entry and every key left empty, now.
    pub fn sweep(&self) {
        self.shards.sweep(self.clock.now_ms());
    }

    fn reserve_at(&self, limits: &[LimitRequest], now_ms: u64) -> ReserveOutcome {
        let plan = Plan::new(limits);
        let reservation_id: u128 = rand::random();
        let decision = {
            let mut locked = self.shards.lock_for(&plan.keys);
            let (keys, mut logs): (Vec<_>, Vec<_>) = plan.keys.iter().map(|key| locked.take(key)).unzip();
            let decision = algorithm::reserve(&mut logs, &plan.requests, reservation_id, now_ms);
            for (key, log) in keys.into_iter().zip(logs) {
                locked.put_back(key, log);
            }
            decision
        };
        match decision {
            Decision::Admitted => ReserveOutcome::Admitted(Reservation {
                id: reservation_id,
                entries: algorithm::charged_entries(limits, now_ms),
            }),
            Decision::Exhausted {
                index,
                retry_after_ms,
            } => ReserveOutcome::Exhausted {
                index,
                retry_after_ms,
            },
        }
    }

    /// Sweeps when the interval has passed (or the clock stepped far back); one caller wins the race.
    fn sweep_if_due(&self, now_ms: u64) {
        let due_at_ms = self.next_sweep_at_ms.load(Ordering::Relaxed);
        let clock_stepped_back = due_at_ms.saturating_sub(now_ms) > SWEEP_INTERVAL_MS;
        if now_ms < due_at_ms && !clock_stepped_back {
            return;
        }
        let next = now_ms.saturating_add(SWEEP_INTERVAL_MS);
        if self
            .next_sweep_at_ms
            .compare_exchange(due_at_ms, next, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            self.shards.sweep(now_ms);
        }
    }
}

impl Default for MemoryCounters {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Counters for MemoryCounters {
    async fn reserve(&self, limits: &[LimitRequest]) -> Result<ReserveOutcome, CounterError> {
        let now_ms = self.clock.now_ms();
        let outcome = self.reserve_at(limits, now_ms);
        self.sweep_if_due(now_ms);
        Ok(outcome)
    }

    async fn rollback(&self, reservation: &Reservation) -> Result<(), CounterError> {
        // Keys are independent, so each is locked alone; a key named twice is simply visited twice.
        for entry in &reservation.entries {
            self.shards
                .update(&entry.key, |log| algorithm::rollback(log, reservation.id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
