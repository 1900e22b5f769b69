//! A webhook receiver on loopback: records every request, answers 500 to the first `fail_first`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::Mutex;

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Checks `X-Toolgate-Signature` the way a receiver would.
    pub fn signature_valid(&self, secret: &str) -> bool {
        let timestamp = self.header("x-toolgate-timestamp");
        let Some(hex_signature) = self.header("x-toolgate-signature").strip_prefix("sha256=") else {
            return false;
        };
        let Ok(signature) = hex::decode(hex_signature) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(&self.body);
        mac.verify_slice(&signature).is_ok()
    }
}

#[derive(Clone)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    fail_first: usize,
    calls: Arc<AtomicUsize>,
}

pub struct Receiver {
    pub url: String,
    shared: Shared,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Self {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let shared = Shared {
            received: Arc::new(Mutex::new(Vec::new())),
            fail_first,
            calls: Arc::new(AtomicUsize::new(0)),
        };
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            url: format!("http://{address}/hook"),
            shared,
            _stop: stop,
        }
    }

    pub async fn received(&self) -> Vec<Received> {
        self.shared.received.lock().await.clone()
    }

    /// Every request, failed ones included.
    pub fn calls(&self) -> usize {
        self.shared.calls.load(Ordering::SeqCst)
    }
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let call = shared.calls.fetch_add(1, Ordering::SeqCst);
    if call < shared.fail_first {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    shared.received.lock().await.push(Received { headers, body });
    StatusCode::NO_CONTENT
}
