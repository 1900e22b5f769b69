//! A small browser stand-in for the dashboard: the control plane's router on a temp SQLite store, a
//! fake upstream catalog, sign-up through the API and login through the dashboard form, so that page
//! requests carry a real session cookie and CSRF token.

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
use toolgate_cluster::memory::MemoryEvents;
use toolgate_control_plane::{CatalogSource, ControlPlaneConfig, router};
use toolgate_domain::SecretKey;
use toolgate_store::sqlite::SqliteStore;
use tower::ServiceExt;

pub struct FakeCatalog(pub Mutex<Vec<Value>>);

#[async_trait]
impl CatalogSource for FakeCatalog {
    async fn fetch_tools(&self, _url: &str, _headers: &[(String, String)]) -> Result<Vec<Value>, String> {
        Ok(self.0.lock().expect("lock").clone())
    }
}

pub struct App {
    router: Router,
    pub store: SqliteStore,
    pub catalog: Arc<FakeCatalog>,
    next_ip: AtomicU32,
    _dir: TempDir,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Page {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }
}

/// A signed-in user of one account.
pub struct User {
    pub token: String,
    pub slug: String,
    pub cookie: String,
    pub csrf: String,
    pub account_id: String,
}

pub enum Payload {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
}

impl App {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("toolgate.db"))
            .await
            .expect("open store");
        let catalog = Arc::new(FakeCatalog(Mutex::new(Vec::new())));
        let config = ControlPlaneConfig {
            store: Arc::new(store.clone()),
            events: Arc::new(MemoryEvents::new()),
            secret: SecretKey::from_hex(&SecretKey::generate_hex()).expect("key"),
            public_url: "http://127.0.0.1:8080".into(),
            gateway_url: "http://127.0.0.1:8080".into(),
            allow_private_upstreams: true,
            catalog: catalog.clone(),
        };
        Self {
            router: router(config),
            store,
            catalog,
            next_ip: AtomicU32::new(1),
            _dir: dir,
        }
    }

    /// One request; `cookie` and `csrf` are sent when given (`csrf` as `X-CSRF-Token` for JSON,
    /// as the `csrf_token` field for forms).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        csrf: Option<&str>,
        body: Payload,
    ) -> Page {
        let ip = self.next_ip.fetch_add(1, Ordering::Relaxed);
        let address = SocketAddr::from(([10, 1, (ip >> 8) as u8, ip as u8], 40000));
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        let body = match body {
            Payload::None => Body::empty(),
            Payload::Json(value) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                if let Some(csrf) = csrf {
                    builder = builder.header("x-csrf-token", csrf);
                }
                Body::from(value.to_string())
            }
            Payload::Form(mut fields) => {
                builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                if let Some(csrf) = csrf {
                    fields.push(("csrf_token".into(), csrf.into()));
                }
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields)
                    .finish();
                Body::from(encoded)
            }
        };
        let mut request = builder.body(body).expect("request");
        request.extensions_mut().insert(ConnectInfo(address));
        let response = self.router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Page {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn api(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Page {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(value) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .router
            .clone()
            .oneshot(builder.body(body).expect("request"))
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Page {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Signs up through the API, logs in through the dashboard form, reads the page's CSRF token.
    pub async fn user(&self, email: &str, account_name: &str) -> User {
        let signup =
            json!({"email": email, "password": "a long passphrase 42", "account_name": account_name});
        let page = self
            .request(Method::POST, "/api/v1/signup", None, None, Payload::Json(signup))
            .await;
        assert_eq!(page.status, StatusCode::CREATED, "{}", page.text);
        let body = page.json();
        let form = vec![
            ("email".to_owned(), email.to_owned()),
            ("password".to_owned(), "a long passphrase 42".to_owned()),
        ];
        let login = self
            .request(
                Method::POST,
                "/login",
                Some("toolgate_csrf=pre"),
                Some("pre"),
                Payload::Form(form),
            )
            .await;
        assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.text);
        let set_cookie = login
            .headers
            .get(header::SET_COOKIE)
            .and_then(|value| value.to_str().ok())
            .expect("a session cookie");
        let cookie = set_cookie.split(';').next().expect("cookie pair").to_owned();
        let slug = body["account"]["slug"].as_str().expect("slug").to_owned();
        let overview = self
            .request(
                Method::GET,
                &format!("/a/{slug}"),
                Some(&cookie),
                None,
                Payload::None,
            )
            .await;
        User {
            token: body["api_token"].as_str().expect("token").to_owned(),
            csrf: meta_csrf(&overview.text),
            cookie,
            slug,
            account_id: body["account"]["id"].as_str().expect("id").to_owned(),
        }
    }

    /// A server with the given tools synced, answering its slug.
    pub async fn server_with_tools(&self, user: &User, tools: Vec<Value>) -> String {
        *self.catalog.0.lock().expect("lock") = tools;
        let base = format!("/api/v1/accounts/{}/servers", user.slug);
        let body = json!({"name": "System tools", "url": "http://127.0.0.1:9/mcp"});
        let created = self.api(Method::POST, &base, &user.token, Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let slug = created.json()["slug"].as_str().expect("slug").to_owned();
        let synced = self
            .api(
                Method::POST,
                &format!("{base}/{slug}/sync"),
                &user.token,
                Some(json!({})),
            )
            .await;
        assert_eq!(synced.status, StatusCode::OK, "{}", synced.text);
        slug
    }

    pub async fn policy(&self, user: &User, server: &str, name: &str, document: Value) {
        let path = format!("/api/v1/accounts/{}/servers/{server}/policies", user.slug);
        let body = json!({"name": name, "document": document});
        let created = self.api(Method::POST, &path, &user.token, Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }

    /// GET as the user.
    pub async fn get(&self, user: &User, path: &str) -> Page {
        self.request(Method::GET, path, Some(&user.cookie), None, Payload::None)
            .await
    }

    /// A form POST as the user, with their CSRF token.
    pub async fn post_form(&self, user: &User, path: &str, fields: &[(&str, &str)]) -> Page {
        let fields = fields
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        self.request(
            Method::POST,
            path,
            Some(&user.cookie),
            Some(&user.csrf),
            Payload::Form(fields),
        )
        .await
    }

    /// A JSON POST as the user's page script would send it.
    pub async fn post_json(&self, user: &User, path: &str, body: Value) -> Page {
        self.request(
            Method::POST,
            path,
            Some(&user.cookie),
            Some(&user.csrf),
            Payload::Json(body),
        )
        .await
    }
}

fn meta_csrf(html: &str) -> String {
    let marker = "<meta name=\"csrf-token\" content=\"";
    let start = html.find(marker).expect("a csrf meta tag") + marker.len();
    let end = html[start..].find('"').expect("end of the token") + start;
    html[start..end].to_owned()
}

pub fn tool(name: &str, description: &str, properties: Value) -> Value {
    json!({"name": name, "description": description, "inputSchema": {"type": "object", "properties": properties}})
}
