use std::sync::Arc;
use std::time::Duration;

use toolgate_cluster::memory::MemoryCounters;
use toolgate_cluster::{Counters, Events};
use toolgate_domain::SecretKey;
use toolgate_store::Store;

use crate::audit::AuditWriter;
use crate::session::OpenedSessions;
use crate::snapshot::SnapshotCache;
use crate::upstream::Upstream;

pub struct GatewayConfig {
    pub store: Arc<dyn Store>,
    pub counters: Arc<dyn Counters>,
    pub events: Arc<dyn Events>,
    pub secret: SecretKey,
    /// Largest request body accepted from a client.
    pub max_body_bytes: usize,
    /// How long a snapshot is trusted before it is re-read (heals a lost change event).
    pub snapshot_ttl: Duration,
    /// Audit events queued before the writer falls behind (then counted as dropped).
    pub audit_buffer: usize,
}

impl GatewayConfig {
    pub fn new(
        store: Arc<dyn Store>,
        counters: Arc<dyn Counters>,
        events: Arc<dyn Events>,
        secret: SecretKey,
    ) -> Self {
        Self {
            store,
            counters,
            events,
            secret,
            max_body_bytes: 4 * 1024 * 1024,
            snapshot_ttl: Duration::from_secs(30),
            audit_buffer: 50_000,
        }
    }
}

/// Opened session ids kept per worker (each ~200 bytes of id and claims).
const SESSIONS_REMEMBERED: usize = 20_000;

#[derive(Clone)]
pub struct GatewayState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub store: Arc<dyn Store>,
    pub events: Arc<dyn Events>,
    pub audit: AuditWriter,
    pub counters: Arc<dyn Counters>,
    /// Counts limits with `on_counter_error: local` while the shared counters are unreachable.
    pub local_counters: MemoryCounters,
    pub secret: SecretKey,
    pub max_body_bytes: usize,
    pub cache: SnapshotCache,
    pub upstream: Upstream,
    pub sessions: OpenedSessions,
}

impl GatewayState {
    pub fn new(config: GatewayConfig) -> Self {
        let cache = SnapshotCache::new(
            config.store.clone(),
            config.events.as_ref(),
            config.secret.clone(),
            config.snapshot_ttl,
        );
        Self {
            inner: Arc::new(Inner {
                audit: AuditWriter::spawn(config.store.clone(), config.audit_buffer),
                store: config.store.clone(),
                events: config.events.clone(),
                counters: config.counters,
                local_counters: MemoryCounters::new(),
                secret: config.secret,
                max_body_bytes: config.max_body_bytes,
                cache,
                upstream: Upstream::new(),
                sessions: OpenedSessions::new(SESSIONS_REMEMBERED),
            }),
        }
    }

    pub fn cache(&self) -> &SnapshotCache {
        &self.inner.cache
    }
}
