//! `toolgate migrate`: safe from several processes at once, idempotent, and in step with SQLite.

use std::collections::BTreeSet;
use std::path::Path;

use toolgate_store::Store;

use toolgate_store::test_database::TestDatabase;

/// The versions in a migrations folder (`0001_initial.sql` → 1).
fn versions(backend: &str) -> BTreeSet<i64> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend);
    let entries = std::fs::read_dir(&folder).unwrap_or_else(|error| panic!("{}: {error}", folder.display()));
    entries
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .map(|name| {
            let (version, _) = name.split_once('_').expect("VERSION_name.sql");
            version.parse().expect("a numeric version")
        })
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let postgres = versions("postgres");
    assert!(postgres.contains(&1) && postgres.contains(&2), "{postgres:?}");
    assert_eq!(postgres, versions("sqlite"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_migrations_of_a_fresh_database_all_succeed() {
    let expected: Vec<i64> = versions("postgres").into_iter().collect();
    for _ in 0..3 {
        let database = TestDatabase::create().await;
        // One pool per "process": each migrator runs on its own session, so only the advisory lock
        // keeps them apart.
        let mut stores = Vec::new();
        for _ in 0..4 {
            stores.push(database.connect().await);
        }
        let runs: Vec<_> = stores
            .iter()
            .cloned()
            .map(|store| tokio::spawn(async move { store.migrate().await }))
            .collect();
        for run in runs {
            run.await
                .expect("task")
                .expect("every concurrent migrate succeeds");
        }

        let applied: Vec<(i64, bool)> =
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(stores[0].pool())
                .await
                .expect("migrations table");
        let applied_versions: Vec<i64> = applied.iter().map(|(version, _)| *version).collect();
        assert_eq!(applied_versions, expected, "each migration applied once");
        assert!(applied.iter().all(|(_, success)| *success));

        stores[1]
            .migrate()
            .await
            .expect("migrating again changes nothing");
        toolgate_store::conformance::signup_creates_user_account_and_owner_membership(&stores[2]).await;
        stores[3].ping().await.expect("ping");
    }
}

#[tokio::test]
async fn a_failed_migration_does_not_keep_the_lock() {
    let database = TestDatabase::create().await;
    let first = database.connect().await;
    sqlx::query("CREATE TABLE users (in_the_way integer)")
        .execute(first.pool())
        .await
        .expect("a table in the way");
    assert!(first.migrate().await.is_err(), "0001 cannot create users");

    sqlx::query("DROP TABLE users")
        .execute(first.pool())
        .await
        .expect("drop");
    // Another process: it would wait forever on a lock still held by `first`'s pooled connection.
    let second = database.connect().await;
    let migrated = tokio::time::timeout(std::time::Duration::from_secs(10), second.migrate()).await;
    migrated.expect("the lock was released").expect("migrate");
    first.ping().await.expect("the first pool still works");
}
