//! A counter's state hash (the log's `n` and `f`, the buckets' `t` and `o`, its expiry `e`), against
//! the shared Redis under a fresh account: limits on both sides of the bucket threshold sharing one
//! counter always see each other, a rollback keeps `t` the sum of the buckets and `n` the log's,
//! expired buckets are scanned out lazily, a hash without `t` is scanned and counted, and a log
//! whose hash was lost (eviction) is recounted.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use toolgate_domain::AccountId;

use super::keys::{self, CounterKeys};
use super::{RedisCounters, RedisOptions};
use crate::counters::{CounterKey, Counters, LimitRequest, Reservation, ReserveOutcome, Scope};

fn shared_url() -> String {
    std::env::var("TOOLGATE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

async fn connect() -> (RedisCounters, MultiplexedConnection) {
    let url = shared_url();
    let options = RedisOptions {
        deadline: Duration::from_secs(2),
        ..RedisOptions::default()
    };
    let counters = RedisCounters::connect(&url, options)
        .await
        .unwrap_or_else(|error| panic!("the test Redis at {url} is unreachable: {error}"));
    let admin = redis::Client::open(url.as_str())
        .expect("client")
        .get_multiplexed_async_connection()
        .await
        .expect("admin connection");
    (counters, admin)
}

fn key(window_ms: u64) -> CounterKey {
    CounterKey {
        account: AccountId::new(),
        scope: Scope::Grant,
        scope_id: "grant-1".to_owned(),
        counter: "shared".to_owned(),
        window_ms,
    }
}

fn limit(key: &CounterKey, max: u64, amount: u64) -> LimitRequest {
    LimitRequest {
        key: key.clone(),
        max,
        amount,
    }
}

async fn admitted(counters: &RedisCounters, limits: &[LimitRequest]) -> Reservation {
    match counters.reserve(limits).await.expect("reserve") {
        ReserveOutcome::Admitted(reservation) => reservation,
        refused => panic!("expected admitted: {refused:?}"),
    }
}

async fn refused(counters: &RedisCounters, limits: &[LimitRequest]) {
    let outcome = counters.reserve(limits).await.expect("reserve");
    assert!(
        matches!(outcome, ReserveOutcome::Exhausted { .. }),
        "expected refused: {outcome:?}"
    );
}

async fn text_field(admin: &mut MultiplexedConnection, counter: &CounterKeys, name: &str) -> Option<String> {
    redis::cmd("HGET")
        .arg(&counter.state)
        .arg(name)
        .query_async(admin)
        .await
        .expect("HGET")
}

async fn field(admin: &mut MultiplexedConnection, counter: &CounterKeys, name: &str) -> Option<u64> {
    text_field(admin, counter, name).await.map(|text| {
        text.parse()
            .unwrap_or_else(|_| panic!("field {name} is a number: {text}"))
    })
}

async fn ttl_ms(admin: &mut MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(admin)
        .await
        .expect("PTTL")
}

async fn now_ms(admin: &mut MultiplexedConnection) -> u64 {
    let time: (u64, u64) = redis::cmd("TIME").query_async(admin).await.expect("TIME");
    time.0 * 1_000 + time.1 / 1_000
}

async fn delete_keys(admin: &mut MultiplexedConnection, keys: &[&str]) {
    let _: u64 = redis::cmd("DEL").arg(keys).query_async(admin).await.expect("DEL");
}

async fn delete(admin: &mut MultiplexedConnection, counter: &CounterKeys) {
    delete_keys(admin, &[&counter.log, &counter.state]).await;
}

/// Two charges on one counter (`max`, `amounts`), then rollbacks of the first, of the first again
/// (nothing left to give back) and of the second, with `sum` (the running sum of the charges' mode:
/// `t` for buckets, `n` for the log) checked after each step. Returns the counter for more checks.
async fn roll_back_both(
    max: u64,
    amounts: [u64; 2],
    sum: &str,
) -> (RedisCounters, MultiplexedConnection, CounterKey, CounterKeys) {
    let (counters, mut admin) = connect().await;
    let shared = key(60_000);
    let counter = keys::counter_keys(&shared);
    let first = admitted(&counters, &[limit(&shared, max, amounts[0])]).await;
    let second = admitted(&counters, &[limit(&shared, max, amounts[1])]).await;
    assert_eq!(
        field(&mut admin, &counter, sum).await,
        Some(amounts[0] + amounts[1])
    );
    counters.rollback(&first).await.expect("rollback");
    assert_eq!(field(&mut admin, &counter, sum).await, Some(amounts[1]));
    counters.rollback(&first).await.expect("rollback again");
    assert_eq!(field(&mut admin, &counter, sum).await, Some(amounts[1]));
    counters.rollback(&second).await.expect("rollback");
    assert_eq!(field(&mut admin, &counter, sum).await, Some(0));
    (counters, admin, shared, counter)
}

#[tokio::test]
async fn a_log_limit_sees_buckets_charged_on_its_counter_and_back() {
    let (counters, mut admin) = connect().await;
    let shared = key(60_000);
    let counter = keys::counter_keys(&shared);

    // An exact-log charge first: the hash keeps the log's sum and oldest, no bucket yet, an expiry.
    admitted(&counters, &[limit(&shared, 5, 1)]).await;
    let charged_at = field(&mut admin, &counter, "f").await.expect("f");
    assert_eq!(field(&mut admin, &counter, "n").await, Some(1));
    assert_eq!(field(&mut admin, &counter, "t").await, Some(0));
    assert!(now_ms(&mut admin).await >= charged_at);

    // A bucketed charge on the same counter goes to a bucket of the same hash...
    admitted(&counters, &[limit(&shared, 1_000_000, 3)]).await;
    assert_eq!(field(&mut admin, &counter, "t").await, Some(3));
    assert_eq!(field(&mut admin, &counter, "n").await, Some(1));
    let expiry = field(&mut admin, &counter, "e").await.expect("e");
    let ttl = ttl_ms(&mut admin, &counter.state).await;
    assert!(
        ttl > 0 && expiry >= now_ms(&mut admin).await + ttl as u64 - 5,
        "ttl {ttl}"
    );
    // ...and outlives the log, whose TTL is one lifetime from its last charge.
    let log_ttl = ttl_ms(&mut admin, &counter.log).await;
    assert!(log_ttl > 0 && log_ttl <= ttl, "log {log_ttl} ms, hash {ttl} ms");

    // ...so the exact-log limit counts it: 1 + 3 + 1 fits max 5, one more does not.
    admitted(&counters, &[limit(&shared, 5, 1)]).await;
    refused(&counters, &[limit(&shared, 5, 1)]).await;
    // And the bucketed limit counts the log: 5 used, max 20 000 > threshold.
    refused(&counters, &[limit(&shared, 20_000, 19_996)]).await;
    admitted(&counters, &[limit(&shared, 20_000, 19_995)]).await;
    delete(&mut admin, &counter).await;
}

#[tokio::test]
async fn rollback_keeps_the_running_sum_of_the_buckets() {
    let (counters, mut admin, shared, counter) = roll_back_both(1_000_000, [5, 7], "t").await;
    // Nothing counts any more: a max of 10 001 takes all of it.
    admitted(&counters, &[limit(&shared, 10_001, 10_001)]).await;
    delete(&mut admin, &counter).await;
}

#[tokio::test]
async fn expired_buckets_are_scanned_out_once_the_oldest_expires() {
    let (counters, mut admin) = connect().await;
    // 60 buckets of 5 ms in a 300 ms window.
    let shared = key(300);
    let counter = keys::counter_keys(&shared);
    admitted(&counters, &[limit(&shared, 1_000_000, 4)]).await;
    let first_index = field(&mut admin, &counter, "o").await.expect("o");
    tokio::time::sleep(Duration::from_millis(400)).await;
    admitted(&counters, &[limit(&shared, 1_000_000, 2)]).await;
    assert_eq!(field(&mut admin, &counter, "t").await, Some(2));
    let index = field(&mut admin, &counter, "o").await.expect("o");
    assert!(index > first_index);
    assert_eq!(field(&mut admin, &counter, &first_index.to_string()).await, None);
    assert_eq!(field(&mut admin, &counter, &index.to_string()).await, Some(2));
    delete(&mut admin, &counter).await;
}

#[tokio::test]
async fn a_hash_without_its_running_sum_is_scanned_and_counted() {
    let (counters, mut admin) = connect().await;
    let shared = key(60_000);
    let counter = keys::counter_keys(&shared);
    // A hash with a bucket and the log's fields but no running sum `t` (no script writes that; a
    // hash edited by hand, say): the buckets are scanned and counted.
    let index = now_ms(&mut admin).await / 1_000;
    let _: () = redis::cmd("HSET")
        .arg(&counter.state)
        .arg(index)
        .arg(4)
        .arg("n")
        .arg(0)
        .arg("f")
        .arg("-")
        .arg("e")
        .arg(now_ms(&mut admin).await + 61_000)
        .query_async(&mut admin)
        .await
        .expect("HSET");
    let _: u64 = redis::cmd("PEXPIRE")
        .arg(&counter.state)
        .arg(61_000)
        .query_async(&mut admin)
        .await
        .expect("PEXPIRE");
    // The exact-log limit counts the buckets: 4 + 1 fits max 5, 1 more not.
    admitted(&counters, &[limit(&shared, 5, 1)]).await;
    refused(&counters, &[limit(&shared, 5, 1)]).await;
    assert_eq!(field(&mut admin, &counter, "t").await, Some(4));
    admitted(&counters, &[limit(&shared, 1_000_000, 1)]).await;
    assert_eq!(field(&mut admin, &counter, "t").await, Some(5));
    delete(&mut admin, &counter).await;
}

#[tokio::test]
async fn a_log_whose_hash_was_lost_is_recounted() {
    let (counters, mut admin) = connect().await;
    let shared = key(60_000);
    let counter = keys::counter_keys(&shared);
    for _ in 0..3 {
        admitted(&counters, &[limit(&shared, 5, 1)]).await;
    }
    delete_keys(&mut admin, &[&counter.state]).await;
    // The charges are in the log still: 3 + 2 fits max 5, and the hash is written again.
    admitted(&counters, &[limit(&shared, 5, 2)]).await;
    assert_eq!(field(&mut admin, &counter, "n").await, Some(5));
    assert!(ttl_ms(&mut admin, &counter.state).await > 0);
    refused(&counters, &[limit(&shared, 5, 1)]).await;

    // Lost again, and then only refusals: the recount is kept, for as long as the log lives.
    delete_keys(&mut admin, &[&counter.state]).await;
    refused(&counters, &[limit(&shared, 5, 1)]).await;
    assert_eq!(field(&mut admin, &counter, "n").await, Some(5));
    assert_eq!(field(&mut admin, &counter, "t").await, Some(0));
    let (log_ttl, hash_ttl) = (
        ttl_ms(&mut admin, &counter.log).await,
        ttl_ms(&mut admin, &counter.state).await,
    );
    assert!(
        hash_ttl > 0 && hash_ttl <= log_ttl,
        "hash {hash_ttl} ms, log {log_ttl} ms"
    );
    refused(&counters, &[limit(&shared, 5, 1)]).await;
    delete(&mut admin, &counter).await;
}

#[tokio::test]
async fn a_log_rollback_keeps_the_logs_sum() {
    let (counters, mut admin, shared, counter) = roll_back_both(5, [2, 3], "n").await;
    // The log is empty and gone; the hash says so.
    assert_eq!(text_field(&mut admin, &counter, "f").await.as_deref(), Some("-"));
    admitted(&counters, &[limit(&shared, 5, 5)]).await;
    delete(&mut admin, &counter).await;
}
