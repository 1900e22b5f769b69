//! Deterministic checks of the pure algorithm with an explicit clock.

use super::*;

const WINDOW: u64 = 1_000;

/// The default tuning: every max here is small, so these are exact-log checks.
fn reserve(logs: &mut [WindowLog], requests: &[SlotRequest], reservation: u128, now_ms: u64) -> Decision {
    super::reserve(logs, requests, reservation, now_ms, &Tuning::default())
}

/// Log-only rollback (no entry here was charged to buckets).
fn rollback(log: &mut WindowLog, reservation: u128) {
    super::rollback(log, reservation, WINDOW, &[], &Tuning::default());
}

fn request(slot: usize, max: u64, amount: u64) -> SlotRequest {
    SlotRequest {
        slot,
        window_ms: WINDOW,
        max,
        amount,
    }
}

fn logs(count: usize) -> Vec<WindowLog> {
    vec![WindowLog::default(); count]
}

fn exhausted(index: usize, retry_after_ms: u64) -> Decision {
    Decision::Exhausted {
        index,
        retry_after_ms,
    }
}

#[test]
fn admits_exactly_max_then_waits_for_the_oldest_entry() {
    let mut logs = logs(1);
    for (id, at) in [(1, 100), (2, 200), (3, 300)] {
        assert_eq!(
            reserve(&mut logs, &[request(0, 3, 1)], id, at),
            Decision::Admitted
        );
    }
    // The oldest entry (t=100) frees the room at 100 + 1000.
    assert_eq!(reserve(&mut logs, &[request(0, 3, 1)], 4, 400), exhausted(0, 700));
    assert_eq!(logs[0].used(), 3, "a refusal charges nothing");
}

#[test]
fn an_entry_at_t_is_live_until_just_before_t_plus_window() {
    let mut logs = logs(1);
    assert_eq!(
        reserve(&mut logs, &[request(0, 1, 1)], 1, 5_000),
        Decision::Admitted
    );
    assert_eq!(reserve(&mut logs, &[request(0, 1, 1)], 2, 5_999), exhausted(0, 1));
    assert_eq!(
        reserve(&mut logs, &[request(0, 1, 1)], 3, 6_000),
        Decision::Admitted
    );
    assert_eq!(logs[0].len(), 1, "the expired entry was pruned");
}

#[test]
fn retry_waits_until_enough_of_the_oldest_entries_expire() {
    let mut logs = logs(1);
    // amounts 2 @0, 3 @100, 4 @200 => used 9 of 10
    for (id, at, amount) in [(1, 0, 2), (2, 100, 3), (3, 200, 4)] {
        assert_eq!(
            reserve(&mut logs, &[request(0, 10, amount)], id, at),
            Decision::Admitted
        );
    }
    assert_eq!(
        reserve(&mut logs, &[request(0, 10, 1)], 9, 300),
        Decision::Admitted
    ); // 10 of 10
    // Needs 1: the entry @0 (2) suffices => 1000 - 300.
    assert_eq!(
        reserve(&mut logs, &[request(0, 10, 1)], 9, 300),
        exhausted(0, 700)
    );
    // Needs 5 freed: 2 @0 then 3 @100 => expires at 1100.
    assert_eq!(
        reserve(&mut logs, &[request(0, 10, 5)], 9, 300),
        exhausted(0, 800)
    );
    // Needs 10: everything, the last @300 => 1300.
    assert_eq!(
        reserve(&mut logs, &[request(0, 10, 10)], 9, 300),
        exhausted(0, 1_000)
    );
}

#[test]
fn entries_at_one_time_expire_together() {
    let mut logs = logs(1);
    assert_eq!(reserve(&mut logs, &[request(0, 4, 2)], 1, 0), Decision::Admitted);
    assert_eq!(reserve(&mut logs, &[request(0, 4, 2)], 2, 0), Decision::Admitted);
    assert_eq!(reserve(&mut logs, &[request(0, 4, 4)], 3, 10), exhausted(0, 990));
}

#[test]
fn rolling_window_frees_only_the_expired_share() {
    let mut logs = logs(1);
    for (id, at) in [(1, 0), (2, 0), (3, 500), (4, 500)] {
        assert_eq!(
            reserve(&mut logs, &[request(0, 4, 1)], id, at),
            Decision::Admitted
        );
    }
    // At 1100 the two @0 have expired, the two @500 have not: exactly two fit.
    assert_eq!(
        reserve(&mut logs, &[request(0, 4, 1)], 5, 1_100),
        Decision::Admitted
    );
    assert_eq!(
        reserve(&mut logs, &[request(0, 4, 1)], 6, 1_100),
        Decision::Admitted
    );
    assert_eq!(
        reserve(&mut logs, &[request(0, 4, 1)], 7, 1_100),
        exhausted(0, 400)
    );
}

#[test]
fn amount_above_max_never_fits_and_waits_a_window() {
    let mut logs = logs(1);
    assert_eq!(
        reserve(&mut logs, &[request(0, 3, 4)], 1, 0),
        exhausted(0, WINDOW)
    );
    assert_eq!(
        reserve(&mut logs, &[request(0, 0, 1)], 2, 0),
        exhausted(0, WINDOW)
    );
    assert!(logs[0].is_empty());
}

#[test]
fn amount_zero_is_admitted_without_charging_even_when_over_the_max() {
    let mut logs = logs(1);
    assert_eq!(reserve(&mut logs, &[request(0, 5, 5)], 1, 0), Decision::Admitted);
    // Max lowered to 2 while 5 are live: a zero amount still passes and adds no entry.
    assert_eq!(reserve(&mut logs, &[request(0, 2, 0)], 2, 10), Decision::Admitted);
    assert_eq!(reserve(&mut logs, &[request(0, 0, 0)], 3, 10), Decision::Admitted);
    assert_eq!(logs[0].len(), 1);
}

#[test]
fn all_or_nothing_reports_the_first_exhausted_limit_in_request_order() {
    let mut logs = logs(2);
    assert_eq!(reserve(&mut logs, &[request(1, 1, 1)], 1, 0), Decision::Admitted);
    // Slot 0 has room, slot 1 does not: nothing is charged, index 1 reported.
    assert_eq!(
        reserve(&mut logs, &[request(0, 5, 1), request(1, 1, 1)], 2, 100),
        exhausted(1, 900)
    );
    assert!(logs[0].is_empty(), "the limit with room was not charged");
    // Both full: the first in request order is reported.
    assert_eq!(
        reserve(&mut logs, &[request(0, 0, 1), request(1, 1, 1)], 3, 100),
        exhausted(0, WINDOW)
    );
}

#[test]
fn two_requests_on_one_key_need_room_for_their_sum() {
    let mut logs = logs(1);
    assert_eq!(
        reserve(&mut logs, &[request(0, 5, 3), request(0, 5, 3)], 1, 0),
        exhausted(0, WINDOW)
    );
    assert_eq!(
        reserve(&mut logs, &[request(0, 6, 3), request(0, 6, 3)], 2, 0),
        Decision::Admitted
    );
    assert_eq!(logs[0].len(), 2, "one entry per request");
    assert_eq!(logs[0].used(), 6);
}

#[test]
fn each_limit_on_a_shared_key_checks_its_own_max() {
    let mut logs = logs(1);
    let call = [request(0, 100, 1), request(0, 2, 1)];
    assert_eq!(reserve(&mut logs, &call, 1, 0), Decision::Admitted);
    // 2 live + 2 demanded: fine for max 100, over max 2 (must free 2: both @0 => 1000).
    assert_eq!(reserve(&mut logs, &call, 2, 1), exhausted(1, 999));
}

#[test]
fn rollback_removes_exactly_that_reservation_and_is_idempotent() {
    let mut logs = logs(1);
    assert_eq!(
        reserve(&mut logs, &[request(0, 9, 2), request(0, 9, 1)], 7, 0),
        Decision::Admitted
    );
    assert_eq!(reserve(&mut logs, &[request(0, 9, 4)], 8, 10), Decision::Admitted);
    rollback(&mut logs[0], 7);
    assert_eq!(logs[0].used(), 4);
    rollback(&mut logs[0], 7);
    rollback(&mut logs[0], 12345);
    assert_eq!(logs[0].used(), 4);
    assert_eq!(
        logs[0]
            .entries()
            .map(|entry| entry.reservation)
            .collect::<Vec<_>>(),
        vec![8]
    );
}

#[test]
fn a_clock_that_steps_back_keeps_the_log_in_time_order() {
    let mut logs = logs(1);
    assert_eq!(
        reserve(&mut logs, &[request(0, 3, 1)], 1, 2_000),
        Decision::Admitted
    );
    assert_eq!(
        reserve(&mut logs, &[request(0, 3, 1)], 2, 1_500),
        Decision::Admitted
    );
    let times: Vec<u64> = logs[0].entries().map(|entry| entry.at_ms).collect();
    assert_eq!(times, vec![1_500, 2_000]);
    // Entries from the "future" still count; the @1500 one expires first.
    assert_eq!(
        reserve(&mut logs, &[request(0, 2, 1)], 3, 1_600),
        exhausted(0, 900)
    );
    assert_eq!(
        reserve(&mut logs, &[request(0, 2, 1)], 4, 2_500),
        Decision::Admitted
    );
}

#[test]
fn small_clock_values_do_not_underflow() {
    let mut logs = logs(1);
    assert_eq!(reserve(&mut logs, &[request(0, 1, 1)], 1, 0), Decision::Admitted);
    assert_eq!(
        reserve(&mut logs, &[request(0, 1, 1)], 2, 0),
        exhausted(0, WINDOW)
    );
    // A window reaching past u64::MAX saturates instead of wrapping.
    let endless = SlotRequest {
        slot: 0,
        window_ms: u64::MAX,
        max: 1,
        amount: 1,
    };
    assert_eq!(reserve(&mut logs, &[endless], 3, 10), exhausted(0, u64::MAX - 10));
}

#[test]
fn plan_gives_one_slot_per_distinct_key_in_first_appearance_order() {
    use crate::counters::{CounterKey, LimitRequest, Scope};
    use toolgate_domain::AccountId;

    let account = AccountId::new();
    let key = |counter: &str| CounterKey {
        account,
        scope: Scope::Grant,
        scope_id: "g".into(),
        counter: counter.into(),
        window_ms: WINDOW,
    };
    let limits = [
        LimitRequest {
            key: key("b"),
            max: 1,
            amount: 1,
        },
        LimitRequest {
            key: key("a"),
            max: 2,
            amount: 0,
        },
        LimitRequest {
            key: key("b"),
            max: 3,
            amount: 2,
        },
    ];
    let plan = Plan::new(&limits);
    assert_eq!(plan.keys, vec![&limits[0].key, &limits[1].key]);
    assert_eq!(
        plan.requests
            .iter()
            .map(|request| request.slot)
            .collect::<Vec<_>>(),
        vec![0, 1, 0]
    );
    let entries = charged_entries(&limits, 42);
    assert_eq!(
        entries.iter().map(|entry| entry.amount).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(entries.iter().all(|entry| entry.at_ms == 42));
}

/// Buckets from max 4, four buckets of 250 ms a window, one pruned entry per call.
const TINY: Tuning = Tuning {
    bucketed_above_max: 3,
    buckets_per_window: 4,
    prune_batch: 1,
};

#[test]
fn a_bucket_counts_until_its_last_millisecond_would_expire() {
    let mut logs = logs(1);
    let tiny = |logs: &mut [WindowLog], id, at| super::reserve(logs, &[request(0, 4, 4)], id, at, &TINY);
    // Charged at 10, in the bucket [0, 250): it counts until 249 + 1000, not 10 + 1000.
    assert_eq!(tiny(&mut logs, 1, 10), Decision::Admitted);
    assert_eq!(logs[0].len(), 0, "no log entry");
    assert_eq!(logs[0].bucket_used(), 4);
    assert_eq!(tiny(&mut logs, 2, 1_010), exhausted(0, 239));
    assert_eq!(tiny(&mut logs, 3, 1_248), exhausted(0, 1));
    assert_eq!(tiny(&mut logs, 4, 1_249), Decision::Admitted);
}

#[test]
fn log_and_buckets_on_one_key_both_count() {
    let mut logs = logs(1);
    // max 3: exact log; max 10: buckets. One counter, two tools.
    assert_eq!(
        super::reserve(&mut logs, &[request(0, 3, 2)], 1, 0, &TINY),
        Decision::Admitted
    );
    assert_eq!(
        super::reserve(&mut logs, &[request(0, 10, 7)], 2, 100, &TINY),
        Decision::Admitted
    );
    assert_eq!(logs[0].live_used(WINDOW, 100), 9);
    // The small limit sees the bucketed charges too; the log entry @0 frees 2 first (at 1000), then
    // the bucket (at 1249).
    assert_eq!(
        super::reserve(&mut logs, &[request(0, 10, 3)], 3, 200, &TINY),
        exhausted(0, 800)
    );
    assert_eq!(
        super::reserve(&mut logs, &[request(0, 10, 4)], 3, 200, &TINY),
        exhausted(0, 1_049)
    );
}

#[test]
fn pruning_is_bounded_and_the_backlog_counts_out() {
    let mut logs = logs(1);
    for at in 0..5 {
        assert_eq!(
            super::reserve(&mut logs, &[request(0, 3, 1)], at.into(), at * 10, &TINY),
            if at < 3 {
                Decision::Admitted
            } else {
                exhausted(0, 1_000 - at * 10)
            }
        );
    }
    // All three expired: one call prunes one, the two left count out as one each.
    assert_eq!(
        super::reserve(&mut logs, &[request(0, 3, 3)], 9, 5_000, &TINY),
        Decision::Admitted
    );
    assert_eq!(logs[0].len(), 3, "two expired left, one new");
    assert_eq!(logs[0].live_used(WINDOW, 5_000), 3);
}

#[test]
fn bucket_rollback_gives_back_once_and_only_for_flagged_entries() {
    let mut logs = logs(1);
    let requests = [request(0, 10, 3)];
    let id = reservation_id(0xabcd << 64, &requests, &TINY);
    assert!(entry_is_bucketed(id, 0));
    assert_eq!(
        super::reserve(&mut logs, &requests, id, 0, &TINY),
        Decision::Admitted
    );
    let entries = [RollbackEntry {
        index: 0,
        at_ms: 0,
        amount: 3,
    }];
    // An id without the flag (a log reservation) takes nothing from the buckets.
    super::rollback(&mut logs[0], id & !1, WINDOW, &entries, &TINY);
    assert_eq!(logs[0].bucket_used(), 3);
    super::rollback(&mut logs[0], id, WINDOW, &entries, &TINY);
    assert_eq!(logs[0].bucket_used(), 0);
    assert_eq!(
        super::reserve(&mut logs, &requests, id + 2, 10, &TINY),
        Decision::Admitted
    );
    super::rollback(&mut logs[0], id, WINDOW, &entries, &TINY);
    assert_eq!(logs[0].bucket_used(), 3, "a second rollback gives nothing");
}
