//! The audit inserts of a file-backed store, on a thread and a connection of their own (rusqlite).
//!
//! The gateway writes an event per call, so this is the store's hottest write. Through sqlx a batch of
//! 500 cost 8.4 µs per event (`cargo bench -p toolgate-gateway --bench audit`): a 500-row statement
//! text built and hashed per batch, and each of its 7 500 bound values copied into an owned one for sqlx's
//! worker thread. Here one prepared single-row `INSERT` runs per event, with texts bound from the events
//! and from buffers reused across rows: 3.8 µs per event on the same machine, most of it SQLite's own
//! work (the row, its two indexes, the foreign key). Reads and every other write stay on the sqlx pool;
//! the two connections share the file in WAL mode, each waiting for the other's write lock (busy timeout).

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;

use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use tokio::sync::oneshot;
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::{BUSY_TIMEOUT, errors, timestamp};
use crate::{NewAuditEvent, StoreError, StoreResult, unix_millis};

const INSERT: &str = "INSERT INTO audit_events (account_id, server_id, grant_id, session, method, tool, \
     decision, rule, reason, argument_keys, arguments, upstream_status, latency_ms, time, time_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";

/// The sending end of the audit thread; the thread ends when the last clone of its store is dropped.
#[derive(Debug)]
pub(super) struct AuditThread {
    jobs: mpsc::Sender<Job>,
}

struct Job {
    events: Arc<[NewAuditEvent]>,
    done: oneshot::Sender<StoreResult<()>>,
}

impl AuditThread {
    /// Opens a second connection to the (already migrated) database file at `path` and starts its thread.
    pub(super) fn start(path: &Path) -> StoreResult<Self> {
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(errors::sqlite)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(errors::sqlite)?;
        // As the pool's connections: foreign keys checked, WAL (kept in the file) with NORMAL sync.
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(errors::sqlite)?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(errors::sqlite)?;
        let (jobs, received) = mpsc::channel();
        std::thread::Builder::new()
            .name("toolgate-audit".to_owned())
            .spawn(move || run(connection, received))
            .map_err(|error| StoreError::Backend(format!("cannot start the audit thread: {error}")))?;
        Ok(Self { jobs })
    }

    /// The whole batch in one transaction, or nothing (see [`crate::Store::insert_audit_events`]).
    pub(super) async fn insert(&self, events: Arc<[NewAuditEvent]>) -> StoreResult<()> {
        let stopped = || StoreError::Backend("the audit thread has stopped".to_owned());
        let (done, result) = oneshot::channel();
        self.jobs.send(Job { events, done }).map_err(|_| stopped())?;
        result.await.map_err(|_| stopped())?
    }
}

fn run(mut connection: Connection, jobs: mpsc::Receiver<Job>) {
    let mut buffers = Buffers::default();
    for job in jobs {
        let result = insert(&mut connection, &job.events, &mut buffers);
        // The caller may have gone (its task was cancelled): the batch is written all the same.
        let _ = job.done.send(result);
    }
}

/// Text built per row, kept between rows and batches so that a row allocates nothing of its own.
#[derive(Default)]
struct Buffers {
    argument_keys: Vec<u8>,
    arguments: Vec<u8>,
    time: String,
}

fn insert(connection: &mut Connection, events: &[NewAuditEvent], buffers: &mut Buffers) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    // IMMEDIATE takes the write lock at once (waiting for the pool's writers), rather than failing
    // when a read transaction tries to become a write one.
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(errors::sqlite)?;
    {
        let mut statement = transaction.prepare_cached(INSERT).map_err(errors::sqlite)?;
        let mut account = [0; Hyphenated::LENGTH];
        let mut server = [0; Hyphenated::LENGTH];
        let mut grant = [0; Hyphenated::LENGTH];
        for event in events {
            buffers.argument_keys.clear();
            serde_json::to_writer(&mut buffers.argument_keys, &event.argument_keys).map_err(json_error)?;
            buffers.arguments.clear();
            if let Some(arguments) = &event.arguments {
                serde_json::to_writer(&mut buffers.arguments, arguments).map_err(json_error)?;
            }
            buffers.time.clear();
            timestamp::encode_into(&mut buffers.time, event.time);
            statement
                .execute(params![
                    hyphenated(event.account_id.as_uuid(), &mut account),
                    event.server_id.map(|id| hyphenated(id.as_uuid(), &mut server)),
                    event.grant_id.map(|id| hyphenated(id.as_uuid(), &mut grant)),
                    event.session.as_deref(),
                    event.method.as_str(),
                    event.tool.as_deref(),
                    event.decision.as_str(),
                    event.rule.as_deref(),
                    event.reason.as_deref(),
                    text(&buffers.argument_keys)?,
                    event
                        .arguments
                        .as_ref()
                        .map(|_| text(&buffers.arguments))
                        .transpose()?,
                    event.upstream_status,
                    event.latency_ms,
                    buffers.time.as_str(),
                    unix_millis(event.time),
                ])
                .map_err(errors::sqlite)?;
        }
    }
    // Dropping the transaction unfinished (an error above) rolls it back.
    transaction.commit().map_err(errors::sqlite)
}

/// `id` as the stored text (see `ids.rs`), written into `buffer`.
fn hyphenated(id: Uuid, buffer: &mut [u8; Hyphenated::LENGTH]) -> &str {
    id.hyphenated().encode_lower(buffer)
}

fn text(json: &[u8]) -> StoreResult<&str> {
    std::str::from_utf8(json).map_err(|_| StoreError::Corrupt("audit JSON is not UTF-8".to_owned()))
}

fn json_error(error: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("audit arguments cannot be written as JSON: {error}"))
}
