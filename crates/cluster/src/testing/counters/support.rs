//! Small helpers shared by the behaviours: fresh keys, and calls that must be admitted or refused.

use toolgate_domain::AccountId;

use crate::counters::{CounterKey, LimitRequest, Reservation, ReserveOutcome, Scope};
use crate::testing::CounterHarness;

/// Keys under one fresh account, so parallel tests on a shared store never meet.
pub(super) struct Keys {
    pub(super) account: AccountId,
}

impl Keys {
    pub(super) fn fresh() -> Self {
        Self {
            account: AccountId::new(),
        }
    }

    pub(super) fn key(&self, counter: &str, window_ms: u64) -> CounterKey {
        CounterKey {
            account: self.account,
            scope: Scope::Grant,
            scope_id: "grant-1".to_owned(),
            counter: counter.to_owned(),
            window_ms,
        }
    }
}

pub(super) fn limit(key: &CounterKey, max: u64, amount: u64) -> LimitRequest {
    LimitRequest {
        key: key.clone(),
        max,
        amount,
    }
}

pub(super) async fn reserve(harness: &CounterHarness, limits: &[LimitRequest]) -> ReserveOutcome {
    match harness.counters.reserve(limits).await {
        Ok(outcome) => outcome,
        Err(error) => panic!("reserve failed: {error}"),
    }
}

pub(super) async fn admit(harness: &CounterHarness, limits: &[LimitRequest]) -> Reservation {
    match reserve(harness, limits).await {
        ReserveOutcome::Admitted(reservation) => reservation,
        refused => panic!("expected admitted for {limits:?}, got {refused:?}"),
    }
}

pub(super) async fn admit_times(harness: &CounterHarness, limits: &[LimitRequest], times: usize) {
    for _ in 0..times {
        admit(harness, limits).await;
    }
}

/// Asserts the call is refused by the limit at `index`; returns its `retry_after_ms`.
pub(super) async fn refuse(harness: &CounterHarness, limits: &[LimitRequest], index: usize) -> u64 {
    match reserve(harness, limits).await {
        ReserveOutcome::Exhausted {
            index: refused_by,
            retry_after_ms,
        } => {
            assert_eq!(refused_by, index, "refused by the wrong limit of {limits:?}");
            retry_after_ms
        }
        ReserveOutcome::Admitted(reservation) => {
            panic!("expected refused for {limits:?}, got {reservation:?}")
        }
    }
}

/// Asserts a time-derived wait: exact under a manual clock; under a real clock the store's time may
/// have run up to the tolerance further (a shorter wait), or a millisecond of rounding either way.
pub(super) fn assert_wait(harness: &CounterHarness, actual_ms: u64, expected_ms: u64) {
    let tolerance = harness.time.tolerance_ms();
    let rounding = if tolerance == 0 { 0 } else { 2 };
    let lowest = expected_ms.saturating_sub(tolerance + rounding);
    let highest = expected_ms + rounding;
    assert!(
        (lowest..=highest).contains(&actual_ms),
        "retry_after_ms {actual_ms} not within {lowest}..={highest} (expected {expected_ms})"
    );
}

pub(super) async fn rollback(harness: &CounterHarness, reservation: &Reservation) {
    if let Err(error) = harness.counters.rollback(reservation).await {
        panic!("rollback failed: {error}");
    }
}
