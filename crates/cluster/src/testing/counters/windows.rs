//! Exact maxima, rolling windows and the waits a refusal reports.

use super::support::{Keys, admit_times, assert_wait, limit, refuse};
use crate::testing::CounterHarness;

/// `max` calls fit, the next is refused until the window has passed since the oldest, and then the
/// whole max fits again.
pub async fn admits_exactly_max_then_refuses(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let calls = [limit(&keys.key("calls", 800), 5, 1)];

    admit_times(harness, &calls, 5).await;
    for _ in 0..3 {
        let wait = refuse(harness, &calls, 0).await;
        assert_wait(harness, wait, 800);
    }

    harness.time.pass(800).await;
    admit_times(harness, &calls, 5).await;
    refuse(harness, &calls, 0).await;
}

/// The wait is until enough of the oldest charges expire for this call's amount, not a fixed window.
pub async fn retry_after_counts_only_what_must_expire(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let key = keys.key("calls", 1_000);

    admit_times(harness, &[limit(&key, 4, 1)], 2).await;
    harness.time.pass(500).await;
    admit_times(harness, &[limit(&key, 4, 1)], 2).await;

    // One unit: the first pair's expiry (500 from now) is enough.
    let wait = refuse(harness, &[limit(&key, 4, 1)], 0).await;
    assert_wait(harness, wait, 500);
    // Three units: the second pair must expire too (1000 from now).
    let wait = refuse(harness, &[limit(&key, 4, 3)], 0).await;
    assert_wait(harness, wait, 1_000);
    // More than the max never fits: the answer is one window, exactly.
    let wait = refuse(harness, &[limit(&key, 4, 5)], 0).await;
    assert_eq!(wait, 1_000, "an amount above the max waits one window");
}

/// After a partial expiry only the expired share frees up (a fixed-bucket counter would reset it all).
pub async fn window_rolls_instead_of_resetting(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let calls = [limit(&keys.key("calls", 1_000), 4, 1)];

    admit_times(harness, &calls, 2).await; // t = 0
    harness.time.pass(500).await;
    admit_times(harness, &calls, 2).await; // t = 500, now full
    refuse(harness, &calls, 0).await;

    harness.time.pass(600).await; // t = 1100: the pair at 0 expired, the pair at 500 did not
    admit_times(harness, &calls, 2).await;
    let wait = refuse(harness, &calls, 0).await;
    assert_wait(harness, wait, 400);

    harness.time.pass(400).await; // t = 1500: the pair at 500 expired, the pair at 1100 did not
    admit_times(harness, &calls, 2).await;
    refuse(harness, &calls, 0).await;
}
