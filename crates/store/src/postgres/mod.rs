//! Postgres implementation of [`crate::Store`] (control plane and gateway workers).
//!
//! [`PostgresStore::connect`] only opens a pool; the schema is brought up to date by
//! [`PostgresStore::migrate`] (`toolgate migrate`), which holds sqlx's advisory lock so that several
//! processes may run it at once. See `migrations/postgres/0001_initial.sql` for how values are stored.

mod accounts;
mod admin_events;
mod approvals;
mod audit;
mod errors;
mod grants;
mod json;
mod policies;
mod rows;
mod servers;
mod sessions;
mod settings;
mod store;
mod timestamp;
mod tools;
mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::StoreResult;

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

const MAX_CONNECTIONS: u32 = 16;
/// How long a caller waits for a pooled connection (or a new one) before the call fails, so that an
/// unreachable database shows as an error instead of a hang.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Opens a pool on `url` (`postgres://user:password@host:port/database`) and checks that the database
    /// answers. Does not migrate: see [`PostgresStore::migrate`].
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with(PgConnectOptions::from_str(url)?).await
    }

    /// Like [`PostgresStore::connect`], from parsed options.
    pub async fn connect_with(options: PgConnectOptions) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    /// A store on a pool configured by the caller (tests use small pools).
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Applies the pending migrations. sqlx's Postgres migrator holds an advisory lock (per database) while
    /// it checks and applies them, so concurrent runs from several processes apply each migration once and
    /// all succeed.
    pub async fn migrate(&self) -> StoreResult<()> {
        let mut connection = self.pool.acquire().await?;
        // A failed migration returns before sqlx releases its session-level advisory lock; closing the
        // connection (rather than returning it to the pool) releases it, so a later attempt cannot hang.
        connection.close_on_drop();
        // `run_direct` rather than `run`: `run`'s `Acquire` bound makes the future not `Send` for every
        // lifetime, which breaks `tokio::spawn(store.migrate())`.
        MIGRATOR.run_direct(&mut *connection).await?;
        Ok(())
    }

    /// The underlying pool, for tests and tools that read the tables directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
