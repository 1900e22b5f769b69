//! What one reserve costs Redis, on a private `redis-server`: `INFO commandstats` time per EVALSHA
//! for 2 000 calls of two limits, exact log (small max) and sub-window buckets (large max, with a
//! 60 s window and with a 600 ms one whose hash holds its ~60 live buckets). The time is
//! printed (`--nocapture`: it depends on the machine); the number of commands a reserve runs inside
//! Redis is held to a bound, so a script change that makes every call do more work fails here.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use toolgate_cluster::redis::{RedisCounters, RedisOptions};
use toolgate_cluster::testing::redis_server::PrivateRedis;
use toolgate_cluster::{CounterKey, Counters, LimitRequest, Scope};
use toolgate_domain::AccountId;

const CALLS: usize = 2_000;

/// Commands run inside scripts (every command but EVALSHA, EVAL and INFO) since the server started.
fn inner_commands(info: &str) -> u64 {
    info.lines()
        .filter_map(|line| line.strip_prefix("cmdstat_"))
        .filter(|line| {
            !["evalsha:", "eval:", "info:"]
                .iter()
                .any(|name| line.starts_with(name))
        })
        .filter_map(|line| {
            line.split([':', ','])
                .find_map(|part| part.strip_prefix("calls="))
        })
        .filter_map(|calls| calls.parse::<u64>().ok())
        .sum()
}

async fn evalsha_usec(admin: &mut MultiplexedConnection) -> (u64, f64, u64) {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(admin)
        .await
        .expect("INFO");
    let inner = inner_commands(&info);
    let line = info
        .lines()
        .find(|line| line.starts_with("cmdstat_evalsha:"))
        .unwrap_or("cmdstat_evalsha:calls=0,usec=0");
    let field = |name: &str| -> f64 {
        line.split([':', ','])
            .find_map(|part| part.strip_prefix(name))
            .and_then(|value| value.parse().ok())
            .unwrap_or(0.0)
    };
    (field("calls=") as u64, field("usec="), inner)
}

/// Redis µs and commands per reserve.
async fn measure(
    counters: &RedisCounters,
    admin: &mut MultiplexedConnection,
    max: u64,
    window_ms: u64,
) -> (f64, f64) {
    let account = AccountId::new();
    let limits: Vec<LimitRequest> = ["all_calls", "tool_calls"]
        .iter()
        .map(|counter| LimitRequest {
            key: CounterKey {
                account,
                scope: Scope::Grant,
                scope_id: "grant-1".to_owned(),
                counter: (*counter).to_owned(),
                window_ms,
            },
            max,
            amount: 1,
        })
        .collect();
    let (calls_before, usec_before, inner_before) = evalsha_usec(admin).await;
    for _ in 0..CALLS {
        counters.reserve(&limits).await.expect("reserve");
    }
    let (calls_after, usec_after, inner_after) = evalsha_usec(admin).await;
    let calls = (calls_after - calls_before) as f64;
    (
        (usec_after - usec_before) / calls,
        (inner_after - inner_before) as f64 / calls,
    )
}

/// Commands inside Redis per reserve of two limits in the steady state, exact log: TIME, then per
/// key HMGET of its state hash, ZADD, HSET of the log's sum, PEXPIRE of the log (9).
const MAX_INNER_COMMANDS_LOG: f64 = 9.1;
/// The same for buckets: TIME, then per key HMGET and HSET of its state hash (5 since 2026-12-04,
/// when the log's total moved into the hash; 7 before). The scan of a hash's buckets runs at most
/// once per bucket width.
const MAX_INNER_COMMANDS_BUCKETS: f64 = 5.1;

#[tokio::test]
async fn redis_work_per_reserve_is_bounded() {
    let server = PrivateRedis::start().await;
    let options = RedisOptions {
        deadline: Duration::from_secs(2),
        heartbeat_interval: Duration::from_secs(3_600),
        ..RedisOptions::default()
    };
    let counters = RedisCounters::connect(&server.url(), options)
        .await
        .expect("connect");
    let mut admin = redis::Client::open(server.url())
        .expect("client")
        .get_multiplexed_async_connection()
        .await
        .expect("admin");
    let exact = measure(&counters, &mut admin, 5_000, 60_000).await;
    let large = measure(&counters, &mut admin, 1_000_000, 60_000).await;
    // A 600 ms window has buckets of 10 ms: the hash holds its full ~60 live buckets, as in a
    // long run, and the new script scans one out every 10 ms (often, for the Lua: a bound).
    let full = measure(&counters, &mut admin, 1_000_000, 600).await;
    println!(
        "per reserve of 2 limits: max 5000 {:.1} µs {:.2} commands, max 1000000 {:.1} µs {:.2} commands, \
         max 1000000 with ~60 live buckets {:.1} µs {:.2} commands",
        exact.0, exact.1, large.0, large.1, full.0, full.1
    );
    for (label, (_, commands), bound) in [
        ("exact log", exact, MAX_INNER_COMMANDS_LOG),
        ("buckets", large, MAX_INNER_COMMANDS_BUCKETS),
    ] {
        assert!(
            commands <= bound,
            "{label}: {commands:.2} commands inside Redis per reserve (at most {bound})"
        );
    }
}
