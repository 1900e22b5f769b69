//! What every handler shares.

use std::ops::Deref;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use toolgate_cluster::{ChangeEvent, Events};
use toolgate_domain::SecretKey;
use toolgate_store::Store;

use crate::password::Passwords;
use crate::rate_limit::RateLimiter;
use crate::{CatalogSource, ControlPlaneConfig};

/// Attempts allowed per client IP and per email, per window, for signup and for login.
const AUTH_ATTEMPTS: usize = 10;
const AUTH_WINDOW: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Arc<dyn Store>,
    events: Arc<dyn Events>,
    pub secret: SecretKey,
    pub public_url: String,
    gateway_url: String,
    pub allow_private_upstreams: bool,
    pub catalog: Arc<dyn CatalogSource>,
    pub auth_limiter: RateLimiter,
    pub passwords: Passwords,
    /// Cancelled when the state is dropped: background jobs stop with it.
    pub shutdown: CancellationToken,
}

/// The state without keeping it alive (held by background jobs between runs).
#[derive(Clone)]
pub struct WeakState(Weak<Inner>);

impl WeakState {
    pub fn upgrade(&self) -> Option<AppState> {
        self.0.upgrade().map(AppState)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl AppState {
    pub fn new(config: ControlPlaneConfig) -> Self {
        Self(Arc::new(Inner {
            store: config.store,
            events: config.events,
            secret: config.secret,
            public_url: config.public_url.trim_end_matches('/').to_owned(),
            gateway_url: config.gateway_url.trim_end_matches('/').to_owned(),
            allow_private_upstreams: config.allow_private_upstreams,
            catalog: config.catalog,
            auth_limiter: RateLimiter::new(AUTH_ATTEMPTS, AUTH_WINDOW),
            passwords: Passwords::new(),
            shutdown: CancellationToken::new(),
        }))
    }

    pub fn downgrade(&self) -> WeakState {
        WeakState(Arc::downgrade(&self.0))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Inner {
    /// Cookies get `Secure` when the dashboard is served over https.
    pub fn cookies_secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// `{gateway_url}/mcp/{account}/`: the account's gateway URL.
    pub fn account_gateway_url(&self, account_slug: &str) -> String {
        format!("{}/mcp/{account_slug}/", self.gateway_url)
    }

    /// `{gateway_url}/mcp/{account}/{server}`: where agents connect for one server.
    pub fn server_gateway_url(&self, account_slug: &str, server_slug: &str) -> String {
        format!("{}/mcp/{account_slug}/{server_slug}", self.gateway_url)
    }

    /// Every change event published from now on, by any process (for background jobs).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ChangeEvent> {
        self.events.subscribe()
    }

    /// Tells gateway workers about a change. The change is already saved, so a failure only delays it
    /// until the workers' snapshot TTL runs out: logged, never an error for the caller.
    pub async fn publish(&self, event: ChangeEvent) {
        if let Err(error) = self.events.publish(event.clone()).await {
            tracing::warn!(%error, ?event, "could not publish a change event; workers pick it up by TTL");
        }
    }
}
