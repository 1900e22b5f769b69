//! [`Counters`] in one process: the pure algorithm over sharded, locked logs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use super::shards::Shards;
use crate::algorithm::{self, Decision, Plan, RollbackEntry, Tuning};
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
    tuning: Tuning,
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
            tuning: Tuning::default(),
        }
    }

    /// Counts with other thresholds than [`Tuning::default`] (tests reach every path with tiny ones).
    pub fn with_tuning(mut self, tuning: Tuning) -> Self {
        self.tuning = tuning;
        self
    }

    /// How many counter keys are held (live or not yet swept); for metrics and tests.
    pub fn key_count(&self) -> usize {
        self.shards.key_count()
    }

    /// Drops every expired entry and every key left empty, now.
    pub fn sweep(&self) {
        self.shards.sweep(self.clock.now_ms(), &self.tuning);
    }

    fn reserve_at(&self, limits: &[LimitRequest], now_ms: u64) -> ReserveOutcome {
        let plan = Plan::new(limits);
        let reservation_id = algorithm::reservation_id(rand::random(), &plan.requests, &self.tuning);
        let decision = {
            let hashes: Vec<u64> = plan.keys.iter().map(|key| self.shards.hash_of(key)).collect();
            let mut locked = self.shards.lock_for(&hashes);
            let mut logs: Vec<_> = plan
                .keys
                .iter()
                .zip(&hashes)
                .map(|(key, hash)| locked.take(key, *hash))
                .collect();
            let decision =
                algorithm::reserve(&mut logs, &plan.requests, reservation_id, now_ms, &self.tuning);
            for ((key, hash), log) in plan.keys.iter().zip(&hashes).zip(logs) {
                locked.put_back(key, *hash, log);
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
            self.shards.sweep(now_ms, &self.tuning);
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
        // Keys are independent, so each is locked alone, with all of the reservation's entries on it.
        let entries = &reservation.entries;
        for (position, entry) in entries.iter().enumerate() {
            if entries[..position].iter().any(|earlier| earlier.key == entry.key) {
                continue;
            }
            let on_key: Vec<RollbackEntry> = entries
                .iter()
                .enumerate()
                .filter(|(_, other)| other.key == entry.key)
                .map(|(index, other)| RollbackEntry {
                    index,
                    at_ms: other.at_ms,
                    amount: other.amount,
                })
                .collect();
            self.shards.update(&entry.key, |log| {
                algorithm::rollback(log, reservation.id, entry.key.window_ms, &on_key, &self.tuning);
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
