//! What one `MemoryCounters::reserve` of a typical call (an all-tools limit and a tool limit) costs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use toolgate_cluster::{CounterKey, Counters, LimitRequest, MemoryCounters, ReserveOutcome, Scope};
use toolgate_domain::AccountId;

fn limit(account: AccountId, counter: &str, window_ms: u64, max: u64) -> LimitRequest {
    LimitRequest {
        key: CounterKey {
            account,
            scope: Scope::Grant,
            scope_id: "grant-1".to_owned(),
            counter: counter.to_owned(),
            window_ms,
        },
        max,
        amount: 1,
    }
}

fn reserve(criterion: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let counters = MemoryCounters::new();
    let account = AccountId::new();
    // A large max (sub-window buckets) that always has room.
    let exact = [
        limit(account, "all_calls", 1_000, 1 << 40),
        limit(account, "tool_calls", 1_000, 1 << 40),
    ];
    // Exact log, always room: 1 ms window, so every call prunes the previous charge.
    let log = [
        limit(account, "log_all", 1, 10_000),
        limit(account, "log_tool", 1, 10_000),
    ];
    let small = [
        limit(account, "small_all", 60_000, 10_000),
        limit(account, "small_tool", 60_000, 10_000),
    ];
    let mut group = criterion.benchmark_group("memory_reserve");
    group.bench_function("two_limits_large_max", |bench| {
        bench.iter(|| {
            let outcome = runtime.block_on(counters.reserve(black_box(&exact)));
            assert!(matches!(outcome, Ok(ReserveOutcome::Admitted(_))));
        });
    });
    group.bench_function("two_limits_exact_log", |bench| {
        bench.iter(|| black_box(runtime.block_on(counters.reserve(black_box(&log)))));
    });
    group.bench_function("two_limits_small_max_refused", |bench| {
        bench.iter(|| black_box(runtime.block_on(counters.reserve(black_box(&small)))));
    });
    group.finish();
}

criterion_group!(benches, reserve);
criterion_main!(benches);
