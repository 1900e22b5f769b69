//! The conformance suite and SQLite-specific behaviour, each on a fresh database file.

use std::path::Path;

use tempfile::TempDir;
use toolgate_store::{SqliteStore, Store};

async fn fresh_store() -> (SqliteStore, TempDir) {
    let folder = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&folder.path().join("toolgate.db"))
        .await
        .expect("open");
    (store, folder)
}

toolgate_store::conformance_tests!(fresh_store);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_opens_of_a_fresh_file_all_succeed() {
    for _ in 0..10 {
        let folder = tempfile::tempdir().expect("temporary folder");
        let path = folder.path().join("toolgate.db");
        let opens: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                tokio::spawn(async move { SqliteStore::open(&path).await })
            })
            .collect();
        for open in opens {
            let store = open.await.expect("task").expect("open");
            store.ping().await.expect("ping");
        }
    }
}

#[tokio::test]
async fn reopening_keeps_the_data_and_creates_missing_folders() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("nested").join("data").join("toolgate.db");
    let (user, account) = signup(&open(&path).await, "acme").await;
    let reopened = open(&path).await;
    let found = reopened
        .find_user_by_email("acme@example.com")
        .await
        .expect("find")
        .expect("user");
    assert_eq!(found.id, user.id);
    let memberships = reopened.list_memberships(user.id).await.expect("memberships");
    assert_eq!(memberships[0].account.id, account.id);
}

#[tokio::test]
async fn values_are_stored_as_documented() {
    let (store, _folder) = fresh_store().await;
    let (user, _) = signup(&store, "acme").await;
    let (id, created_at): (String, String) = sqlx::query_as("SELECT id, created_at FROM users")
        .fetch_one(store.pool())
        .await
        .expect("raw row");
    assert_eq!(id, user.id.to_string(), "ids are hyphenated text");
    assert_eq!(
        created_at.len(),
        "2025-01-31T12:00:00.000000Z".len(),
        "{created_at}"
    );
    assert!(created_at.ends_with('Z'), "{created_at}");

    let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .expect("pragma");
    assert_eq!(journal_mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .expect("pragma");
    assert_eq!(foreign_keys, 1);
}

#[tokio::test]
async fn an_in_memory_database_works_through_its_url() {
    // Each open is its own fresh database.
    let store = SqliteStore::open_url("sqlite::memory:").await.expect("open");
    toolgate_store::conformance::servers_are_created_and_found_by_slug_or_id(&store).await;
    let store = SqliteStore::open_url("sqlite::memory:").await.expect("open");
    toolgate_store::conformance::tenants_cannot_see_or_change_each_others_grants(&store).await;
    // Its audit events go through the pool (a file store's have a connection of their own).
    let store = SqliteStore::open_url("sqlite::memory:").await.expect("open");
    toolgate_store::conformance::audit_events_are_stored_whole_and_listed_newest_first(&store).await;
    let store = SqliteStore::open_url("sqlite::memory:").await.expect("open");
    toolgate_store::conformance::a_large_audit_batch_is_written_in_one_go_or_not_at_all(&store).await;
}

/// A user `<name>@example.com` with an account `<name>`.
async fn signup(store: &SqliteStore, name: &str) -> (toolgate_store::User, toolgate_store::Account) {
    store
        .create_user_with_account(
            toolgate_store::NewUser {
                email: format!("{name}@example.com"),
                password_hash: "h".to_owned(),
            },
            toolgate_store::NewAccount {
                slug: toolgate_domain::Slug::parse(name).expect("slug"),
                name: name.to_owned(),
            },
        )
        .await
        .expect("signup")
}

/// Every column of every audit row but the id and account, each as SQLite's `quote()` shows it (which
/// tells text 'x' from a number, a NULL or a blob X'…').
async fn raw_audit_rows(store: &SqliteStore) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT concat_ws(' | ', quote(server_id), quote(grant_id), quote(session), quote(method), \
           quote(tool), quote(decision), quote(rule), quote(reason), quote(argument_keys), quote(arguments), \
           quote(upstream_status), quote(latency_ms), quote(time), quote(time_ms)) \
         FROM audit_events ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .expect("raw audit rows")
}

#[tokio::test]
async fn audit_events_are_stored_alike_through_the_audit_connection_and_the_pool() {
    use toolgate_domain::{GrantId, ServerId};
    let (file, _folder) = fresh_store().await;
    let memory = SqliteStore::open_url("sqlite::memory:").await.expect("open");
    let (server_id, grant_id) = (ServerId::new(), GrantId::new());
    // Nanoseconds and an offset, which the stored text drops (microseconds, UTC).
    let time = time::OffsetDateTime::from_unix_timestamp_nanos(1_796_320_800_123_456_789)
        .expect("time")
        .to_offset(time::UtcOffset::from_hms(2, 0, 0).expect("offset"));
    let mut stored = Vec::new();
    for store in [&file, &memory] {
        let (_, account) = signup(store, "acme").await;
        let full = toolgate_store::NewAuditEvent {
            account_id: account.id,
            server_id: Some(server_id),
            grant_id: Some(grant_id),
            session: Some("session-é".to_owned()),
            method: "tools/call".to_owned(),
            tool: Some("run_shell".to_owned()),
            decision: "denied".to_owned(),
            rule: Some("/tools/run_shell/deny_if/0".to_owned()),
            reason: Some("no \"rm\" here".to_owned()),
            argument_keys: vec!["command".to_owned(), "cwd".to_owned()],
            arguments: Some(serde_json::json!({"command": "rm -rf /", "cwd": "/tmp", "n": [1, 2.5, null]})),
            upstream_status: Some(403),
            latency_ms: Some(12.25),
            time,
        };
        let bare = toolgate_store::NewAuditEvent {
            server_id: None,
            grant_id: None,
            session: None,
            method: "tools/list".to_owned(),
            tool: None,
            decision: "allowed".to_owned(),
            rule: None,
            reason: None,
            argument_keys: Vec::new(),
            arguments: None,
            upstream_status: None,
            latency_ms: None,
            ..full.clone()
        };
        // 102 events: the audit connection writes the first 100 as one multi-row statement, the last
        // two one by one.
        let batch: Vec<_> = (0..51).flat_map(|_| [full.clone(), bare.clone()]).collect();
        store.insert_audit_events(batch.into()).await.expect("insert");
        let accounts: Vec<String> = sqlx::query_scalar("SELECT DISTINCT account_id FROM audit_events")
            .fetch_all(store.pool())
            .await
            .expect("accounts");
        assert_eq!(accounts, [account.id.to_string()]);
        stored.push(raw_audit_rows(store).await);
    }
    assert_eq!(
        stored[0], stored[1],
        "the file store's rows differ from the pool's"
    );
    assert!(
        stored[0][0].contains("'2026-12-03T18:00:00.123456Z' | 1796320800123"),
        "{}",
        stored[0][0]
    );
    assert_eq!(stored[0].len(), 102);
    for (index, row) in stored[0].iter().enumerate() {
        let expected = if index % 2 == 0 {
            &stored[0][0]
        } else {
            &stored[0][1]
        };
        assert_eq!(row, expected, "row {index}");
    }
    assert!(
        stored[0][1].starts_with("NULL | NULL | NULL | 'tools/list'"),
        "{}",
        stored[0][1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn audit_inserts_and_the_pools_writes_wait_for_each_other() {
    let (store, _folder) = fresh_store().await;
    let (_, account) = signup(&store, "acme").await;
    let event = |index: usize| toolgate_store::NewAuditEvent {
        account_id: account.id,
        server_id: None,
        grant_id: None,
        session: None,
        method: "tools/call".to_owned(),
        tool: Some(format!("tool_{index}")),
        decision: "allowed".to_owned(),
        rule: None,
        reason: None,
        argument_keys: Vec::new(),
        arguments: None,
        upstream_status: Some(200),
        latency_ms: Some(0.5),
        time: time::OffsetDateTime::now_utc(),
    };
    let store = std::sync::Arc::new(store);
    let mut tasks = tokio::task::JoinSet::new();
    for batch in 0..20 {
        let (store, events): (_, Vec<_>) = (
            store.clone(),
            (0..500).map(|index| event(batch * 500 + index)).collect(),
        );
        tasks.spawn(async move { store.insert_audit_events(events.into()).await });
    }
    for index in 0..60 {
        let store = store.clone();
        tasks.spawn(async move {
            // `signup` fails the test itself when the pool's write does not get through.
            signup(&store, &format!("tenant-{index}")).await;
            Ok(())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result
            .expect("task")
            .expect("a write failed while the other connection wrote");
    }
    let (events, accounts): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM audit_events), (SELECT COUNT(*) FROM accounts)")
            .fetch_one(store.pool())
            .await
            .expect("counts");
    assert_eq!((events, accounts), (10_000, 61));
}

#[tokio::test]
async fn connect_opens_sqlite_urls_and_paths_migrated() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("nested").join("toolgate.db");
    let url = format!("sqlite://{}", path.display());
    let store = toolgate_store::connect(&url, false).await.expect("open");
    toolgate_store::conformance::api_tokens_find_their_user(&*store).await;
    assert!(path.exists());

    let reopened = toolgate_store::connect(&path.display().to_string(), false)
        .await
        .expect("open by path");
    assert!(
        reopened
            .find_user_by_email("alice@example.com")
            .await
            .expect("find")
            .is_some()
    );
    let memory = toolgate_store::connect("sqlite::memory:", false)
        .await
        .expect("open");
    memory.ping().await.expect("ping");
    assert!(
        toolgate_store::connect("mysql://db/toolgate", true)
            .await
            .is_err()
    );
}

async fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path).await.expect("open")
}
