//! Rate-limit counters: rolling windows, all-or-nothing reservation of every limit of one call.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use toolgate_domain::AccountId;

/// Whose calls share one count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Grant,
    Server,
    Account,
}

/// Identifies one count. Two limits with equal keys share one count (a budget across tools); a changed
/// window gives another key, so it never reuses stale state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CounterKey {
    pub account: AccountId,
    pub scope: Scope,
    /// The id of the grant, server or account the scope names.
    pub scope_id: String,
    pub counter: String,
    pub window_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRequest {
    pub key: CounterKey,
    /// At most this much in any span of `window_ms`.
    pub max: u64,
    /// How much this call counts (1, or the value of `increment_from`).
    pub amount: u64,
}

/// What a successful reservation took, to give it back when the upstream fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// Unique per reservation (random), so a rollback removes exactly what this call added.
    pub id: u128,
    pub entries: Vec<ReservedEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservedEntry {
    pub key: CounterKey,
    pub amount: u64,
    /// The counter store's clock when it was reserved, in ms.
    pub at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// Every limit had room; all were charged.
    Admitted(Reservation),
    /// The limit at `index` of the request had no room; nothing was charged. `retry_after_ms` is the
    /// shortest wait after which this same call could be admitted by that limit.
    Exhausted { index: usize, retry_after_ms: u64 },
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CounterError {
    #[error("counter store unavailable: {0}")]
    Unavailable(String),
    #[error("counter store timed out")]
    Timeout,
}

#[async_trait]
pub trait Counters: Send + Sync + 'static {
    /// Reserves `amount` on every limit, all or nothing. An empty slice is admitted with no entries.
    async fn reserve(&self, limits: &[LimitRequest]) -> Result<ReserveOutcome, CounterError>;
    /// Gives back what `reservation` took (upstream failed). Idempotent.
    async fn rollback(&self, reservation: &Reservation) -> Result<(), CounterError>;
    /// How many gateway workers share these counters (at least 1). The `local` fallback divides each
    /// limit by it while the shared store is unreachable, so the workers together stay near `max`.
    fn live_workers(&self) -> u32 {
        1
    }
}
