//! `toolgate_store::connect` picks Postgres from the URL, and migrates only when asked.

use sqlx::ConnectOptions;

use toolgate_store::test_database::TestDatabase;

#[tokio::test]
async fn a_postgres_url_connects_and_migrates_only_when_asked() {
    let database = TestDatabase::create().await;
    let url = database.options().to_url_lossy().to_string();
    assert!(url.starts_with("postgres://"), "{url}");

    let unmigrated = toolgate_store::connect(&url, false).await.expect("connect");
    unmigrated.ping().await.expect("ping");
    let missing_schema = unmigrated.find_account_by_slug("acme").await;
    assert!(missing_schema.is_err(), "not migrated: {missing_schema:?}");

    let migrated = toolgate_store::connect(&url, true)
        .await
        .expect("connect and migrate");
    toolgate_store::conformance::servers_are_created_and_found_by_slug_or_id(&*migrated).await;
    let found = unmigrated.find_account_by_slug("acme").await.expect("find");
    assert!(found.is_some(), "both stores see one database");
}
