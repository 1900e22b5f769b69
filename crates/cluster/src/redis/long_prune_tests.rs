//! The long-prune problem (BENCHMARKS.md finding 5): a key left with 30 000 expired members, as an
//! older version of the script left it after a busy minute, used to cost one call 41 ms inside
//! Redis, past the 25 ms deadline. Now one call prunes at most a batch and still counts exactly.
//! Against the shared Redis, under a fresh account.

use std::time::{Duration, Instant};

use toolgate_domain::AccountId;

use super::keys;
use super::{RedisCounters, RedisOptions};
use crate::algorithm::Tuning;
use crate::counters::{CounterKey, Counters, LimitRequest, ReserveOutcome, Scope};

const EXPIRED_MEMBERS: usize = 30_000;

fn shared_url() -> String {
    std::env::var("TOOLGATE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

fn unreachable(url: &str, error: &dyn std::fmt::Display) -> String {
    format!(
        "the test Redis at {url} is unreachable ({error}); start it with `redis-server --daemonize yes \
         --bind 127.0.0.1 -::1 --port 6379 --save \"\" --appendonly no` or point TOOLGATE_TEST_REDIS_URL at another one"
    )
}

/// Writes `EXPIRED_MEMBERS` charges of 1, all long expired for a 200 ms window, and the state hash
/// that counts them.
async fn fill_expired(connection: &mut redis::aio::MultiplexedConnection, key: &CounterKey) {
    let counter = keys::counter_keys(key);
    let time: (String, String) = redis::cmd("TIME").query_async(connection).await.expect("TIME");
    let now_ms: u64 = time.0.parse::<u64>().expect("seconds") * 1_000;
    for chunk in 0..EXPIRED_MEMBERS / 1_000 {
        let mut zadd = redis::cmd("ZADD");
        zadd.arg(&counter.log);
        for member in chunk * 1_000..(chunk + 1) * 1_000 {
            // Distinct scores, all at least 10 s old.
            zadd.arg(now_ms - 10_000 - member as u64)
                .arg(format!("{:032x}:0:1", member as u128 + 1));
        }
        let _: u64 = zadd.query_async(connection).await.expect("ZADD");
    }
    let oldest = now_ms - 10_000 - (EXPIRED_MEMBERS as u64 - 1);
    let _: () = redis::cmd("HSET")
        .arg(&counter.state)
        .arg("n")
        .arg(EXPIRED_MEMBERS)
        .arg("f")
        .arg(oldest)
        .arg("t")
        .arg(0)
        .arg("e")
        .arg(now_ms + 60_000)
        .query_async(connection)
        .await
        .expect("HSET");
    for key in [&counter.log, &counter.state] {
        let _: u64 = redis::cmd("PEXPIRE")
            .arg(key)
            .arg(60_000)
            .query_async(connection)
            .await
            .expect("PEXPIRE");
    }
}

async fn members(connection: &mut redis::aio::MultiplexedConnection, key: &CounterKey) -> u64 {
    redis::cmd("ZCARD")
        .arg(keys::counter_keys(key).log)
        .query_async(connection)
        .await
        .expect("ZCARD")
}

#[tokio::test]
async fn thirty_thousand_expired_members_cost_one_call_a_bounded_prune() {
    let url = shared_url();
    // The production deadline: the call must fit in it.
    let counters = match RedisCounters::connect(&url, RedisOptions::default()).await {
        Ok(counters) => counters,
        Err(error) => panic!("{}", unreachable(&url, &error)),
    };
    let mut admin = redis::Client::open(url.as_str())
        .expect("client")
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|error| panic!("{}", unreachable(&url, &error)));
    let batch = Tuning::default().prune_batch as u64;
    let account = AccountId::new();
    let key = |counter: &str| CounterKey {
        account,
        scope: Scope::Grant,
        scope_id: "grant-1".to_owned(),
        counter: counter.to_owned(),
        window_ms: 200,
    };

    // An exact-log limit (max 5) and a bucketed one (max 50 000) on two flooded keys.
    let small = key("small");
    let large = key("large");
    fill_expired(&mut admin, &small).await;
    fill_expired(&mut admin, &large).await;
    let call = [
        LimitRequest {
            key: small.clone(),
            max: 5,
            amount: 1,
        },
        LimitRequest {
            key: large.clone(),
            max: 50_000,
            amount: 1,
        },
    ];

    let started = Instant::now();
    let outcome = counters
        .reserve(&call)
        .await
        .expect("reserve within the 25 ms deadline");
    let took = started.elapsed();
    assert!(matches!(outcome, ReserveOutcome::Admitted(_)), "{outcome:?}");
    // The old script took 41 ms here; a bounded prune takes well under a millisecond of Redis time.
    assert!(took < Duration::from_millis(20), "one reserve took {took:?}");
    // At most one batch was pruned from each key (all scores are distinct, so exactly one); the
    // one new member on the exact-log key is its charge.
    assert_eq!(
        members(&mut admin, &small).await,
        EXPIRED_MEMBERS as u64 - batch + 1
    );
    assert_eq!(members(&mut admin, &large).await, EXPIRED_MEMBERS as u64 - batch);

    // The backlog does not count: exactly 5 fit under max 5 while it drains.
    for _ in 0..4 {
        let outcome = counters.reserve(&call[..1]).await.expect("reserve");
        assert!(matches!(outcome, ReserveOutcome::Admitted(_)), "{outcome:?}");
    }
    let refused = counters.reserve(&call[..1]).await.expect("reserve");
    assert!(
        matches!(refused, ReserveOutcome::Exhausted { index: 0, .. }),
        "{refused:?}"
    );
    let _: u64 = redis::cmd("DEL")
        .arg(keys::counter_keys(&small).log)
        .arg(keys::counter_keys(&large).log)
        .query_async(&mut admin)
        .await
        .expect("DEL");
}
