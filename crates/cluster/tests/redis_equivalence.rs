//! The Lua script and the Rust reference give identical answers: random sequences of reserves,
//! rollbacks and pauses run against the shared Redis, and each answer is compared with
//! `algorithm::reserve` run at the Redis time the script reports. Windows are short so charges
//! expire all through the run. The seeds run twice: with the production [`Tuning`] (every max here is
//! small: exact log) and with tiny thresholds that reach buckets, limits of both kinds on one key,
//! bounded pruning with a backlog, and bucket rollbacks within a few hundred calls.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use toolgate_cluster::algorithm::{self, Decision, RollbackEntry, SlotRequest, Tuning, WindowLog};
use toolgate_cluster::redis::{RedisCounters, RedisOptions};
use toolgate_cluster::testing::redis_server::{shared_redis_unreachable, shared_redis_url};
use toolgate_cluster::{CounterKey, Counters, LimitRequest, Reservation, ReserveOutcome, Scope};
use toolgate_domain::AccountId;

const STEPS: usize = 300;
/// Per key; two share a window, one differs (as in the algorithm's own model tests).
const WINDOWS_MS: [u64; 3] = [150, 150, 400];

/// Buckets from max 4, four a window, one pruned member per call.
const TINY: Tuning = Tuning {
    bucketed_above_max: 3,
    buckets_per_window: 4,
    prune_batch: 1,
};

#[derive(Default)]
struct Tally {
    admitted: usize,
    refused: usize,
    rolled_back: usize,
    /// Admitted reservations with at least one entry charged to buckets.
    bucketed: usize,
}

async fn connect(tuning: Tuning) -> RedisCounters {
    let url = shared_redis_url();
    let options = RedisOptions {
        deadline: Duration::from_secs(2),
        ..RedisOptions::default()
    };
    match RedisCounters::connect(&url, options).await {
        Ok(counters) => counters.with_tuning(tuning),
        Err(error) => panic!("{}", shared_redis_unreachable(&url, &error)),
    }
}

fn random_call(rng: &mut StdRng, keys: &[CounterKey]) -> (Vec<LimitRequest>, Vec<SlotRequest>) {
    let count = rng.gen_range(0..=3);
    let mut limits = Vec::with_capacity(count);
    let mut requests = Vec::with_capacity(count);
    for _ in 0..count {
        let slot = rng.gen_range(0..keys.len());
        let (max, amount) = (rng.gen_range(0..6), rng.gen_range(0..4));
        limits.push(LimitRequest {
            key: keys[slot].clone(),
            max,
            amount,
        });
        requests.push(SlotRequest {
            slot,
            window_ms: keys[slot].window_ms,
            max,
            amount,
        });
    }
    (limits, requests)
}

async fn run(seed: u64, tuning: Tuning) {
    let counters = connect(tuning).await;
    let account = AccountId::new();
    let keys: Vec<CounterKey> = WINDOWS_MS
        .iter()
        .enumerate()
        .map(|(index, &window_ms)| CounterKey {
            account,
            scope: Scope::Grant,
            scope_id: "grant-1".to_owned(),
            counter: format!("counter-{index}"),
            window_ms,
        })
        .collect();
    let mut logs = vec![WindowLog::default(); keys.len()];
    let mut reservations: Vec<Reservation> = Vec::new();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tally = Tally::default();

    for step in 0..STEPS {
        match rng.gen_range(0..10) {
            0..=5 => {
                let (limits, requests) = random_call(&mut rng, &keys);
                let (outcome, now_ms) = match counters.reserve_timed(&limits).await {
                    Ok(answer) => answer,
                    Err(error) => panic!("seed {seed} step {step}: reserve failed: {error}"),
                };
                let id = match &outcome {
                    ReserveOutcome::Admitted(reservation) => reservation.id,
                    ReserveOutcome::Exhausted { .. } => rng.r#gen(),
                };
                let expected = algorithm::reserve(&mut logs, &requests, id, now_ms, &tuning);
                let context = format!("seed {seed} step {step} at {now_ms}: {requests:?}");
                match (expected, outcome) {
                    (Decision::Admitted, ReserveOutcome::Admitted(reservation)) => {
                        assert_eq!(
                            reservation.entries,
                            algorithm::charged_entries(&limits, now_ms),
                            "{context}"
                        );
                        tally.admitted += 1;
                        if (0..reservation.entries.len())
                            .any(|index| algorithm::entry_is_bucketed(reservation.id, index))
                        {
                            tally.bucketed += 1;
                        }
                        reservations.push(reservation);
                    }
                    (
                        Decision::Exhausted {
                            index,
                            retry_after_ms,
                        },
                        ReserveOutcome::Exhausted {
                            index: got_index,
                            retry_after_ms: got_retry,
                        },
                    ) => {
                        assert_eq!((got_index, got_retry), (index, retry_after_ms), "{context}");
                        tally.refused += 1;
                    }
                    (expected, got) => panic!("{context}: Rust says {expected:?}, Lua says {got:?}"),
                }
            }
            6..=7 => tokio::time::sleep(Duration::from_millis(rng.gen_range(0..=60))).await,
            _ => {
                if reservations.is_empty() {
                    continue;
                }
                // Any earlier reservation, possibly one already rolled back (idempotence).
                let reservation = &reservations[rng.gen_range(0..reservations.len())];
                if let Err(error) = counters.rollback(reservation).await {
                    panic!("seed {seed} step {step}: rollback failed: {error}");
                }
                for (slot, key) in keys.iter().enumerate() {
                    let on_key: Vec<RollbackEntry> = reservation
                        .entries
                        .iter()
                        .enumerate()
                        .filter(|(_, entry)| entry.key == *key)
                        .map(|(index, entry)| RollbackEntry {
                            index,
                            at_ms: entry.at_ms,
                            amount: entry.amount,
                        })
                        .collect();
                    if !on_key.is_empty() {
                        algorithm::rollback(&mut logs[slot], reservation.id, key.window_ms, &on_key, &tuning);
                    }
                }
                tally.rolled_back += 1;
            }
        }
    }
    assert!(
        tally.admitted > 20 && tally.refused > 20 && tally.rolled_back > 10,
        "seed {seed} exercised too little: {} admitted, {} refused, {} rollbacks",
        tally.admitted,
        tally.refused,
        tally.rolled_back
    );
    if tuning == TINY {
        assert!(
            tally.bucketed > 10,
            "seed {seed}: only {} bucketed",
            tally.bucketed
        );
    } else {
        assert_eq!(tally.bucketed, 0, "seed {seed}: small maxima count exactly");
    }
}

#[tokio::test]
async fn lua_matches_rust_seed_1() {
    run(1, Tuning::default()).await;
}

#[tokio::test]
async fn lua_matches_rust_with_buckets_seed_1() {
    run(1, TINY).await;
}

#[tokio::test]
async fn lua_matches_rust_seed_2() {
    run(2, Tuning::default()).await;
}

#[tokio::test]
async fn lua_matches_rust_with_buckets_seed_2() {
    run(2, TINY).await;
}

#[tokio::test]
async fn lua_matches_rust_seed_3() {
    run(3, Tuning::default()).await;
}

#[tokio::test]
async fn lua_matches_rust_with_buckets_seed_3() {
    run(3, TINY).await;
}

#[tokio::test]
async fn lua_matches_rust_seed_4() {
    run(0x70_6c_67_74, Tuning::default()).await;
}

#[tokio::test]
async fn lua_matches_rust_with_buckets_seed_4() {
    run(0x70_6c_67_74, TINY).await;
}
