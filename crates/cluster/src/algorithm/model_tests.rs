//! Randomized comparison of the algorithm with a naive model that keeps every charge forever and
//! recomputes each answer from scratch (brute-force retry search), plus the headline invariant: never
//! more than `max` in any span of `window_ms`.

use proptest::prelude::*;

use super::*;

/// The default tuning: every max here is small, so the algorithm must match the exact model.
fn reserve(logs: &mut [WindowLog], requests: &[SlotRequest], reservation: u128, now_ms: u64) -> Decision {
    super::reserve(logs, requests, reservation, now_ms, &Tuning::default())
}

fn rollback(log: &mut WindowLog, reservation: u128) {
    super::rollback(log, reservation, 0, &[], &Tuning::default());
}

/// Tiny thresholds: buckets from max 4, four buckets a window, one pruned entry per call.
const TINY: Tuning = Tuning {
    bucketed_above_max: 3,
    buckets_per_window: 4,
    prune_batch: 1,
};

/// Per-slot windows, deliberately different.
const WINDOWS: [u64; 3] = [1_000, 1_000, 300];

#[derive(Debug, Clone)]
enum Op {
    Reserve(Vec<(usize, u64, u64)>),
    Advance(u64),
    /// Rolls back the n-th admitted reservation so far (modulo their count).
    Rollback(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop::collection::vec((0..WINDOWS.len(), 0_u64..6, 0_u64..4), 0..4).prop_map(Op::Reserve),
        2 => (0_u64..700).prop_map(Op::Advance),
        1 => any::<usize>().prop_map(Op::Rollback),
    ]
}

struct Charge {
    slot: usize,
    at_ms: u64,
    amount: u64,
    reservation: u128,
}

#[derive(Default)]
struct Model {
    charges: Vec<Charge>,
}

impl Model {
    fn live_at(&self, slot: usize, at_ms: u64) -> u64 {
        self.charges
            .iter()
            .filter(|charge| charge.slot == slot && at_ms < charge.at_ms + WINDOWS[slot])
            .map(|charge| charge.amount)
            .sum()
    }

    fn reserve(&mut self, requests: &[SlotRequest], reservation: u128, now_ms: u64) -> Decision {
        for (index, request) in requests.iter().enumerate() {
            let demand: u64 = requests
                .iter()
                .filter(|other| other.slot == request.slot)
                .map(|other| other.amount)
                .sum();
            if demand == 0 || self.live_at(request.slot, now_ms) + demand <= request.max {
                continue;
            }
            let window = WINDOWS[request.slot];
            let retry_after_ms = if demand > request.max {
                window
            } else {
                (1..=window)
                    .find(|wait| self.live_at(request.slot, now_ms + wait) + demand <= request.max)
                    .unwrap_or(u64::MAX)
            };
            return Decision::Exhausted {
                index,
                retry_after_ms,
            };
        }
        for request in requests.iter().filter(|request| request.amount > 0) {
            self.charges.push(Charge {
                slot: request.slot,
                at_ms: now_ms,
                amount: request.amount,
                reservation,
            });
        }
        Decision::Admitted
    }

    fn rollback(&mut self, reservation: u128) {
        self.charges.retain(|charge| charge.reservation != reservation);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn algorithm_matches_the_naive_model(ops in prop::collection::vec(op(), 1..40)) {
        let mut logs = vec![WindowLog::default(); WINDOWS.len()];
        let mut model = Model::default();
        let mut now_ms = 10_000_u64;
        let mut admitted: Vec<u128> = Vec::new();
        for (step, op) in ops.into_iter().enumerate() {
            match op {
                Op::Advance(by) => now_ms += by,
                Op::Rollback(which) => {
                    if let Some(&reservation) = admitted.get(which % admitted.len().max(1)) {
                        for log in &mut logs {
                            rollback(log, reservation);
                        }
                        model.rollback(reservation);
                    }
                }
                Op::Reserve(limits) => {
                    let requests: Vec<SlotRequest> = limits
                        .iter()
                        .map(|&(slot, max, amount)| {
                            SlotRequest { slot, window_ms: WINDOWS[slot], max, amount }
                        })
                        .collect();
                    let reservation = step as u128;
                    let expected = model.reserve(&requests, reservation, now_ms);
                    let actual = reserve(&mut logs, &requests, reservation, now_ms);
                    prop_assert_eq!(actual, expected, "at {} for {:?}", now_ms, limits);
                    if actual == Decision::Admitted {
                        admitted.push(reservation);
                    }
                }
            }
            for (slot, log) in logs.iter().enumerate() {
                let mut pruned = log.clone();
                pruned.prune(WINDOWS[slot], now_ms, usize::MAX, 1);
                prop_assert_eq!(pruned.live_used(WINDOWS[slot], now_ms), model.live_at(slot, now_ms));
            }
        }
    }

    #[test]
    fn never_more_than_max_in_any_span_of_the_window(
        calls in prop::collection::vec((0_u64..400, 0_u64..4), 1..60),
        max in 0_u64..8,
    ) {
        let window = WINDOWS[0];
        let mut logs = vec![WindowLog::default()];
        let mut now_ms = 0_u64;
        let mut admitted: Vec<(u64, u64)> = Vec::new();
        for (id, (gap, amount)) in calls.into_iter().enumerate() {
            now_ms += gap;
            let request = SlotRequest { slot: 0, window_ms: window, max, amount };
            if reserve(&mut logs, &[request], id as u128, now_ms) == Decision::Admitted && amount > 0 {
                admitted.push((now_ms, amount));
            }
        }
        // The densest spans start at a charge, so checking those covers every span.
        for &(start, _) in &admitted {
            let in_span: u64 = admitted
                .iter()
                .filter(|(at_ms, _)| *at_ms >= start && *at_ms < start + window)
                .map(|(_, amount)| amount)
                .sum();
            prop_assert!(in_span <= max, "{} > {} in span from {}", in_span, max, start);
        }
    }

    /// With buckets, bounded pruning and limits of different maxima on one key (some bucketed, some
    /// not, within one call too): whenever a call is admitted, everything admitted in the window
    /// ending then, its own charge included, fits under each of its maxima.
    #[test]
    fn buckets_and_bounded_pruning_never_admit_more_than_max(
        calls in prop::collection::vec(
            (0_u64..300, prop::collection::vec((0_u64..9, 0_u64..4), 1..3)),
            1..80,
        ),
        rollbacks in prop::collection::vec(any::<bool>(), 80),
    ) {
        let window = WINDOWS[0];
        let mut logs = vec![WindowLog::default()];
        let mut now_ms = 0_u64;
        // (at, amount charged, smallest max of the call)
        let mut admitted: Vec<(u64, u64, u64)> = Vec::new();
        for (step, (gap, limits)) in calls.into_iter().enumerate() {
            now_ms += gap;
            let requests: Vec<SlotRequest> = limits
                .iter()
                .map(|&(max, amount)| SlotRequest { slot: 0, window_ms: window, max, amount })
                .collect();
            let id = reservation_id(rand::random(), &requests, &TINY);
            if super::reserve(&mut logs, &requests, id, now_ms, &TINY) != Decision::Admitted {
                continue;
            }
            let charged: Vec<RollbackEntry> = requests
                .iter()
                .filter(|request| request.amount > 0)
                .enumerate()
                .map(|(index, request)| RollbackEntry { index, at_ms: now_ms, amount: request.amount })
                .collect();
            if rollbacks[step] {
                // Given back twice: idempotent, and it counts as never charged.
                super::rollback(&mut logs[0], id, window, &charged, &TINY);
                super::rollback(&mut logs[0], id, window, &charged, &TINY);
                continue;
            }
            let amount: u64 = charged.iter().map(|entry| entry.amount).sum();
            if amount == 0 {
                continue; // nothing charged, nothing checked
            }
            let smallest_max = requests.iter().map(|request| request.max).min().unwrap_or(0);
            admitted.push((now_ms, amount, smallest_max));
        }
        // Only what was admitted up to that call (later calls in the same millisecond came after).
        for (position, &(at, _, max)) in admitted.iter().enumerate() {
            let in_window: u64 = admitted[..=position]
                .iter()
                .filter(|(other_at, _, _)| *other_at <= at && other_at + window > at)
                .map(|(_, amount, _)| amount)
                .sum();
            prop_assert!(in_window <= max, "{} > {} in the window ending at {}", in_window, max, at);
        }
    }
}
