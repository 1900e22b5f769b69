use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::broadcast;
use toolgate_cluster::ChangeEvent;
use toolgate_cluster::memory::MemoryEvents;
use toolgate_control_plane::{CatalogSource, ControlPlaneConfig, router};
use toolgate_domain::SecretKey;
use toolgate_store::sqlite::SqliteStore;
use tower::ServiceExt;

/// Answers `tools/list` with what the test sets, and remembers what it was asked.
/// One `fetch_tools` call: the URL and the headers.
pub type CatalogCall = (String, Vec<(String, String)>);

pub struct FakeCatalog {
    pub tools: Mutex<Result<Vec<Value>, String>>,
    pub calls: Mutex<Vec<CatalogCall>>,
}

#[async_trait]
impl CatalogSource for FakeCatalog {
    async fn fetch_tools(&self, url: &str, headers: &[(String, String)]) -> Result<Vec<Value>, String> {
        self.calls
            .lock()
            .expect("lock")
            .push((url.to_owned(), headers.to_vec()));
        self.tools.lock().expect("lock").clone()
    }
}

pub struct TestApp {
    router: Router,
    store: SqliteStore,
    pub catalog: Arc<FakeCatalog>,
    pub events: Mutex<broadcast::Receiver<ChangeEvent>>,
    /// Every response body, to check that secrets never appear in any of them.
    pub transcript: Mutex<String>,
    next_ip: AtomicU32,
    _dir: TempDir,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Response {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn field_paths(&self) -> Vec<String> {
        let fields = self.body["error"]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        fields
            .iter()
            .map(|field| field["path"].as_str().unwrap_or("").to_owned())
            .collect()
    }
}

/// A signed-up user and their account.
pub struct Tenant {
    pub token: String,
    pub slug: String,
    pub account_id: String,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_private_upstreams(true).await
    }

    pub async fn with_private_upstreams(allow: bool) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("toolgate.db"))
            .await
            .expect("open store");
        let events = MemoryEvents::new();
        let receiver = toolgate_cluster::Events::subscribe(&events);
        let catalog = Arc::new(FakeCatalog {
            tools: Mutex::new(Ok(Vec::new())),
            calls: Mutex::new(Vec::new()),
        });
        let config = ControlPlaneConfig {
            store: Arc::new(store.clone()),
            events: Arc::new(events),
            secret: SecretKey::from_hex(&SecretKey::generate_hex()).expect("key"),
            public_url: "http://127.0.0.1:8080".into(),
            gateway_url: "http://gw.example".into(),
            allow_private_upstreams: allow,
            catalog: catalog.clone(),
        };
        Self {
            router: router(config),
            store,
            catalog,
            events: Mutex::new(receiver),
            transcript: Mutex::new(String::new()),
            next_ip: AtomicU32::new(1),
            _dir: dir,
        }
    }

    /// Sends a request from a fresh client IP (so that the per-IP signup limit stays out of the way).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let ip = self.next_ip.fetch_add(1, Ordering::Relaxed);
        let address = SocketAddr::from(([10, (ip >> 16) as u8, (ip >> 8) as u8, ip as u8], 40000));
        self.call_from(Some(address), method, path, token, body).await
    }

    pub async fn call_from(
        &self,
        address: Option<SocketAddr>,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(body) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let mut request = builder.body(body).expect("request");
        if let Some(address) = address {
            request.extensions_mut().insert(ConnectInfo(address));
        }
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> Response {
        let response = self.router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        self.transcript.lock().expect("lock").push_str(&text);
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn signup(&self, email: &str, account_name: &str) -> Tenant {
        let body = json!({"email": email, "password": "a long passphrase", "account_name": account_name});
        let response = self.call(Method::POST, "/api/v1/signup", None, Some(body)).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        Tenant {
            token: response.body["api_token"].as_str().expect("token").to_owned(),
            slug: response.body["account"]["slug"]
                .as_str()
                .expect("slug")
                .to_owned(),
            account_id: response.body["account"]["id"].as_str().expect("id").to_owned(),
        }
    }

    /// A server on a loopback upstream (private upstreams are allowed by default in tests).
    pub async fn server(&self, tenant: &Tenant, name: &str) -> Value {
        let body = json!({"name": name, "url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer upstream-secret-value"}});
        let response = self
            .post(
                &format!("/api/v1/accounts/{}/servers", tenant.slug),
                &tenant.token,
                body,
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        response.body
    }

    /// Makes the tenant's user a viewer of their own account (the API cannot change roles yet).
    pub async fn demote_to_viewer(&self, tenant: &Tenant) {
        sqlx::query("UPDATE memberships SET role = 'viewer' WHERE account_id = $1")
            .bind(&tenant.account_id)
            .execute(self.store.pool())
            .await
            .expect("demote");
    }

    pub fn drain_events(&self) -> Vec<ChangeEvent> {
        let mut receiver = self.events.lock().expect("lock");
        let mut events = Vec::new();
        while let Ok(event) = receiver.try_recv() {
            events.push(event);
        }
        events
    }
}

pub fn tool(name: &str, description: &str) -> Value {
    json!({"name": name, "description": description, "inputSchema": {"type": "object", "properties": {"command": {"type": "string"}}}})
}

/// The example policy of ARCHITECTURE §5.
pub fn example_policy() -> Value {
    json!({
        "version": "1",
        "default": "deny",
        "hide": ["delete_account", "debug_*"],
        "all_tools": { "limits": [ {"counter": "all_calls", "window": "minute", "max": 120, "scope": "grant"} ] },
        "tools": {
            "create_background_task": {
                "limits": [ {"counter": "create_background_task_rate", "window": "minute", "max": 10, "scope": "grant"} ]
            },
            "run_shell": {
                "require": [ {"conditions": [ {"path": "args.command", "op": "regex", "value": "^(ls|pwd|git status)( .*)?$"} ],
                              "on_deny": "Command not on the allowlist."} ],
                "deny_if": [ {"conditions": [ {"path": "args.command", "op": "regex", "value": "[;&|`]"} ],
                              "on_deny": "Shell metacharacters are not allowed."} ]
            },
            "kill_process": { "action": "require_approval", "approval": {"timeout": "10m"} },
            "delete_path":  { "action": "deny", "reason": "Deleting files is not allowed for agents." }
        }
    })
}
