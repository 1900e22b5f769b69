//! In-memory snapshots of what the request path needs: servers (with opened upstream headers), grants
//! by token hash, compiled policies. Loaded lazily from the store, dropped on change events, and
//! re-read after a TTL so that a lost event heals itself. When the store cannot be read, a stale
//! snapshot keeps being used (fail-static) and a warning is logged.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue};
use time::OffsetDateTime;
use tokio::sync::broadcast::{self, error::TryRecvError};
use toolgate_cluster::{ChangeEvent, Events};
use toolgate_domain::{AccountId, GrantId, PolicyId, SecretKey, ServerId, TokenHash};
use toolgate_policy::CompiledPolicy;
use toolgate_store::{Store, StoreError};

#[derive(Debug)]
pub struct ServerSnapshot {
    pub account_id: AccountId,
    pub server_id: ServerId,
    /// The upstream endpoint, parsed once at load.
    pub uri: http::Uri,
    /// The server's configured upstream headers, opened.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub log_argument_values: bool,
    /// Tools whose definition changed since it was accepted (for `pin_tools`).
    pub changed_tools: HashSet<String>,
    loaded_at: Instant,
    refresh: RefreshClaim,
}

#[derive(Debug)]
pub struct GrantSnapshot {
    pub id: GrantId,
    pub account_id: AccountId,
    pub server_id: ServerId,
    pub policy_id: Option<PolicyId>,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked: bool,
    refresh: RefreshClaim,
}

impl GrantSnapshot {
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        !self.revoked && self.expires_at.is_none_or(|expiry| expiry > now)
    }
}

#[derive(Debug)]
pub struct PolicySnapshot {
    pub id: PolicyId,
    pub version: i64,
    pub compiled: Arc<CompiledPolicy>,
    loaded_at: Instant,
    refresh: RefreshClaim,
}

/// Whether a request should (re)load a snapshot it found, or use it as it is.
///
/// Past its TTL a snapshot is still served (it was right until a change event said otherwise; the TTL
/// only heals a lost event) while one request reloads it: stale-while-revalidate, so a busy worker
/// never sends every in-flight request to the store at once.
/// `store_down` is asked only past the TTL (it takes a lock).
fn must_load(
    loaded_at: Instant,
    refresh: &RefreshClaim,
    ttl: Duration,
    store_down: impl FnOnce() -> bool,
) -> bool {
    if loaded_at.elapsed() < ttl || store_down() {
        return false;
    }
    refresh.try_claim()
}

/// Which request reloads a snapshot past its TTL. A claim lapses after [`CLAIM_LAPSES`], so a reload
/// that was cancelled (its client went away) or ended early never keeps the snapshot from being
/// reloaded by a later request.
#[derive(Debug, Default)]
struct RefreshClaim(Mutex<Option<Instant>>);

/// Longer than one bounded load ([`LOAD_TIMEOUT`]) plus a policy compile.
const CLAIM_LAPSES: Duration = Duration::from_secs(3);

impl RefreshClaim {
    fn try_claim(&self) -> bool {
        let mut claimed = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if claimed.is_some_and(|at| at.elapsed() < CLAIM_LAPSES) {
            return false;
        }
        *claimed = Some(Instant::now());
        true
    }

    fn release(&self) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("store unavailable: {0}")]
    Store(#[from] StoreError),
    #[error("stored data cannot be used: {0}")]
    Invalid(String),
    #[error("the store did not answer in time")]
    Timeout,
}

/// Servers by account slug, then server slug: looked up by the request path's slugs as they are.
type ServersBySlug = HashMap<String, HashMap<String, Arc<ServerSnapshot>>>;
/// A grant snapshot and when it was loaded.
type GrantEntry = (Arc<GrantSnapshot>, Instant);
type GrantKey = (AccountId, TokenHash);

/// Token hashes the store did not know, remembered for [`NEGATIVE_TTL`] so that a client repeating a
/// bad token does not reach the database each time; at most [`MAX_MISSING_TOKENS`] of them, so that a
/// flood of made-up tokens cannot grow the gateway's memory.
#[derive(Default)]
struct MissingTokens {
    since: HashMap<GrantKey, Instant>,
    /// When expired entries may be swept again: a full map of live entries is swept at most once per
    /// [`NEGATIVE_TTL`], not on every miss.
    next_sweep: Option<Instant>,
}

impl MissingTokens {
    fn is_fresh(&self, key: &GrantKey) -> bool {
        self.since
            .get(key)
            .is_some_and(|since| since.elapsed() < NEGATIVE_TTL)
    }

    fn remember(&mut self, key: GrantKey) {
        let now = Instant::now();
        if self.since.len() >= MAX_MISSING_TOKENS && !self.since.contains_key(&key) {
            if self.next_sweep.is_none_or(|at| now >= at) {
                self.since
                    .retain(|_, since| now.duration_since(*since) < NEGATIVE_TTL);
                self.next_sweep = Some(now + NEGATIVE_TTL);
            }
            if self.since.len() >= MAX_MISSING_TOKENS {
                // Full of live entries: answered all the same, just not remembered.
                return;
            }
        }
        self.since.insert(key, now);
    }
}

/// How many unknown tokens are remembered at most (see [`MissingTokens`]).
pub const MAX_MISSING_TOKENS: usize = 4096;

pub struct SnapshotCache {
    store: Arc<dyn Store>,
    secret: SecretKey,
    ttl: Duration,
    events: Mutex<broadcast::Receiver<ChangeEvent>>,
    /// How many events the receiver has been sent ([`Events::delivered`]), and how many of those were
    /// applied: equal, there is nothing to receive, and a lookup takes no lock for the events.
    events_delivered: Arc<AtomicU64>,
    events_applied: AtomicU64,
    servers: RwLock<ServersBySlug>,
    /// By account and token hash: a lookup under another account (a token used on the wrong URL) must
    /// not leave a "no such token" entry that hides the grant from its own account.
    grants: RwLock<HashMap<GrantKey, GrantEntry>>,
    /// Looked at only when `grants` has no entry: valid tokens never touch it.
    missing: Mutex<MissingTokens>,
    policies: RwLock<HashMap<PolicyId, Arc<PolicySnapshot>>>,
    /// One load (and compile) at a time per policy when none is cached: a cold start or a new version
    /// under many connections compiles once, not once per waiting request.
    policy_loads: Mutex<HashMap<PolicyId, Arc<tokio::sync::Mutex<()>>>>,
    /// Bumped by every change event: a load that saw another value before it read the store does not
    /// cache what it read (it may predate the change), so the next request reads again.
    generation: AtomicU64,
    /// After a failed load the store is not asked again until then: requests are answered from the
    /// snapshots at once (fail-static) instead of each waiting for a dead database.
    store_down_until: Mutex<Option<Instant>>,
}

/// How long one load from the store may take before the snapshot is used instead.
const LOAD_TIMEOUT: Duration = Duration::from_secs(1);
/// How long to keep answering from snapshots after a failed load before asking the store again.
const RETRY_STORE_AFTER: Duration = Duration::from_secs(2);

const NEGATIVE_TTL: Duration = Duration::from_secs(2);

impl SnapshotCache {
    pub fn new(store: Arc<dyn Store>, events: &dyn Events, secret: SecretKey, ttl: Duration) -> Self {
        Self {
            store,
            secret,
            ttl,
            events: Mutex::new(events.subscribe()),
            events_delivered: events.delivered(),
            events_applied: AtomicU64::new(0),
            servers: RwLock::default(),
            grants: RwLock::default(),
            missing: Mutex::default(),
            policies: RwLock::default(),
            policy_loads: Mutex::default(),
            generation: AtomicU64::new(0),
            store_down_until: Mutex::new(None),
        }
    }

    /// Applies every change event received so far. Called at the start of each lookup, so a change
    /// published before a request arrived is always seen by that request (no race with a listener task).
    fn apply_events(&self) {
        let delivered = self.events_delivered.load(Ordering::Acquire);
        if delivered == self.events_applied.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut receiver) = self.events.lock() else {
            return;
        };
        loop {
            match receiver.try_recv() {
                Ok(event) => self.invalidate(&event),
                Err(TryRecvError::Lagged(_)) => self.invalidate(&ChangeEvent::Resync),
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
        // What was counted before draining is applied now; anything counted since is looked at next time.
        self.events_applied.fetch_max(delivered, Ordering::AcqRel);
    }

    fn missing_tokens(&self) -> std::sync::MutexGuard<'_, MissingTokens> {
        self.missing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many unknown tokens are remembered now (at most [`MAX_MISSING_TOKENS`]).
    pub fn remembered_missing_tokens(&self) -> usize {
        self.missing_tokens().since.len()
    }

    fn store_down(&self) -> bool {
        self.store_down_until
            .lock()
            .map(|until| until.is_some_and(|until| Instant::now() < until))
            .unwrap_or(false)
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Runs one load with a deadline; a failure or timeout marks the store down for a moment.
    async fn bounded<T>(
        &self,
        load: impl Future<Output = Result<T, SnapshotError>>,
    ) -> Result<T, SnapshotError> {
        let result = match tokio::time::timeout(LOAD_TIMEOUT, load).await {
            Ok(result) => result,
            Err(_) => Err(SnapshotError::Timeout),
        };
        if let Ok(mut until) = self.store_down_until.lock() {
            *until = result.is_err().then(|| Instant::now() + RETRY_STORE_AFTER);
        }
        result
    }

    pub fn invalidate(&self, event: &ChangeEvent) {
        if !matches!(
            event,
            ChangeEvent::ApprovalRequested { .. } | ChangeEvent::ApprovalDecided { .. }
        ) {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        match event {
            ChangeEvent::PolicySaved { policy, .. } => {
                write(&self.policies).remove(policy);
            }
            ChangeEvent::GrantChanged { grant, .. } => {
                write(&self.grants).retain(|_, (snapshot, _)| snapshot.id != *grant);
            }
            ChangeEvent::ServerChanged { server, .. } => {
                let mut servers = write(&self.servers);
                for account_servers in servers.values_mut() {
                    account_servers.retain(|_, snapshot| snapshot.server_id != *server);
                }
                servers.retain(|_, account_servers| !account_servers.is_empty());
            }
            ChangeEvent::ApprovalRequested { .. } | ChangeEvent::ApprovalDecided { .. } => {}
            ChangeEvent::Resync => {
                write(&self.servers).clear();
                write(&self.grants).clear();
                self.missing_tokens().since.clear();
                write(&self.policies).clear();
            }
        }
    }

    pub async fn server(
        &self,
        account_slug: &str,
        server_slug: &str,
    ) -> Result<Option<Arc<ServerSnapshot>>, SnapshotError> {
        self.apply_events();
        let cached = read(&self.servers)
            .get(account_slug)
            .and_then(|servers| servers.get(server_slug))
            .cloned();
        if let Some(snapshot) = &cached
            && !must_load(snapshot.loaded_at, &snapshot.refresh, self.ttl, || {
                self.store_down()
            })
        {
            return Ok(cached);
        }
        let generation = self.generation();
        match self.bounded(self.load_server(account_slug, server_slug)).await {
            Ok(Some(snapshot)) => {
                let snapshot = Arc::new(snapshot);
                if self.generation() == generation {
                    write(&self.servers)
                        .entry(account_slug.to_owned())
                        .or_default()
                        .insert(server_slug.to_owned(), snapshot.clone());
                }
                Ok(Some(snapshot))
            }
            Ok(None) => {
                let mut servers = write(&self.servers);
                if let Some(account_servers) = servers.get_mut(account_slug) {
                    account_servers.remove(server_slug);
                    if account_servers.is_empty() {
                        servers.remove(account_slug);
                    }
                }
                Ok(None)
            }
            Err(error) => stale_or(cached, error),
        }
    }

    async fn load_server(
        &self,
        account_slug: &str,
        server_slug: &str,
    ) -> Result<Option<ServerSnapshot>, SnapshotError> {
        let Some(account) = self.store.find_account_by_slug(account_slug).await? else {
            return Ok(None);
        };
        let Some(server) = self.store.find_server(account.id, server_slug).await? else {
            return Ok(None);
        };
        // Only a slug names a server in a gateway URL, never its id.
        if server.slug.as_str() != server_slug {
            return Ok(None);
        }
        let uri = upstream_uri(&server.url)?;
        let headers = match &server.headers_sealed {
            Some(sealed) => self.open_headers(server.id, sealed)?,
            None => Vec::new(),
        };
        let changed_tools = self
            .store
            .list_tools(account.id, server.id)
            .await?
            .into_iter()
            .filter(|tool| tool.changed())
            .map(|tool| tool.name)
            .collect();
        Ok(Some(ServerSnapshot {
            account_id: account.id,
            server_id: server.id,
            uri,
            headers,
            log_argument_values: server.log_argument_values,
            changed_tools,
            loaded_at: Instant::now(),
            refresh: RefreshClaim::default(),
        }))
    }

    fn open_headers(
        &self,
        server_id: ServerId,
        sealed: &[u8],
    ) -> Result<Vec<(HeaderName, HeaderValue)>, SnapshotError> {
        let associated = format!("server-headers:{server_id}");
        let plain = self
            .secret
            .open(sealed, associated.as_bytes())
            .map_err(|e| SnapshotError::Invalid(format!("upstream headers: {e}")))?;
        let map: HashMap<String, String> = serde_json::from_slice(&plain)
            .map_err(|e| SnapshotError::Invalid(format!("upstream headers: {e}")))?;
        map.into_iter()
            .map(|(name, value)| {
                let name = HeaderName::try_from(name)
                    .map_err(|e| SnapshotError::Invalid(format!("header name: {e}")))?;
                let mut value = HeaderValue::try_from(value)
                    .map_err(|e| SnapshotError::Invalid(format!("header value: {e}")))?;
                value.set_sensitive(true);
                Ok((name, value))
            })
            .collect()
    }

    /// The grant a token names, if any (active or not: the caller decides).
    pub async fn grant(
        &self,
        account_id: AccountId,
        hash: TokenHash,
    ) -> Result<Option<Arc<GrantSnapshot>>, SnapshotError> {
        self.apply_events();
        let key = (account_id, hash);
        let cached = read(&self.grants).get(&key).cloned();
        match &cached {
            Some((snapshot, loaded_at))
                if !must_load(*loaded_at, &snapshot.refresh, self.ttl, || self.store_down()) =>
            {
                return Ok(Some(snapshot.clone()));
            }
            None if self.missing_tokens().is_fresh(&key) => return Ok(None),
            _ => {}
        }
        let generation = self.generation();
        match self
            .bounded(async { Ok(self.store.find_grant_by_token(account_id, hash).await?) })
            .await
        {
            Ok(found) => {
                let snapshot = found.map(|grant| {
                    Arc::new(GrantSnapshot {
                        id: grant.id,
                        account_id: grant.account_id,
                        server_id: grant.server_id,
                        policy_id: grant.policy_id,
                        expires_at: grant.expires_at,
                        revoked: grant.revoked_at.is_some(),
                        refresh: RefreshClaim::default(),
                    })
                });
                if self.generation() == generation {
                    match &snapshot {
                        Some(found) => {
                            write(&self.grants).insert(key, (found.clone(), Instant::now()));
                            self.missing_tokens().since.remove(&key);
                        }
                        None => {
                            write(&self.grants).remove(&key);
                            self.missing_tokens().remember(key);
                        }
                    }
                }
                Ok(snapshot)
            }
            Err(error) => stale_or(cached.map(|(snapshot, _)| snapshot), error),
        }
    }

    pub async fn policy(
        &self,
        account_id: AccountId,
        policy_id: PolicyId,
    ) -> Result<Option<Arc<PolicySnapshot>>, SnapshotError> {
        self.apply_events();
        let mut cached = read(&self.policies).get(&policy_id).cloned();
        if let Some(snapshot) = &cached
            && !must_load(snapshot.loaded_at, &snapshot.refresh, self.ttl, || {
                self.store_down()
            })
        {
            return Ok(cached);
        }
        // Nothing cached: wait for whoever is loading this policy already, then look again.
        let _loading = match cached {
            Some(_) => None,
            None => {
                let lock = self
                    .policy_loads
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .entry(policy_id)
                    .or_default()
                    .clone();
                let guard = match lock.clone().try_lock_owned() {
                    Ok(guard) => guard,
                    Err(_) => {
                        // Someone is loading it: wait, then use what they loaded.
                        let guard = lock.lock_owned().await;
                        self.apply_events();
                        cached = read(&self.policies).get(&policy_id).cloned();
                        if let Some(snapshot) = &cached
                            && snapshot.loaded_at.elapsed() < self.ttl
                        {
                            return Ok(cached);
                        }
                        // The load we waited for just found the store down: do not ask it again.
                        if cached.is_none() && self.store_down() {
                            return Err(SnapshotError::Timeout);
                        }
                        guard
                    }
                };
                Some(guard)
            }
        };
        let generation = self.generation();
        match self
            .bounded(async { Ok(self.store.get_policy(account_id, policy_id).await?) })
            .await
        {
            Ok(Some(policy)) => {
                // The same version as the cached one: reuse its compiled form instead of compiling again.
                let unchanged = cached
                    .as_ref()
                    .filter(|snapshot| snapshot.version == policy.version);
                let compiled = match unchanged {
                    Some(snapshot) => snapshot.compiled.clone(),
                    None => {
                        // Compiling a large policy (many regexes) takes milliseconds: keep it off the
                        // async workers.
                        let document = policy.document.clone();
                        let compiled =
                            tokio::task::spawn_blocking(move || toolgate_policy::compile(&document))
                                .await
                                .map_err(|_| SnapshotError::Invalid("policy compilation panicked".into()))?;
                        Arc::new(compiled.map_err(|errors| {
                            SnapshotError::Invalid(format!(
                                "stored policy {} does not compile ({} errors)",
                                policy.id,
                                errors.len()
                            ))
                        })?)
                    }
                };
                let snapshot = Arc::new(PolicySnapshot {
                    id: policy.id,
                    version: policy.version,
                    compiled,
                    loaded_at: Instant::now(),
                    refresh: RefreshClaim::default(),
                });
                if self.generation() == generation {
                    write(&self.policies).insert(policy_id, snapshot.clone());
                }
                Ok(Some(snapshot))
            }
            Ok(None) => {
                write(&self.policies).remove(&policy_id);
                Ok(None)
            }
            Err(error) => stale_or(cached, error),
        }
    }
}

/// The server's URL as the forwarding client needs it: absolute, http or https.
fn upstream_uri(url: &str) -> Result<http::Uri, SnapshotError> {
    // Parsed by the URL standard first (as the API validated it), so what is forwarded to is what
    // was registered.
    let parsed = url::Url::parse(url).map_err(|e| SnapshotError::Invalid(format!("server url: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(SnapshotError::Invalid(format!(
            "server url: unsupported scheme {:?}",
            parsed.scheme()
        )));
    }
    http::Uri::try_from(parsed.as_str()).map_err(|e| SnapshotError::Invalid(format!("server url: {e}")))
}

/// The snapshots that are reloaded past their TTL by one claimed request.
trait Refreshed {
    fn refresh(&self) -> &RefreshClaim;
}

impl Refreshed for ServerSnapshot {
    fn refresh(&self) -> &RefreshClaim {
        &self.refresh
    }
}

impl Refreshed for GrantSnapshot {
    fn refresh(&self) -> &RefreshClaim {
        &self.refresh
    }
}

impl Refreshed for PolicySnapshot {
    fn refresh(&self) -> &RefreshClaim {
        &self.refresh
    }
}

/// After a failed load: the last snapshot (fail-static), its reload claim given up so the next request
/// may try the store again; or the error when there is none.
fn stale_or<T: Refreshed>(
    stale: Option<Arc<T>>,
    error: SnapshotError,
) -> Result<Option<Arc<T>>, SnapshotError> {
    match stale {
        Some(snapshot) => {
            snapshot.refresh().release();
            tracing::warn!(%error, "store unreachable; enforcing with the last snapshot");
            metrics::counter!("toolgate_gateway_snapshot_stale_total").increment(1);
            Ok(Some(snapshot))
        }
        None => Err(error),
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}
