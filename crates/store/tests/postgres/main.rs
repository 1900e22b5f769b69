//! The conformance suite and Postgres-specific behaviour against a real Postgres
//! (`postgres://postgres@127.0.0.1:5432`, or `TOOLGATE_TEST_POSTGRES_URL`). Every test gets its own fresh
//! database `toolgate_test_<random>` (the suite assumes an empty one), dropped afterwards.

mod connect;
mod migrate;
mod timestamps;

use toolgate_store::PostgresStore;
use toolgate_store::test_database::TestDatabase;

async fn fresh_store() -> (PostgresStore, TestDatabase) {
    let database = TestDatabase::create().await;
    let store = database.migrated_store().await;
    (store, database)
}

toolgate_store::conformance_tests!(fresh_store);
