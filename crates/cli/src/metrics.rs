//! Prometheus `/metrics`. One recorder per process, installed on first use.
//!
//! The recorder keeps every histogram sample until it is drained into its summary, which happens on a
//! scrape or in an upkeep. Without an upkeep a process nobody scrapes would keep every sample of every
//! call (a gateway worker records one per forwarded `tools/call`), so [`spawn_upkeep`] drains them on a
//! thread of its own.

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// How often histogram samples are drained when no scrape comes (the exporter's own default is 5 s; at
/// 50 000 calls/s a second of samples is ≈ 1 MB).
const UPKEEP_EVERY: Duration = Duration::from_secs(1);

fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            match metrics::set_global_recorder(recorder) {
                Ok(()) => {
                    if let Err(error) = spawn_upkeep(handle.clone(), UPKEEP_EVERY) {
                        tracing::warn!(%error, "cannot start the metrics upkeep; histograms grow until scraped");
                    }
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "a metrics recorder was already installed; /metrics stays empty");
                    None
                }
            }
        })
        .as_ref()
}

/// Drains `handle`'s histogram samples every `every`, for as long as the process runs.
pub fn spawn_upkeep(handle: PrometheusHandle, every: Duration) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("toolgate-metrics".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(every);
                handle.run_upkeep();
            }
        })
        .map(drop)
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
