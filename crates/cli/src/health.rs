//! `/healthz` (the process is alive) and `/readyz` (its database answers and it is not draining).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use toolgate_store::Store;

const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Clone)]
struct Health {
    store: Arc<dyn Store>,
    draining: Arc<AtomicBool>,
}

/// What every process serves beside its own routes (`/healthz`, `/readyz`, `/metrics`), and the flag
/// that turns `/readyz` to 503 while it drains.
pub fn operations(store: Arc<dyn Store>) -> (Router, Arc<AtomicBool>) {
    let draining = Arc::new(AtomicBool::new(false));
    let health = Health {
        store,
        draining: Arc::clone(&draining),
    };
    (router(health).merge(crate::metrics::router()), draining)
}

fn router(health: Health) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(health)
}

async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(health): State<Health>) -> impl IntoResponse {
    if health.draining.load(Ordering::Relaxed) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "draining"})),
        );
    }
    // A database that stopped answering must not make the probe hang: a load balancer needs an answer.
    let ping = tokio::time::timeout(PING_TIMEOUT, health.store.ping()).await;
    match ping.unwrap_or_else(|_| Err(toolgate_store::StoreError::Corrupt("ping timed out".into()))) {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready", "database": "ok"}))),
        Err(error) => {
            tracing::warn!(%error, "readiness check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "not_ready", "database": "unreachable"})),
            )
        }
    }
}
