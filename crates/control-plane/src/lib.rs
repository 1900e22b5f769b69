//! The control plane: the JSON API under `/api/v1` (ARCHITECTURE §10) and the dashboard.
//!
//! [`router`] serves `/api/v1/…`, the dashboard pages and `/static/…`. It does not serve `/healthz`, `/readyz` or `/mcp/…`:
//! the binary merges those in. Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so
//! that signup and login are rate limited per client IP (without it every client shares one bucket).

mod api;
mod canonical;
mod dashboard;
mod error;
mod extract;
mod jobs;
mod password;
mod rate_limit;
mod service;
mod session;
mod state;
mod upstream;
mod validate;

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn;

pub use canonical::definition_hash;
pub use error::{ApiError, FieldError};
pub use jobs::{JobsConfig, RetryPolicy};

pub struct ControlPlaneConfig {
    pub store: Arc<dyn toolgate_store::Store>,
    pub events: Arc<dyn toolgate_cluster::Events>,
    pub secret: toolgate_domain::SecretKey,
    /// The dashboard's own URL, e.g. `http://127.0.0.1:8080` (no trailing slash).
    pub public_url: String,
    /// Base of the gateway URLs shown: `{gateway_url}/mcp/{account}/{server}`.
    pub gateway_url: String,
    /// May upstream URLs point at loopback and private addresses? (Link-local and cloud metadata
    /// addresses are refused either way.)
    pub allow_private_upstreams: bool,
    pub catalog: Arc<dyn CatalogSource>,
}

/// Where `POST …/servers/{server}/sync` gets an upstream's tools.
#[async_trait]
pub trait CatalogSource: Send + Sync + 'static {
    /// Fetches the upstream's full tools/list (all pages) as raw tool objects. The error text is shown
    /// to the caller (502 `upstream_error`), so it must say what failed and must not contain secrets.
    async fn fetch_tools(
        &self,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<Vec<serde_json::Value>, String>;
}

/// The control plane's routes, with their state applied, and its background jobs (approval sweeper,
/// audit retention, session cleanup, webhooks) on the default schedule. Call it inside a tokio runtime.
pub fn router(config: ControlPlaneConfig) -> Router {
    router_with_jobs(config, JobsConfig::default())
}

/// [`router`] with the background jobs on another schedule (or none: [`JobsConfig::disabled`]). The
/// jobs stop when the router (and every clone of it) is dropped.
pub fn router_with_jobs(config: ControlPlaneConfig, jobs: JobsConfig) -> Router {
    let state = state::AppState::new(config);
    jobs::spawn(&state, jobs);
    Router::new()
        .merge(dashboard::router(state.clone()))
        .nest("/api/v1", api::router())
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .layer(from_fn(service::admin::actor_scope))
        .with_state(state)
}
