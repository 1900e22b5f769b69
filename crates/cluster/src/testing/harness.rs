//! What a behaviour needs from a backend: the store, and a way to let time pass for it.

use std::sync::Arc;

use async_trait::async_trait;

use crate::clock::ManualClock;
use crate::counters::Counters;
use crate::events::Events;

/// Lets time pass for the store under test.
#[async_trait]
pub trait TestTime: Send + Sync {
    /// Returns once at least `ms` have passed by the store's clock.
    async fn pass(&self, ms: u64);
    /// How far the store's clock may have run beyond what the test let pass (scheduling, round
    /// trips), so time-derived answers may be this much smaller than exact. 0 for a manual clock.
    fn tolerance_ms(&self) -> u64;
}

#[async_trait]
impl TestTime for ManualClock {
    async fn pass(&self, ms: u64) {
        self.advance(ms);
    }

    fn tolerance_ms(&self) -> u64 {
        0
    }
}

/// Real sleeping, for stores that keep their own clock (Redis `TIME`).
#[derive(Debug, Clone, Copy)]
pub struct RealTime {
    pub tolerance_ms: u64,
}

impl Default for RealTime {
    /// Generous enough for a loaded CI machine; the suite's windows leave room for it.
    fn default() -> Self {
        Self { tolerance_ms: 300 }
    }
}

#[async_trait]
impl TestTime for RealTime {
    async fn pass(&self, ms: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }

    fn tolerance_ms(&self) -> u64 {
        self.tolerance_ms
    }
}

/// `Arc`s so behaviours can hand the store to spawned tasks (real parallelism).
#[derive(Clone)]
pub struct CounterHarness {
    pub counters: Arc<dyn Counters>,
    pub time: Arc<dyn TestTime>,
}

impl CounterHarness {
    pub fn new(counters: Arc<dyn Counters>, time: Arc<dyn TestTime>) -> Self {
        Self { counters, time }
    }
}

#[derive(Clone)]
pub struct EventHarness {
    pub events: Arc<dyn Events>,
}

impl EventHarness {
    pub fn new(events: Arc<dyn Events>) -> Self {
        Self { events }
    }
}
