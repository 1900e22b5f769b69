//! A fresh database on the test Postgres, dropped when the guard goes, even when the test panicked:
//! for the Postgres tests of this crate and for the benchmarks that write to Postgres.

use std::str::FromStr;

use crate::PostgresStore;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432";
const URL_VARIABLE: &str = "TOOLGATE_TEST_POSTGRES_URL";
/// Few connections per test: tests run in parallel against a shared server.
const TEST_POOL_SIZE: u32 = 4;

/// A database named `toolgate_test_<random>`, created on [`TestDatabase::create`] and dropped (with
/// `WITH (FORCE)`, closing the store's connections) on drop.
pub struct TestDatabase {
    name: String,
    admin: PgConnectOptions,
}

impl TestDatabase {
    /// Fails the test, saying how to start Postgres, when it is not reachable: a missing database must
    /// never look like a passing suite.
    pub async fn create() -> TestDatabase {
        Self::try_create().await.unwrap_or_else(|why| panic!("{why}"))
    }

    /// As [`TestDatabase::create`], with what went wrong (and how to start Postgres) as the error.
    pub async fn try_create() -> Result<TestDatabase, String> {
        let url = std::env::var(URL_VARIABLE).unwrap_or_else(|_| DEFAULT_URL.to_owned());
        let admin = PgConnectOptions::from_str(&url)
            .map_err(|error| format!("{URL_VARIABLE}={url:?} is not a Postgres URL: {error}"))?
            .disable_statement_logging();
        let mut connection = PgConnection::connect_with(&admin).await.map_err(|error| {
            format!(
                "Postgres is not reachable at {url} ({error}).\n\
                 Start the machine's cluster with:\n    \
                 pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
                 or point {URL_VARIABLE} at another server."
            )
        })?;
        let name = format!("toolgate_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut connection)
            .await
            .map_err(|error| format!("create database {name}: {error}"))?;
        connection.close().await.ok();
        Ok(TestDatabase { name, admin })
    }

    /// Connection options for this database.
    pub fn options(&self) -> PgConnectOptions {
        self.admin.clone().database(&self.name)
    }

    /// A store on this database, with a small pool, not migrated.
    pub async fn connect(&self) -> PostgresStore {
        let pool = PgPoolOptions::new()
            .max_connections(TEST_POOL_SIZE)
            .connect_with(self.options())
            .await
            .unwrap_or_else(|error| panic!("connect to {}: {error}", self.name));
        PostgresStore::from_pool(pool)
    }

    /// A store on this database, migrated.
    pub async fn migrated_store(&self) -> PostgresStore {
        let store = self.connect().await;
        store.migrate().await.expect("migrate");
        store
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime (or while a panic unwinds through it), where blocking on a
        // future is not allowed: the database is dropped from a thread with a runtime of its own.
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?;
            runtime
                .block_on(async {
                    let mut connection = PgConnection::connect_with(&admin).await?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut connection)
                        .await?;
                    connection.close().await
                })
                .map_err(|error| error.to_string())
        })
        .join();
        // Never panic here: a second panic while unwinding would abort the whole test binary.
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop test database {}: {error}", self.name),
            Err(_) => eprintln!(
                "could not drop test database {}: the dropping thread panicked",
                self.name
            ),
        }
    }
}
