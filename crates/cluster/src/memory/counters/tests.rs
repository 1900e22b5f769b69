//! What only the in-process store has: an injectable clock, key sweeping, exact times.

use super::*;
use crate::clock::ManualClock;
use crate::counters::{CounterKey, Scope};
use toolgate_domain::AccountId;

const START_MS: u64 = 1_700_000_000_000;

fn counters() -> (MemoryCounters, ManualClock) {
    let clock = ManualClock::new(START_MS);
    (MemoryCounters::with_clock(Arc::new(clock.clone())), clock)
}

fn limit(counter: &str, window_ms: u64, max: u64, amount: u64) -> LimitRequest {
    let key = CounterKey {
        account: AccountId::new(),
        scope: Scope::Grant,
        scope_id: "grant".into(),
        counter: counter.into(),
        window_ms,
    };
    LimitRequest { key, max, amount }
}

fn admitted(outcome: ReserveOutcome) -> Reservation {
    match outcome {
        ReserveOutcome::Admitted(reservation) => reservation,
        other => panic!("expected admitted, got {other:?}"),
    }
}

#[tokio::test]
async fn entries_carry_the_clock_time_and_expire_exactly_at_the_window_edge() {
    let (counters, clock) = counters();
    let calls = limit("calls", 1_000, 1, 1);
    let reservation = admitted(
        counters
            .reserve(std::slice::from_ref(&calls))
            .await
            .expect("reserve"),
    );
    assert_eq!(reservation.entries[0].at_ms, START_MS);
    clock.advance(999);
    let refused = counters
        .reserve(std::slice::from_ref(&calls))
        .await
        .expect("reserve");
    assert_eq!(
        refused,
        ReserveOutcome::Exhausted {
            index: 0,
            retry_after_ms: 1
        }
    );
    clock.advance(1);
    admitted(
        counters
            .reserve(std::slice::from_ref(&calls))
            .await
            .expect("reserve"),
    );
}

#[tokio::test]
async fn refused_and_zero_amount_calls_leave_no_key_behind() {
    let (counters, _clock) = counters();
    let too_big = limit("too_big", 1_000, 1, 2);
    let zero = limit("zero", 1_000, 1, 0);
    counters.reserve(&[too_big]).await.expect("reserve");
    admitted(counters.reserve(&[zero]).await.expect("reserve"));
    assert_eq!(counters.key_count(), 0);
}

#[tokio::test]
async fn rollback_drops_a_key_it_empties() {
    let (counters, _clock) = counters();
    let reservation = admitted(
        counters
            .reserve(&[limit("calls", 1_000, 5, 1)])
            .await
            .expect("reserve"),
    );
    assert_eq!(counters.key_count(), 1);
    counters.rollback(&reservation).await.expect("rollback");
    assert_eq!(counters.key_count(), 0);
}

#[tokio::test]
async fn quiet_keys_are_swept_once_the_interval_passes() {
    let (counters, clock) = counters();
    for index in 0..100 {
        admitted(
            counters
                .reserve(&[limit(&format!("c{index}"), 1_000, 1, 1)])
                .await
                .expect("reserve"),
        );
    }
    let long = limit("long", SWEEP_INTERVAL_MS * 10, 1, 1);
    admitted(
        counters
            .reserve(std::slice::from_ref(&long))
            .await
            .expect("reserve"),
    );
    assert_eq!(counters.key_count(), 101);

    // Expired but not yet due for a sweep: still held.
    clock.advance(1_000);
    counters.reserve(&[]).await.expect("reserve");
    assert_eq!(counters.key_count(), 101);

    // Any call after the interval sweeps; the key whose window is still open stays.
    clock.advance(SWEEP_INTERVAL_MS);
    counters.reserve(&[]).await.expect("reserve");
    assert_eq!(counters.key_count(), 1);
    assert!(matches!(
        counters.reserve(&[long]).await,
        Ok(ReserveOutcome::Exhausted { index: 0, .. })
    ));
}

#[tokio::test]
async fn a_clock_stepping_far_back_does_not_postpone_sweeps_forever() {
    let (counters, clock) = counters();
    admitted(
        counters
            .reserve(&[limit("calls", 10, 1, 1)])
            .await
            .expect("reserve"),
    );
    clock.set(START_MS - 10 * SWEEP_INTERVAL_MS);
    counters.reserve(&[]).await.expect("reserve"); // re-arms the sweep from the new time
    clock.set(START_MS + 100);
    counters.reserve(&[]).await.expect("reserve");
    assert_eq!(counters.key_count(), 0);
}

#[tokio::test]
async fn explicit_sweep_prunes_now() {
    let (counters, clock) = counters();
    admitted(
        counters
            .reserve(&[limit("calls", 10, 1, 1)])
            .await
            .expect("reserve"),
    );
    clock.advance(10);
    counters.sweep();
    assert_eq!(counters.key_count(), 0);
}
