//! Redis dying, freezing and coming back, on private `redis-server`s this file starts and kills:
//! no call waits much past its deadline, the breaker opens, and everything recovers by itself.

use std::time::{Duration, Instant};

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use toolgate_cluster::redis::{BreakerState, RedisCounters, RedisEvents, RedisOptions};
use toolgate_cluster::testing::redis_server::PrivateRedis;
use toolgate_cluster::{
    ChangeEvent, CounterError, CounterKey, Counters, Events, LimitRequest, ReserveOutcome, Scope,
};
use toolgate_domain::{AccountId, GrantId};

/// The most a failing call may take: the brief allows the deadline plus 50 ms; this bound leaves
/// room for a loaded CI machine, and the test prints what it measured.
const FAILING_CALL_BOUND: Duration = Duration::from_millis(200);
const RECOVERY_BOUND: Duration = Duration::from_secs(10);

fn options() -> RedisOptions {
    RedisOptions {
        heartbeat_interval: Duration::from_millis(200),
        reconnect_min_delay: Duration::from_millis(50),
        reconnect_max_delay: Duration::from_millis(500),
        ..RedisOptions::default()
    }
}

fn limit(account: AccountId) -> Vec<LimitRequest> {
    vec![LimitRequest {
        key: CounterKey {
            account,
            scope: Scope::Grant,
            scope_id: "grant-1".to_owned(),
            counter: "calls".to_owned(),
            window_ms: 60_000,
        },
        max: 1_000_000,
        amount: 1,
    }]
}

async fn counters(server: &PrivateRedis, options: RedisOptions) -> RedisCounters {
    match RedisCounters::connect(&server.url(), options).await {
        Ok(counters) => counters,
        Err(error) => panic!("connect counters: {error}"),
    }
}

async fn events(server: &PrivateRedis) -> RedisEvents {
    match RedisEvents::connect(&server.url(), options()).await {
        Ok(events) => events,
        Err(error) => panic!("connect events: {error}"),
    }
}

async fn admitted(counters: &RedisCounters, account: AccountId) {
    match counters.reserve(&limit(account)).await {
        Ok(ReserveOutcome::Admitted(_)) => {}
        other => panic!("expected admitted, got {other:?}"),
    }
}

/// Calls `reserve` every 10 ms for `span`; each must fail within the bound. Returns the slowest.
async fn every_call_fails_fast(counters: &RedisCounters, account: AccountId, span: Duration) -> Duration {
    let mut slowest = Duration::ZERO;
    let until = Instant::now() + span;
    while Instant::now() < until {
        let started = Instant::now();
        let result = counters.reserve(&limit(account)).await;
        let took = started.elapsed();
        assert!(result.is_err(), "reserve succeeded with Redis down: {result:?}");
        assert!(took <= FAILING_CALL_BOUND, "a failing reserve took {took:?}");
        slowest = slowest.max(took);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    slowest
}

/// Retries until a reserve is admitted again; returns how long that took.
async fn recovers(counters: &RedisCounters, account: AccountId) -> Duration {
    let started = Instant::now();
    while started.elapsed() < RECOVERY_BOUND {
        if let Ok(ReserveOutcome::Admitted(_)) = counters.reserve(&limit(account)).await {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "counters did not recover within {RECOVERY_BOUND:?}: {:?}",
        counters.stats()
    );
}

/// The next event `wanted` accepts, skipping others; panics after `within`.
async fn next_event(
    receiver: &mut broadcast::Receiver<ChangeEvent>,
    within: Duration,
    wanted: impl Fn(&ChangeEvent) -> bool,
) -> ChangeEvent {
    let waiting = async {
        loop {
            match receiver.recv().await {
                Ok(event) if wanted(&event) => return event,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => panic!("event stream closed"),
            }
        }
    };
    match tokio::time::timeout(within, waiting).await {
        Ok(event) => event,
        Err(_) => panic!("no matching event within {within:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_redis_fails_calls_fast_and_everything_recovers_when_it_returns() {
    let mut server = PrivateRedis::start().await;
    let counters = counters(&server, options()).await;
    let listener = events(&server).await;
    let publisher = events(&server).await;
    let mut received = listener.subscribe();
    let account = AccountId::new();
    admitted(&counters, account).await;

    server.kill().await;
    let slowest = every_call_fails_fast(&counters, account, Duration::from_secs(3)).await;
    let down = counters.stats();
    assert!(down.breaker_opens >= 1, "the breaker never opened: {down:?}");
    assert!(
        down.rejected > 0,
        "the open breaker failed no call at once: {down:?}"
    );
    assert!(
        down.calls < 100,
        "the breaker let too many calls reach a dead Redis: {down:?}"
    );
    assert!(counters.live_workers() >= 1);
    let started = Instant::now();
    let published = publisher.publish(ChangeEvent::Resync).await;
    let publish_took = started.elapsed();
    assert!(published.is_err(), "publish succeeded with Redis down");
    assert!(
        publish_took <= FAILING_CALL_BOUND,
        "a failing publish took {publish_took:?}"
    );
    println!("redis killed: slowest failing reserve {slowest:?}, failing publish {publish_took:?}, {down:?}");

    server.restart().await;
    let recovery = recovers(&counters, account).await;
    assert_eq!(counters.stats().breaker, BreakerState::Closed);
    println!("counters recovered {recovery:?} after the restart");

    next_event(&mut received, RECOVERY_BOUND, |event| {
        *event == ChangeEvent::Resync
    })
    .await;
    let grant = ChangeEvent::GrantChanged {
        account,
        grant: GrantId::new(),
    };
    // The publisher's connection reconnects on first use; give it a few tries.
    let started = Instant::now();
    while publisher.publish(grant.clone()).await.is_err() {
        assert!(started.elapsed() < RECOVERY_BOUND, "publishing did not recover");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = next_event(&mut received, Duration::from_secs(2), |event| *event == grant).await;
    assert_eq!(delivered, grant, "the listener re-subscribed");
}

/// A frozen Redis (SIGSTOP: connections open, nothing answered) costs each call its deadline at
/// most, then the breaker fails them at once; after SIGCONT it recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_redis_times_out_within_the_deadline() {
    let server = PrivateRedis::start().await;
    let counters = counters(&server, options()).await;
    let listener = pinged_events(&server).await;
    let mut received = listener.subscribe();
    let account = AccountId::new();
    admitted(&counters, account).await;
    let pid = server.pid().expect("running").to_string();

    signal("-STOP", &pid).await;
    let first = counters.reserve(&limit(account)).await;
    assert!(matches!(first, Err(CounterError::Timeout)), "{first:?}");
    let slowest = every_call_fails_fast(&counters, account, Duration::from_secs(2)).await;
    let frozen = counters.stats();
    assert!(frozen.timeouts >= 3 && frozen.breaker_opens >= 1, "{frozen:?}");
    println!("redis frozen: slowest failing reserve {slowest:?}, {frozen:?}");

    signal("-CONT", &pid).await;
    let recovery = recovers(&counters, account).await;
    println!("counters recovered {recovery:?} after SIGCONT");
    // The subscription's pings went unanswered: it was replaced, and listeners were told to resync.
    next_event(&mut received, RECOVERY_BOUND, |event| {
        *event == ChangeEvent::Resync
    })
    .await;
}

async fn pinged_events(server: &PrivateRedis) -> RedisEvents {
    let options = RedisOptions {
        subscription_ping_interval: Duration::from_millis(50),
        ..options()
    };
    match RedisEvents::connect(&server.url(), options).await {
        Ok(events) => events,
        Err(error) => panic!("connect events: {error}"),
    }
}

/// Pings on a healthy subscription are answered: it stays up (no resync) and keeps delivering.
#[tokio::test]
async fn a_pinged_idle_subscription_stays_up() {
    let server = PrivateRedis::start().await;
    let listener = pinged_events(&server).await;
    let publisher = events(&server).await;
    let mut received = listener.subscribe();
    tokio::time::sleep(Duration::from_millis(500)).await; // about ten pings
    let event = ChangeEvent::GrantChanged {
        account: AccountId::new(),
        grant: GrantId::new(),
    };
    publisher.publish(event.clone()).await.expect("publish");
    let first = next_event(&mut received, Duration::from_secs(2), |_| true).await;
    assert_eq!(first, event, "delivered, with no resync before it");
}

async fn signal(which: &str, pid: &str) {
    let status = tokio::process::Command::new("kill")
        .args([which, pid])
        .status()
        .await;
    assert!(
        matches!(status, Ok(status) if status.success()),
        "kill {which} {pid}: {status:?}"
    );
}

#[tokio::test]
async fn connecting_to_a_dead_redis_fails_within_the_connect_timeout() {
    let mut server = PrivateRedis::start().await;
    server.kill().await;
    let started = Instant::now();
    assert!(RedisCounters::connect(&server.url(), options()).await.is_err());
    assert!(RedisEvents::connect(&server.url(), options()).await.is_err());
    let bound = options().connect_timeout * 2 + Duration::from_millis(400);
    assert!(
        started.elapsed() <= bound,
        "connecting took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn live_workers_counts_the_instances_that_beat_recently() {
    let server = PrivateRedis::start().await;
    let first = counters(&server, options()).await;
    assert_eq!(first.live_workers(), 1);
    let second = counters(&server, options()).await;
    assert_eq!(second.live_workers(), 2, "the beat inside connect counts at once");
    eventually(|| first.live_workers() == 2, "the first instance sees the second").await;

    drop(second);
    // Three heartbeat intervals (600 ms) without a beat: the second is forgotten.
    eventually(|| first.live_workers() == 1, "the dropped instance is forgotten").await;
    assert!(first.stats().heartbeats >= 3);
}

async fn eventually(condition: impl Fn() -> bool, what: &str) {
    let started = Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "not within 5 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
