//! What auditing costs: the part on the request path (building one event and queueing it, as
//! `call::record` does) and the part off it (the batched insert the writer runs, per event, into a
//! SQLite file and, when it answers, into the machine's Postgres: `TOOLGATE_TEST_POSTGRES_URL`, by
//! default `postgres://postgres@127.0.0.1:5432`, in a database of its own dropped afterwards).
//!
//!     cargo bench -p toolgate-gateway --bench audit

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use time::OffsetDateTime;
use toolgate_domain::{AccountId, GrantId, ServerId, Slug};
use toolgate_gateway::audit::{AuditWriter, argument_keys};
use toolgate_store::test_database::TestDatabase;
use toolgate_store::{NewAccount, NewAuditEvent, NewUser, SqliteStore, Store};

const BATCH: usize = 500;

fn event(account_id: AccountId, server_id: ServerId, grant_id: GrantId, arguments: &Value) -> NewAuditEvent {
    NewAuditEvent {
        account_id,
        server_id: Some(server_id),
        grant_id: Some(grant_id),
        session: Some("3f9a0c1d2e4b5a69".to_owned()),
        method: "tools/call".to_owned(),
        tool: Some("tool_042".to_owned()),
        decision: "allowed".to_owned(),
        rule: None,
        reason: None,
        argument_keys: argument_keys(arguments),
        arguments: None,
        upstream_status: Some(200),
        latency_ms: Some(0.12),
        time: OffsetDateTime::now_utc(),
    }
}

async fn bench_account(store: &dyn Store) -> AccountId {
    let (_, account) = store
        .create_user_with_account(
            NewUser {
                email: "bench@example.com".into(),
                password_hash: "$argon2id$v=19$bench".into(),
            },
            NewAccount {
                slug: Slug::parse("bench").expect("slug"),
                name: "Bench".into(),
            },
        )
        .await
        .expect("account");
    account.id
}

/// What the writer spends per batch of [`BATCH`] events (one transaction each), building excluded.
fn insert_batches(
    runtime: &tokio::runtime::Runtime,
    store: &dyn Store,
    make: impl Fn() -> NewAuditEvent,
    iterations: u64,
) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..iterations {
        let batch: Vec<NewAuditEvent> = (0..BATCH).map(|_| make()).collect();
        let started = Instant::now();
        runtime
            .block_on(store.insert_audit_events(batch.into()))
            .expect("insert");
        spent += started.elapsed();
    }
    spent
}

fn audit(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let folder = tempfile::tempdir().expect("temporary folder");
    let store: Arc<dyn Store> = runtime.block_on(async {
        Arc::new(
            SqliteStore::open(&folder.path().join("bench.db"))
                .await
                .expect("sqlite store"),
        )
    });
    let account_id = runtime.block_on(bench_account(store.as_ref()));
    let (server_id, grant_id) = (ServerId::new(), GrantId::new());
    let arguments = json!({"path": "/srv/data/reports/2026/q3-summary.csv", "query": "select 1"});

    let mut group = c.benchmark_group("audit");
    // On the request path: the event as `call::record` builds it, and the non-blocking queueing.
    let writer = runtime.block_on(async { AuditWriter::spawn(store.clone(), 50_000) });
    group.bench_function("request_path_build_and_queue", |b| {
        b.iter(|| writer.record(event(account_id, server_id, grant_id, &arguments)));
    });
    // Off the request path: what the writer does per event (one transaction per batch of 500).
    group.throughput(criterion::Throughput::Elements(BATCH as u64));
    group.bench_function("writer_sqlite_insert_batch_of_500", |b| {
        b.iter_custom(|iterations| {
            let make = || event(account_id, server_id, grant_id, &arguments);
            insert_batches(&runtime, store.as_ref(), make, iterations)
        });
    });
    match runtime.block_on(TestDatabase::try_create()) {
        Ok(database) => {
            let postgres = runtime.block_on(database.migrated_store());
            let account_id = runtime.block_on(bench_account(&postgres));
            group.bench_function("writer_postgres_insert_batch_of_500", |b| {
                b.iter_custom(|iterations| {
                    let make = || event(account_id, server_id, grant_id, &arguments);
                    insert_batches(&runtime, &postgres, make, iterations)
                });
            });
            // Dropping `database` drops the database (WITH (FORCE): the store's connections close).
        }
        Err(why) => eprintln!("writer_postgres_insert_batch_of_500 not measured: {why}"),
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4));
    targets = audit
}
criterion_main!(benches);
