//! Many simultaneous calls on one limit: exactly `max` get through, never one more.

use std::sync::Arc;

use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::support::{Keys, admit, limit, refuse};
use crate::counters::{LimitRequest, ReserveOutcome};
use crate::testing::CounterHarness;

const TASKS: usize = 200;

/// Runs `calls(task)` from TASKS spawned tasks released together; returns how many were admitted.
async fn admitted_of_concurrent(
    harness: &CounterHarness,
    calls: impl Fn(usize) -> Vec<LimitRequest>,
) -> usize {
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        let counters = Arc::clone(&harness.counters);
        let barrier = Arc::clone(&barrier);
        let limits = calls(task);
        tasks.spawn(async move {
            barrier.wait().await;
            counters.reserve(&limits).await
        });
    }
    let mut admitted = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(ReserveOutcome::Admitted(_))) => admitted += 1,
            Ok(Ok(ReserveOutcome::Exhausted { .. })) => {}
            Ok(Err(error)) => panic!("reserve failed: {error}"),
            Err(error) => panic!("task failed: {error}"),
        }
    }
    admitted
}

pub async fn concurrent_calls_admit_exactly_max(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let calls = keys.key("calls", 1_500);
    let admitted = admitted_of_concurrent(harness, |_| vec![limit(&calls, 10, 1)]).await;
    assert_eq!(admitted, 10);
    refuse(harness, &[limit(&calls, 10, 1)], 0).await;
}

/// Half the calls list the limits in the other order, so a store that locks per key in request order
/// would deadlock or over-admit here.
pub async fn concurrent_calls_with_two_limits_admit_exactly_max(harness: &CounterHarness) {
    let keys = Keys::fresh();
    let tool = keys.key("tool", 1_500);
    let all = keys.key("all", 1_500);
    let admitted = admitted_of_concurrent(harness, |task| {
        if task % 2 == 0 {
            vec![limit(&tool, 10, 1), limit(&all, 15, 1)]
        } else {
            vec![limit(&all, 15, 1), limit(&tool, 10, 1)]
        }
    })
    .await;
    assert_eq!(admitted, 10);
    // `all` was charged exactly once per admitted call: 5 more fit, then none.
    admit(harness, &[limit(&all, 15, 5)]).await;
    refuse(harness, &[limit(&all, 15, 1)], 0).await;
    refuse(harness, &[limit(&tool, 10, 1)], 0).await;
}
