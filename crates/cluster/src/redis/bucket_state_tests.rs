//! The bucket hash's running state (`t`, `o`, `e`) and the total's `<until>` promise, against the
//! shared Redis under a fresh account: limits on both sides of the bucket threshold sharing one
//! counter always see each other, a rollback keeps `t` the sum of the buckets, expired buckets are
//! scanned out lazily, and a hash written by the previous script (no `t`) still counts.

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

async fn field(admin: &mut MultiplexedConnection, counter: &CounterKeys, name: &str) -> Option<u64> {
    redis::cmd("HGET")
        .arg(&counter.buckets)
        .arg(name)
        .query_async(admin)
        .await
        .expect("HGET")
}

async fn total(admin: &mut MultiplexedConnection, counter: &CounterKeys) -> Option<String> {
    redis::cmd("GET")
        .arg(&counter.total)
        .query_async(admin)
        .await
        .expect("GET")
}

async fn now_ms(admin: &mut MultiplexedConnection) -> u64 {
    let time: (u64, u64) = redis::cmd("TIME").query_async(admin).await.expect("TIME");
    time.0 * 1_000 + time.1 / 1_000
}

async fn delete(admin: &mut MultiplexedConnection, counter: &CounterKeys) {
    let _: u64 = redis::cmd("DEL")
        .arg(&counter.log)
        .arg(&counter.total)
        .arg(&counter.buckets)
        .query_async(admin)
        .await
        .expect("DEL");
}

#[tokio::test]
async fn a_log_limit_sees_buckets_charged_on_its_counter_and_back() {
    let (counters, mut admin) = connect().await;
    let shared = key(60_000);
    let counter = keys::counter_keys(&shared);

    // An exact-log charge first: the total says no hash can exist (`<until>` 0).
    admitted(&counters, &[limit(&shared, 5, 1)]).await;
    let promise = total(&mut admin, &counter).await.expect("total");
    assert!(promise.starts_with("1:") && promise.ends_with(":0"), "{promise}");
    assert_eq!(field(&mut admin, &counter, "t").await, None);

    // A bucketed charge on the same counter raises the promise to the hash's expiry...
    admitted(&counters, &[limit(&shared, 1_000_000, 3)]).await;
    assert_eq!(field(&mut admin, &counter, "t").await, Some(3));
    let expiry = field(&mut admin, &counter, "e").await.expect("e");
    let promise = total(&mut admin, &counter).await.expect("total");
    assert!(promise.ends_with(&format!(":{expiry}")), "{promise} vs {expiry}");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&counter.buckets)
        .query_async(&mut admin)
        .await
        .expect("PTTL");
    assert!(
        ttl > 0 && expiry >= now_ms(&mut admin).await + ttl as u64 - 5,
        "ttl {ttl}"
    );

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
    let (counters, mut admin) = connect().await;
    let shared = key(60_000);
    let counter = keys::counter_keys(&shared);
    let first = admitted(&counters, &[limit(&shared, 1_000_000, 5)]).await;
    let second = admitted(&counters, &[limit(&shared, 1_000_000, 7)]).await;
    assert_eq!(field(&mut admin, &counter, "t").await, Some(12));
    counters.rollback(&first).await.expect("rollback");
    assert_eq!(field(&mut admin, &counter, "t").await, Some(7));
    counters.rollback(&first).await.expect("rollback again");
    assert_eq!(field(&mut admin, &counter, "t").await, Some(7));
    counters.rollback(&second).await.expect("rollback");
    assert_eq!(field(&mut admin, &counter, "t").await, Some(0));
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
async fn a_hash_without_running_state_is_scanned_and_counted() {
    let (counters, mut admin) = connect().await;
    let shared = key(60_000);
    let counter = keys::counter_keys(&shared);
    // As the previous script left it: one bucket field, no `t`, `o` or `e`; a total without `<until>`.
    let index = now_ms(&mut admin).await / 1_000;
    let _: () = redis::cmd("HSET")
        .arg(&counter.buckets)
        .arg(index)
        .arg(4)
        .query_async(&mut admin)
        .await
        .expect("HSET");
    let _: () = redis::cmd("SET")
        .arg(&counter.total)
        .arg(format!("0:{}", now_ms(&mut admin).await))
        .arg("PX")
        .arg(61_000)
        .query_async(&mut admin)
        .await
        .expect("SET");
    // The exact-log limit reads the hash (the total promises nothing): 4 + 1 fits max 5, 1 more not.
    admitted(&counters, &[limit(&shared, 5, 1)]).await;
    refused(&counters, &[limit(&shared, 5, 1)]).await;
    assert_eq!(field(&mut admin, &counter, "t").await, Some(4));
    admitted(&counters, &[limit(&shared, 1_000_000, 1)]).await;
    assert_eq!(field(&mut admin, &counter, "t").await, Some(5));
    delete(&mut admin, &counter).await;
}
