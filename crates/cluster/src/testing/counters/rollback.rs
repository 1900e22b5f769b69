//! Giving back what a reservation took when the upstream call failed.

use crate::counters::Reservation;
use crate::testing::CounterHarness;

use super::support::{Keys, admit, limit, refuse, rollback};

/// Rollback frees exactly that reservation's entries on every key, is idempotent, and accepts a
/// reservation the store never saw.
pub async fn rollback_frees_exactly_its_reservation(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let calls = keys.key("calls", 1_000);
    let budget = keys.key("budget", 1_000);

    let first = admit(harness, &[limit(&calls, 2, 1), limit(&budget, 10, 4)]).await;
    admit(harness, &[limit(&calls, 2, 1)]).await;
    refuse(harness, &[limit(&calls, 2, 1)], 0).await;

    rollback(harness, &first).await;
    admit(harness, &[limit(&calls, 2, 1)]).await; // the room `first` took on `calls`
    admit(harness, &[limit(&budget, 10, 10)]).await; // and all of it on `budget`

    // Twice: nothing more is freed (the other reservations stay).
    rollback(harness, &first).await;
    refuse(harness, &[limit(&calls, 2, 1)], 0).await;
    refuse(harness, &[limit(&budget, 10, 1)], 0).await;

    // Both entries of one key named twice in a call go.
    let twice = keys.key("twice", 1_000);
    let reservation = admit(harness, &[limit(&twice, 4, 2), limit(&twice, 4, 2)]).await;
    refuse(harness, &[limit(&twice, 4, 1)], 0).await;
    rollback(harness, &reservation).await;
    admit(harness, &[limit(&twice, 4, 4)]).await;

    // Unknown reservations (never made, or made elsewhere) are fine.
    let unknown = Reservation {
        id: rand::random(),
        entries: first.entries.clone(),
    };
    rollback(harness, &unknown).await;
    rollback(
        harness,
        &Reservation {
            id: rand::random(),
            entries: Vec::new(),
        },
    )
    .await;
    refuse(harness, &[limit(&calls, 2, 1)], 0).await;
}
