//! Amounts above one, all-or-nothing across limits, and what a reservation records.

use super::support::{Keys, admit, admit_times, assert_wait, limit, refuse};
use crate::testing::CounterHarness;

/// `increment_from` amounts count in full; a refused amount leaves room for a smaller one.
pub async fn amounts_count_toward_the_max(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let tokens = keys.key("tokens", 1_000);

    admit(harness, &[limit(&tokens, 10, 4)]).await;
    admit(harness, &[limit(&tokens, 10, 4)]).await;
    let wait = refuse(harness, &[limit(&tokens, 10, 4)], 0).await;
    assert_wait(harness, wait, 1_000); // the first 4 must expire
    admit(harness, &[limit(&tokens, 10, 2)]).await;
    refuse(harness, &[limit(&tokens, 10, 1)], 0).await;

    let fresh = keys.key("fresh", 1_000);
    let wait = refuse(harness, &[limit(&fresh, 10, 11)], 0).await;
    assert_eq!(wait, 1_000, "an amount above the max waits one window");
}

/// A call with one exhausted limit charges none of its limits, and names the first exhausted one.
pub async fn all_or_nothing_across_limits(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let wide = keys.key("wide", 1_000);
    let narrow = keys.key("narrow", 1_000);

    admit(harness, &[limit(&wide, 5, 1), limit(&narrow, 1, 1)]).await;
    refuse(harness, &[limit(&wide, 5, 1), limit(&narrow, 1, 1)], 1).await;
    // The refused call did not charge `wide`: it still has exactly 4.
    admit(harness, &[limit(&wide, 5, 4)]).await;
    refuse(harness, &[limit(&wide, 5, 1)], 0).await;

    // Both exhausted: the first in request order is named.
    refuse(harness, &[limit(&narrow, 1, 1), limit(&wide, 5, 1)], 0).await;

    // A fresh limit before an exhausted one is not charged either.
    let other = keys.key("other", 1_000);
    refuse(harness, &[limit(&other, 1, 1), limit(&narrow, 1, 1)], 1).await;
    admit(harness, &[limit(&other, 1, 1)]).await;
}

/// Refusals add nothing: neither to the count nor to how long the window stays full.
pub async fn denied_calls_consume_nothing(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let calls = keys.key("calls", 800);

    admit(harness, &[limit(&calls, 3, 2)]).await;
    for _ in 0..10 {
        refuse(harness, &[limit(&calls, 3, 2)], 0).await;
    }
    admit(harness, &[limit(&calls, 3, 1)]).await;
    refuse(harness, &[limit(&calls, 3, 1)], 0).await;

    harness.time.pass(800).await;
    admit(harness, &[limit(&calls, 3, 3)]).await;
}

/// One entry per limit with a non-zero amount, in request order, at one time; an amount of 0 is
/// admitted without charging (even on a full counter); an empty call is admitted with no entries.
pub async fn reservation_reports_what_it_charged(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let first = keys.key("first", 1_000);
    let full = keys.key("full", 1_000);
    let last = keys.key("last", 1_000);
    admit(harness, &[limit(&full, 1, 1)]).await;

    let reservation = admit(
        harness,
        &[limit(&first, 5, 2), limit(&full, 1, 0), limit(&last, 5, 1)],
    )
    .await;
    let charged: Vec<_> = reservation
        .entries
        .iter()
        .map(|entry| (entry.key.clone(), entry.amount))
        .collect();
    assert_eq!(charged, vec![(first.clone(), 2), (last.clone(), 1)]);
    assert_eq!(
        reservation.entries[0].at_ms, reservation.entries[1].at_ms,
        "one call, one time"
    );

    let empty = admit(harness, &[]).await;
    assert!(empty.entries.is_empty());
    assert_ne!(empty.id, reservation.id, "every reservation has its own id");

    let zero = admit(harness, &[limit(&full, 1, 0)]).await;
    assert!(zero.entries.is_empty());
    admit_times(harness, &[limit(&first, 5, 3)], 1).await;
    refuse(harness, &[limit(&first, 5, 1)], 0).await;
}
