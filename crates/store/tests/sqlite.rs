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
    let (user, account) = open(&path)
        .await
        .create_user_with_account(
            toolgate_store::NewUser {
                email: "a@example.com".to_owned(),
                password_hash: "h".to_owned(),
            },
            toolgate_store::NewAccount {
                slug: toolgate_domain::Slug::parse("acme").expect("slug"),
                name: "Acme".to_owned(),
            },
        )
        .await
        .expect("signup");
    let reopened = open(&path).await;
    let found = reopened
        .find_user_by_email("a@example.com")
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
    let (user, _) = store
        .create_user_with_account(
            toolgate_store::NewUser {
                email: "a@example.com".to_owned(),
                password_hash: "h".to_owned(),
            },
            toolgate_store::NewAccount {
                slug: toolgate_domain::Slug::parse("acme").expect("slug"),
                name: "Acme".to_owned(),
            },
        )
        .await
        .expect("signup");
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
