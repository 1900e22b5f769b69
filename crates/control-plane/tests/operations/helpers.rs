//! A control plane on a real SQLite store in a temp folder, with its background jobs on a test
//! schedule, in-process events the test can publish to, and a fake upstream catalog.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tempfile::TempDir;
use time::OffsetDateTime;
use toolgate_cluster::memory::MemoryEvents;
use toolgate_cluster::{ChangeEvent, Events};
use toolgate_control_plane::{CatalogSource, ControlPlaneConfig, JobsConfig, RetryPolicy, router_with_jobs};
use toolgate_domain::{AccountId, ApprovalId, GrantId, PolicyId, SecretKey, ServerId};
use toolgate_store::sqlite::SqliteStore;
use toolgate_store::{Approval, NewApproval, Store};
use tower::ServiceExt;

pub struct FakeCatalog(pub Mutex<Vec<Value>>);

#[async_trait]
impl CatalogSource for FakeCatalog {
    async fn fetch_tools(&self, _url: &str, _headers: &[(String, String)]) -> Result<Vec<Value>, String> {
        Ok(self.0.lock().expect("lock").clone())
    }
}

pub struct TestApp {
    router: Router,
    pub store: SqliteStore,
    pub events: MemoryEvents,
    pub catalog: Arc<FakeCatalog>,
    /// The key the control plane seals with (to seal approval arguments as the gateway does).
    pub secret: SecretKey,
    /// Every response body, to check where secrets appear.
    pub transcript: Mutex<String>,
    next_ip: AtomicU32,
    dir: TempDir,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Response {
    pub fn field_paths(&self) -> Vec<String> {
        self.body["error"]["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .map(|field| field["path"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub struct Tenant {
    pub token: String,
    pub slug: String,
    pub account_id: AccountId,
}

impl Tenant {
    pub fn path(&self, rest: &str) -> String {
        format!("/api/v1/accounts/{}{rest}", self.slug)
    }
}

/// Jobs that run often, with quick retries.
pub fn fast_jobs() -> JobsConfig {
    JobsConfig {
        enabled: true,
        sweep_every: Duration::from_millis(100),
        retention_every: Duration::from_millis(100),
        sessions_every: Duration::from_millis(100),
        deliver_every: Duration::from_millis(50),
        webhooks: RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(400),
            max_attempts: 8,
            timeout: Duration::from_secs(5),
            batch: 50,
        },
    }
}

impl TestApp {
    /// Jobs disabled: the test drives everything.
    pub async fn new() -> Self {
        Self::with(JobsConfig::disabled(), true).await
    }

    pub async fn with(jobs: JobsConfig, allow_private_upstreams: bool) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("toolgate.db"))
            .await
            .expect("open store");
        let events = MemoryEvents::new();
        let catalog = Arc::new(FakeCatalog(Mutex::new(Vec::new())));
        let secret = SecretKey::from_hex(&SecretKey::generate_hex()).expect("key");
        let config = ControlPlaneConfig {
            store: Arc::new(store.clone()),
            events: Arc::new(events.clone()),
            secret: secret.clone(),
            public_url: "http://cp.example".into(),
            gateway_url: "http://gw.example".into(),
            allow_private_upstreams,
            catalog: catalog.clone(),
        };
        Self {
            router: router_with_jobs(config, jobs),
            store,
            events,
            catalog,
            secret,
            transcript: Mutex::new(String::new()),
            next_ip: AtomicU32::new(1),
            dir,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub async fn call(
        &self,
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
        self.send(builder.body(body).expect("request")).await
    }

    pub async fn send(&self, mut request: Request<Body>) -> Response {
        let ip = self.next_ip.fetch_add(1, Ordering::Relaxed);
        let address = SocketAddr::from(([10, 0, (ip >> 8) as u8, ip as u8], 40000));
        request.extensions_mut().insert(ConnectInfo(address));
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

    pub async fn get(&self, path: &str, tenant: &Tenant) -> Response {
        self.call(Method::GET, path, Some(&tenant.token), None).await
    }

    pub async fn post(&self, path: &str, tenant: &Tenant, body: Value) -> Response {
        self.call(Method::POST, path, Some(&tenant.token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, tenant: &Tenant, body: Value) -> Response {
        self.call(Method::PATCH, path, Some(&tenant.token), Some(body))
            .await
    }

    pub async fn signup(&self, email: &str, account_name: &str) -> Tenant {
        let body = json!({"email": email, "password": "a long passphrase", "account_name": account_name});
        let response = self.call(Method::POST, "/api/v1/signup", None, Some(body)).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        let id: String = response.body["account"]["id"].as_str().expect("id").to_owned();
        Tenant {
            token: response.body["api_token"].as_str().expect("token").to_owned(),
            slug: response.body["account"]["slug"]
                .as_str()
                .expect("slug")
                .to_owned(),
            account_id: AccountId(id.parse().expect("uuid")),
        }
    }

    /// A server (slug `tools`) with a policy (`open`) and a grant (`agent`); answers their ids.
    pub async fn setup(&self, tenant: &Tenant) -> Setup {
        let server = self
            .post(
                &tenant.path("/servers"),
                tenant,
                json!({"name": "Tools", "url": "http://127.0.0.1:9/mcp", "headers": {"X-Api-Key": "upstream-secret-value"}}),
            )
            .await;
        assert_eq!(server.status, StatusCode::CREATED, "{}", server.text);
        let policy = self
            .post(
                &tenant.path("/servers/tools/policies"),
                tenant,
                json!({"name": "open", "document": {"version": "1", "default": "allow"}}),
            )
            .await;
        assert_eq!(policy.status, StatusCode::CREATED, "{}", policy.text);
        let grant = self
            .post(
                &tenant.path("/grants"),
                tenant,
                json!({"name": "agent", "server": "tools", "policy": "open"}),
            )
            .await;
        assert_eq!(grant.status, StatusCode::CREATED, "{}", grant.text);
        let id = |value: &Value| {
            value["id"]
                .as_str()
                .expect("id")
                .parse::<uuid::Uuid>()
                .expect("uuid")
        };
        Setup {
            server: ServerId(id(&server.body)),
            policy: PolicyId(id(&policy.body)),
            grant: GrantId(id(&grant.body)),
        }
    }

    /// A pending approval created as the gateway does (store, then the event), expiring in `ttl`
    /// (negative: already expired).
    pub async fn request_approval(&self, tenant: &Tenant, setup: &Setup, ttl: time::Duration) -> Approval {
        self.request_approval_with(tenant, setup, ttl, None).await
    }

    /// [`Self::request_approval`] with the call's arguments sealed as the gateway seals them.
    pub async fn request_approval_with(
        &self,
        tenant: &Tenant,
        setup: &Setup,
        ttl: time::Duration,
        arguments: Option<Value>,
    ) -> Approval {
        let now = OffsetDateTime::now_utc();
        let id = ApprovalId::new();
        let arguments_sealed = arguments.map(|arguments| {
            let plain = serde_json::to_vec(&arguments).expect("json");
            self.secret
                .seal(&plain, format!("approval-arguments:{id}").as_bytes())
        });
        let approval = self
            .store
            .create_approval(
                tenant.account_id,
                NewApproval {
                    id,
                    server_id: setup.server,
                    grant_id: setup.grant,
                    tool: "kill_process".into(),
                    arguments_hash: "0".repeat(64),
                    arguments_sealed,
                    policy_id: setup.policy,
                    policy_version: 1,
                    created_at: now.min(now + ttl) - time::Duration::seconds(1),
                    expires_at: now + ttl,
                },
            )
            .await
            .expect("create approval");
        self.events
            .publish(ChangeEvent::ApprovalRequested {
                account: tenant.account_id,
                approval: approval.id,
            })
            .await
            .expect("publish");
        approval
    }
}

pub struct Setup {
    pub server: ServerId,
    pub policy: PolicyId,
    pub grant: GrantId,
}

/// Polls `check` until it answers `Some`, for up to 10 s.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
