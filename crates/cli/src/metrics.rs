//! Prometheus `/metrics`. One recorder per process, installed on first use.

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            match metrics::set_global_recorder(recorder) {
                Ok(()) => Some(handle),
                Err(error) => {
                    tracing::warn!(%error, "a metrics recorder was already installed; /metrics stays empty");
                    None
                }
            }
        })
        .as_ref()
}

pub fn router() -> Router {
    // Install now, so that metrics recorded before the first scrape are kept.
    let _ = handle();
    Router::new().route("/metrics", get(render))
}

async fn render() -> impl IntoResponse {
    let body = handle().map(PrometheusHandle::render).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
