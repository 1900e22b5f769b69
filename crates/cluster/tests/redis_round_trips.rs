//! Exactly one round trip per call, as Redis itself sees it, on a private `redis-server` (nothing
//! else talks to it): MONITOR lists every command a client sent (commands a script runs inside
//! Redis show as `[0 lua]` and are not round trips), and `INFO commandstats` counts EVALSHA calls.

use std::collections::BTreeMap;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use toolgate_cluster::redis::{RedisCounters, RedisOptions};
use toolgate_cluster::testing::redis_server::PrivateRedis;
use toolgate_cluster::{CounterKey, Counters, LimitRequest, ReserveOutcome, Scope};
use toolgate_domain::AccountId;

/// Calls per command name since the server started.
async fn command_calls(admin: &mut MultiplexedConnection) -> BTreeMap<String, u64> {
    let info: String = match redis::cmd("INFO").arg("commandstats").query_async(admin).await {
        Ok(info) => info,
        Err(error) => panic!("INFO commandstats: {error}"),
    };
    info.lines()
        .filter_map(|line| {
            let (name, fields) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = fields.split(',').find_map(|field| field.strip_prefix("calls="))?;
            Some((name.to_owned(), calls.parse().ok()?))
        })
        .collect()
}

/// How many more calls of `name` than before.
fn grown(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>, name: &str) -> u64 {
    after.get(name).copied().unwrap_or(0) - before.get(name).copied().unwrap_or(0)
}

/// A MONITOR connection: every command clients send, in order.
struct Monitor {
    lines: tokio::io::Lines<BufReader<TcpStream>>,
}

impl Monitor {
    async fn start(server: &PrivateRedis) -> Self {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port()))
            .await
            .expect("monitor connect");
        stream.write_all(b"MONITOR\r\n").await.expect("MONITOR");
        let mut lines = BufReader::new(stream).lines();
        let ok = lines.next_line().await.expect("MONITOR reply");
        assert_eq!(ok.as_deref(), Some("+OK"));
        Self { lines }
    }

    /// The names of the commands clients sent since the last call, up to an ECHO of a marker sent
    /// through `admin` (leaving out scripts' inner commands and the admin's own INFO calls).
    async fn client_commands(&mut self, admin: &mut MultiplexedConnection) -> Vec<String> {
        self.sent(admin)
            .await
            .into_iter()
            .map(|(_, command)| command)
            .collect()
    }

    /// Like [`Self::client_commands`], with the address of the client that sent each command.
    async fn sent(&mut self, admin: &mut MultiplexedConnection) -> Vec<(String, String)> {
        let marker = format!("end-{}", AccountId::new());
        let _: String = redis::cmd("ECHO")
            .arg(&marker)
            .query_async(admin)
            .await
            .expect("ECHO");
        let mut commands = Vec::new();
        let reading = async {
            while let Some(line) = self.lines.next_line().await.expect("monitor line") {
                if line.contains(&marker) {
                    return;
                }
                // +1700000000.123456 [0 127.0.0.1:40000] "EVALSHA" "..." ...
                let Some((source, rest)) = line.split_once('[').and_then(|(_, rest)| rest.split_once(']'))
                else {
                    continue;
                };
                let command = rest
                    .trim_start()
                    .split('"')
                    .nth(1)
                    .unwrap_or_default()
                    .to_uppercase();
                if !source.ends_with(" lua") && command != "INFO" {
                    let client = source.split_once(' ').map_or(source, |(_, client)| client);
                    commands.push((client.to_owned(), command));
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(5), reading)
            .await
            .expect("monitor marker");
        commands
    }
}

fn key(account: AccountId, counter: &str) -> CounterKey {
    CounterKey {
        account,
        scope: Scope::Grant,
        scope_id: "grant-1".to_owned(),
        counter: counter.to_owned(),
        window_ms: 60_000,
    }
}

/// A call with 1 to 4 limits, two of them sometimes on one key.
fn call(account: AccountId, round: usize) -> Vec<LimitRequest> {
    let names = ["calls", "budget", "calls", "tokens"];
    names[..=round % names.len()]
        .iter()
        .map(|name| LimitRequest {
            key: key(account, name),
            max: 1_000,
            amount: 1,
        })
        .collect()
}

#[tokio::test]
async fn every_reserve_and_rollback_is_one_evalsha() {
    let server = PrivateRedis::start().await;
    let options = RedisOptions {
        deadline: Duration::from_secs(2),
        // Only the beat inside `connect`: no background EVALSHA during the measurement.
        heartbeat_interval: Duration::from_secs(3_600),
        ..RedisOptions::default()
    };
    let counters = match RedisCounters::connect(&server.url(), options).await {
        Ok(counters) => counters,
        Err(error) => panic!("connect to the private redis: {error}"),
    };
    let mut admin = match redis::Client::open(server.url()) {
        Ok(client) => client
            .get_multiplexed_async_connection()
            .await
            .expect("admin connection"),
        Err(error) => panic!("admin client: {error}"),
    };
    let mut monitor = Monitor::start(&server).await;
    let account = AccountId::new();

    // A fresh server has no scripts: the first reserve and rollback load theirs (as the heartbeat did).
    let warm_up = match counters.reserve(&call(account, 3)).await.expect("reserve") {
        ReserveOutcome::Admitted(reservation) => reservation,
        refused => panic!("warm-up refused: {refused:?}"),
    };
    counters.rollback(&warm_up).await.expect("rollback");
    let reloads = counters.stats().script_reloads;
    assert_eq!(reloads, 3, "heartbeat, reserve and rollback each loaded once");

    monitor.client_commands(&mut admin).await;

    let before = command_calls(&mut admin).await;
    let (mut reserves, mut rollbacks) = (0, 0);
    for round in 0..40 {
        let outcome = counters.reserve(&call(account, round)).await.expect("reserve");
        reserves += 1;
        if let ReserveOutcome::Admitted(reservation) = outcome
            && round % 3 == 0
        {
            counters.rollback(&reservation).await.expect("rollback");
            rollbacks += 1;
        }
    }
    let after = command_calls(&mut admin).await;
    let sent = monitor.client_commands(&mut admin).await;
    let calls = reserves + rollbacks;
    assert_eq!(
        sent,
        vec!["EVALSHA"; calls],
        "{reserves} reserves and {rollbacks} rollbacks"
    );
    assert_eq!(grown(&before, &after, "evalsha"), calls as u64);
    assert_eq!(
        counters.stats().script_reloads,
        reloads,
        "no reload on the normal path"
    );

    // After SCRIPT FLUSH the next call takes two round trips (EVALSHA refused, then EVAL), once.
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query_async(&mut admin)
        .await
        .expect("flush");
    monitor.client_commands(&mut admin).await;
    counters
        .reserve(&call(account, 1))
        .await
        .expect("reserve after flush");
    assert_eq!(monitor.client_commands(&mut admin).await, ["EVALSHA", "EVAL"]);
    assert_eq!(counters.stats().script_reloads, reloads + 1);

    counters.reserve(&call(account, 2)).await.expect("reserve");
    assert_eq!(monitor.client_commands(&mut admin).await, ["EVALSHA"]);
}

/// The client address every EVALSHA in `sent` came from.
fn evalsha_clients(sent: &[(String, String)]) -> Vec<&str> {
    sent.iter()
        .filter(|(_, command)| command == "EVALSHA")
        .map(|(client, _)| client.as_str())
        .collect()
}

/// On a lane (a thread of the server's, `toolgate_cluster::lanes`), calls use a connection of the
/// lane's own, made by the lane on its first call, and count in the same keys as everyone's, one
/// EVALSHA each. When Redis goes away and comes back, the lane's calls recover on a new connection.
#[test]
fn a_lane_gets_a_connection_of_its_own_counts_with_the_others_and_recovers() {
    // The shared connection lives on a runtime that keeps running by itself, as the server's main
    // runtime does; this thread is the lane, with a single-threaded runtime of its own.
    let main = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("main runtime");
    let server = std::sync::Arc::new(tokio::sync::Mutex::new(main.block_on(PrivateRedis::start())));
    let url = main.block_on(async { server.lock().await.url() });
    let options = RedisOptions {
        deadline: Duration::from_secs(2),
        heartbeat_interval: Duration::from_secs(3_600),
        ..RedisOptions::default()
    };
    let counters = std::sync::Arc::new(
        main.block_on(RedisCounters::connect(&url, options))
            .expect("connect to the private redis"),
    );
    let admin_client = redis::Client::open(url.as_str()).expect("admin client");
    // An admin connection (on the main runtime) and a MONITOR (on the lane), made anew after a restart.
    let observe = |lane: &tokio::runtime::Runtime| {
        let admin = main.block_on(async {
            admin_client
                .get_multiplexed_async_connection()
                .await
                .expect("admin connection")
        });
        let monitor = lane.block_on(async { Monitor::start(&*server.lock().await).await });
        (admin, monitor)
    };
    let account = AccountId::new();
    let limit = move |max| {
        vec![LimitRequest {
            key: key(account, "calls"),
            max,
            amount: 1,
        }]
    };
    // A reserve on a worker of the main runtime, a thread that is no lane: the shared connection.
    let shared_reserve = |max| {
        let counters = std::sync::Arc::clone(&counters);
        let limits = limit(max);
        let task = main.spawn(async move { counters.reserve(&limits).await });
        main.block_on(task).expect("reserve task")
    };

    toolgate_cluster::lanes::enter(0);
    let lane = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("lane runtime");
    let (mut admin, mut monitor) = observe(&lane);

    // (A fresh server: this first reserve loads the script, EVALSHA then EVAL.)
    assert!(matches!(shared_reserve(1_000), Ok(ReserveOutcome::Admitted(_))));
    let sent = lane.block_on(monitor.sent(&mut admin));
    assert_eq!(sent.len(), 2, "{sent:?}");
    let shared = sent[0].0.clone();

    // The lane makes a connection of its own on its first call, and keeps using it.
    let max = 1_000;
    lane.block_on(async {
        for _ in 0..4 {
            let outcome = counters.reserve(&limit(max)).await;
            assert!(matches!(outcome, Ok(ReserveOutcome::Admitted(_))), "{outcome:?}");
        }
    });
    let sent = lane.block_on(monitor.sent(&mut admin));
    let clients = evalsha_clients(&sent);
    assert_eq!(clients.len(), 4, "one EVALSHA per call: {sent:?}");
    let own = clients[0].to_owned();
    assert_ne!(own, shared, "the lane uses a connection of its own: {sent:?}");
    assert!(clients.iter().all(|client| *client == own), "{sent:?}");

    // Every charge in one count, whichever connection made it: with room for exactly one more, the
    // shared connection's call is admitted and the lane's next one refused.
    let charged = 1 + 4;
    assert!(matches!(
        shared_reserve(charged + 1),
        Ok(ReserveOutcome::Admitted(_))
    ));
    let refused = lane.block_on(counters.reserve(&limit(charged + 1)));
    assert!(
        matches!(refused, Ok(ReserveOutcome::Exhausted { .. })),
        "{refused:?}"
    );

    // Redis goes away: the lane's call fails; Redis comes back: the lane's calls are admitted again
    // within the same bound as anyone's, and the lane makes a connection of its own again.
    main.block_on(async { server.lock().await.kill().await });
    let failed = lane.block_on(counters.reserve(&limit(1_000)));
    assert!(failed.is_err(), "{failed:?}");
    main.block_on(async { server.lock().await.restart().await });
    lane.block_on(async {
        let until = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(ReserveOutcome::Admitted(_)) = counters.reserve(&limit(1_000)).await {
                break;
            }
            assert!(
                std::time::Instant::now() < until,
                "the lane's calls did not recover within 5 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let (mut admin, mut monitor) = observe(&lane);
    // The shared connection may answer its stale error once before it reconnects (the heartbeat,
    // which would have refreshed it, is slowed down in this test).
    let until = std::time::Instant::now() + Duration::from_secs(5);
    while !matches!(shared_reserve(1_000), Ok(ReserveOutcome::Admitted(_))) {
        assert!(
            std::time::Instant::now() < until,
            "the shared connection did not recover within 5 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let shared = evalsha_clients(&lane.block_on(monitor.sent(&mut admin)))
        .last()
        .map(|client| (*client).to_owned())
        .expect("the shared connection's EVALSHA");
    let outcome = lane.block_on(counters.reserve(&limit(1_000)));
    assert!(matches!(outcome, Ok(ReserveOutcome::Admitted(_))), "{outcome:?}");
    let sent = lane.block_on(monitor.sent(&mut admin));
    let clients = evalsha_clients(&sent);
    assert_eq!(clients.len(), 1, "{sent:?}");
    assert_ne!(clients[0], shared, "the lane is on a connection of its own again");
}
