//! SQLite implementation of [`crate::Store`] (all-in-one mode).
//!
//! The whole database is one file. The pool runs in WAL mode (readers never block the writer), with foreign
//! keys on and a busy timeout so that concurrent writers, even from other processes, wait instead of
//! failing. See `migrations/sqlite/0001_initial.sql` for how values are stored.

mod accounts;
mod admin_events;
mod approvals;
mod audit;
mod audit_thread;
mod errors;
mod grants;
mod ids;
mod policies;
mod rows;
mod servers;
mod sessions;
mod settings;
mod store;
mod timestamp;
mod tools;
mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{StoreError, StoreResult};

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

/// How long a connection waits for another writer's lock before giving up with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: u32 = 8;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The audit inserts' own connection and thread (`audit_thread.rs`); none for an in-memory database,
    /// which only the pool's one connection can see.
    audit: Option<Arc<audit_thread::AuditThread>>,
}

impl SqliteStore {
    /// Opens (creating it and its folder if missing) the database file at `path` and brings its schema
    /// up to date. Safe to call from several processes at once on the same file.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(sqlx::Error::Io)?;
        }
        let options = SqliteConnectOptions::new().filename(path);
        // Switching a fresh file to WAL takes an exclusive lock for which SQLite does not always call the
        // busy handler, so a process racing another one's first open can get SQLITE_BUSY at once: retry.
        let mut attempt = 0;
        loop {
            match Self::connect(options.clone(), false).await {
                Err(error) if is_busy(&error) && attempt < OPEN_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(20 * u64::from(attempt))).await;
                }
                result => return result,
            }
        }
    }

    /// Like [`SqliteStore::open`], from a URL such as `sqlite://toolgate.db` or `sqlite::memory:`.
    /// An in-memory database lives in a single connection that is never closed.
    pub async fn open_url(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        Self::connect(options, in_memory).await
    }

    /// The underlying pool, for tests and tools that read the tables directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn connect(options: SqliteConnectOptions, in_memory: bool) -> StoreResult<Self> {
        let max_connections = if in_memory { 1 } else { MAX_CONNECTIONS };
        let file = options.get_filename().to_owned();
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // The recommended pairing with WAL: durable across application crashes, fsyncs at checkpoints.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let mut pool_options = SqlitePoolOptions::new().max_connections(max_connections);
        if max_connections == 1 {
            // An in-memory database disappears with its last connection.
            pool_options = pool_options
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = pool_options.connect_with(options).await?;
        migrate(&pool).await?;
        let audit = if in_memory {
            None
        } else {
            Some(Arc::new(audit_thread::AuditThread::start(&file)?))
        };
        Ok(Self { pool, audit })
    }
}

const OPEN_RETRIES: u32 = 20;

fn is_busy(error: &StoreError) -> bool {
    match error {
        StoreError::Database(sqlx::Error::Database(database)) => {
            matches!(database.code().as_deref(), Some("5" | "6" | "517" | "261"))
        }
        StoreError::Migrate(sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(database))) => {
            matches!(database.code().as_deref(), Some("5" | "6" | "517" | "261"))
        }
        _ => false,
    }
}

/// Runs the pending migrations under SQLite's write lock. sqlx takes no lock for SQLite, so two processes
/// opening a fresh file would both try to apply `0001`; inside `BEGIN IMMEDIATE` the second one waits
/// (busy timeout) and then finds the migrations applied. sqlx nests its own per-migration transaction as a
/// savepoint.
async fn migrate(pool: &SqlitePool) -> StoreResult<()> {
    let mut connection = pool.acquire().await?;
    let mut transaction = connection.begin_with("BEGIN IMMEDIATE").await?;
    // `run_direct` rather than `run`: `run`'s `Acquire` bound makes the future not `Send` for every
    // lifetime, which breaks `tokio::spawn(SqliteStore::open(…))`.
    MIGRATOR.run_direct(&mut *transaction).await?;
    transaction.commit().await?;
    Ok(())
}
