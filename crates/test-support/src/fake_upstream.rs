//! A minimal legacy Streamable HTTP MCP server: initialize (with a session id), tools/list from a
//! given catalog, tools/call echoing its arguments, 202 for notifications. It records what it received.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
struct Shared {
    tools: Vec<Value>,
    received: Mutex<Vec<Received>>,
    failing: AtomicBool,
    sessions: AtomicU64,
}

pub struct FakeUpstream {
    pub url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FakeUpstream {
    /// Starts on a free loopback port with tools named `names` (each taking any object).
    pub async fn start(names: &[&str]) -> anyhow::Result<Self> {
        let tools = names
            .iter()
            .map(|name| json!({"name": name, "description": format!("{name} tool"), "inputSchema": {"type": "object"}}))
            .collect();
        Self::with_tools(tools).await
    }

    pub async fn with_tools(tools: Vec<Value>) -> anyhow::Result<Self> {
        let shared = Arc::new(Shared {
            tools,
            ..Shared::default()
        });
        let router = Router::new()
            .route("/mcp", post(handle))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            url: format!("http://{addr}/mcp"),
            shared,
            stop: Some(stop),
        })
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// How many `tools/call` requests for `tool` arrived.
    pub fn calls_of(&self, tool: &str) -> usize {
        self.received()
            .iter()
            .filter(|r| r.body["method"] == "tools/call" && r.body["params"]["name"] == tool)
            .count()
    }

    /// While set, every request is answered with HTTP 500.
    pub fn set_failing(&self, failing: bool) {
        self.shared.failing.store(failing, Ordering::SeqCst);
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(message) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not json").into_response();
    };
    if let Ok(mut received) = shared.received.lock() {
        received.push(Received {
            headers,
            body: message.clone(),
        });
    }
    if shared.failing.load(Ordering::SeqCst) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "failing on purpose").into_response();
    }
    let Some(id) = message.get("id").cloned() else {
        return StatusCode::ACCEPTED.into_response();
    };
    let method = message["method"].as_str().unwrap_or_default();
    let result = match method {
        "initialize" => {
            let session = shared.sessions.fetch_add(1, Ordering::SeqCst) + 1;
            let body = json!({"jsonrpc": "2.0", "id": id, "result": {
                "protocolVersion": message["params"]["protocolVersion"].as_str().unwrap_or("2025-06-18"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "fake-upstream", "version": "1.0.0"}
            }});
            return (
                [
                    ("content-type", "application/json"),
                    ("mcp-session-id", &format!("fake-session-{session}")),
                ],
                body.to_string(),
            )
                .into_response();
        }
        "tools/list" => json!({"tools": shared.tools}),
        "tools/call" => json!({
            "content": [{"type": "text", "text": format!("called {}", message["params"]["name"].as_str().unwrap_or("?"))}],
            "structuredContent": {"arguments": message["params"]["arguments"].clone()},
            "isError": false
        }),
        "ping" => json!({}),
        other => {
            let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("Method not found: {other}")}});
            return ([("content-type", "application/json")], body.to_string()).into_response();
        }
    };
    let body = json!({"jsonrpc": "2.0", "id": id, "result": result});
    ([("content-type", "application/json")], body.to_string()).into_response()
}
