//! The audit writer: one event per gateway decision, written in batches off the request path.
//! A full buffer never blocks a call; what cannot be queued is counted (metric) and logged, never
//! dropped silently.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use toolgate_store::{NewAuditEvent, Store};

const BATCH: usize = 500;
const FLUSH_EVERY: Duration = Duration::from_millis(200);

#[derive(Clone)]
pub struct AuditWriter {
    sender: mpsc::Sender<NewAuditEvent>,
    dropped: Arc<AtomicU64>,
}

impl AuditWriter {
    /// Starts the background writer with room for `capacity` queued events.
    pub fn spawn(store: Arc<dyn Store>, capacity: usize) -> Self {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        tokio::spawn(write_batches(store, receiver));
        Self {
            sender,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn record(&self, event: NewAuditEvent) {
        crate::call_metrics::record_audit_event();
        if self.sender.try_send(event).is_err() {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            metrics::counter!("toolgate_audit_events_dropped_total").increment(1);
            // One line per power of two keeps a sustained overflow visible without flooding the log.
            if dropped.is_power_of_two() {
                tracing::error!(dropped, "audit buffer full: events are being dropped");
            }
        }
    }
}

async fn write_batches(store: Arc<dyn Store>, mut receiver: mpsc::Receiver<NewAuditEvent>) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let received = receiver.recv_many(&mut batch, BATCH).await;
        if received == 0 {
            return;
        }
        // Let a burst fill the batch a little before writing.
        if batch.len() < BATCH {
            tokio::time::sleep(FLUSH_EVERY).await;
            while batch.len() < BATCH {
                match receiver.try_recv() {
                    Ok(event) => batch.push(event),
                    Err(_) => break,
                }
            }
        }
        // Shared, so that a retry sends the same events again and the store may hand them to a thread.
        let events: Arc<[NewAuditEvent]> = std::mem::replace(&mut batch, Vec::with_capacity(BATCH)).into();
        let mut attempt = 0;
        loop {
            match store.insert_audit_events(events.clone()).await {
                Ok(()) => break,
                Err(error) if attempt < 3 => {
                    attempt += 1;
                    tracing::warn!(%error, attempt, "audit write failed; retrying");
                    tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
                }
                Err(error) => {
                    metrics::counter!("toolgate_audit_events_dropped_total").increment(events.len() as u64);
                    tracing::error!(%error, events = events.len(), "audit write failed; events lost");
                    break;
                }
            }
        }
    }
}

/// The top-level keys of a call's arguments (never their values).
pub fn argument_keys(arguments: &Value) -> Vec<String> {
    match arguments {
        Value::Object(map) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}
