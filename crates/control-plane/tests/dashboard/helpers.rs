use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tempfile::TempDir;
use toolgate_cluster::memory::MemoryEvents;
use toolgate_control_plane::{CatalogSource, ControlPlaneConfig, router};
use toolgate_domain::SecretKey;
use toolgate_store::sqlite::SqliteStore;
use tower::ServiceExt;

pub const PUBLIC_URL: &str = "http://127.0.0.1:8080";
pub const PASSWORD: &str = "a long passphrase";

pub struct FakeCatalog {
    pub tools: Mutex<Result<Vec<Value>, String>>,
    pub headers_seen: Mutex<Vec<Vec<(String, String)>>>,
}

#[async_trait]
impl CatalogSource for FakeCatalog {
    async fn fetch_tools(&self, _url: &str, headers: &[(String, String)]) -> Result<Vec<Value>, String> {
        self.headers_seen.lock().expect("lock").push(headers.to_vec());
        self.tools.lock().expect("lock").clone()
    }
}

pub struct TestApp {
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
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }

    /// The value of `<input name="csrf_token" value="…">` (or the meta tag) in the page.
    pub fn csrf_token(&self) -> String {
        let marker = "name=\"csrf-token\" content=\"";
        let start = self.text.find(marker).expect("csrf meta tag") + marker.len();
        let end = self.text[start..].find('"').expect("end of token") + start;
        self.text[start..end].to_owned()
    }

    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|value| value.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// A browser: keeps cookies, sends forms with the page's CSRF token.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    ip: SocketAddr,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_public_url(PUBLIC_URL).await
    }

    pub async fn with_public_url(public_url: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("toolgate.db"))
            .await
            .expect("open store");
        let catalog = Arc::new(FakeCatalog {
            tools: Mutex::new(Ok(Vec::new())),
            headers_seen: Mutex::new(Vec::new()),
        });
        let config = ControlPlaneConfig {
            store: Arc::new(store.clone()),
            events: Arc::new(MemoryEvents::new()),
            secret: SecretKey::from_hex(&SecretKey::generate_hex()).expect("key"),
            public_url: public_url.into(),
            gateway_url: "http://gw.example".into(),
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

    pub fn browser(&self) -> Browser<'_> {
        let ip = self.next_ip.fetch_add(1, Ordering::Relaxed);
        Browser {
            app: self,
            cookies: BTreeMap::new(),
            ip: SocketAddr::from(([10, 1, (ip >> 8) as u8, ip as u8], 40000)),
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Page {
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

    /// A browser signed up (through the form) with its own account; answers it and the account slug.
    pub async fn signed_up(&self, email: &str, account_name: &str) -> (Browser<'_>, String) {
        let mut browser = self.browser();
        let page = browser.signup(email, PASSWORD, account_name).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
        let slug = page.location().trim_start_matches("/a/").to_owned();
        (browser, slug)
    }
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

impl Browser<'_> {
    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn remember(&mut self, page: &Page) {
        for value in page.headers.get_all(header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<(String, &str)>,
    ) -> Page {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(cookie) = self.cookie_header() {
            builder = builder.header(header::COOKIE, cookie);
        }
        for (name, value) in extra {
            builder = builder.header(*name, *value);
        }
        let body = match body {
            Some((text, content_type)) => {
                builder = builder.header(header::CONTENT_TYPE, content_type);
                Body::from(text)
            }
            None => Body::empty(),
        };
        let mut request = builder.body(body).expect("request");
        request.extensions_mut().insert(ConnectInfo(self.ip));
        let page = self.app.send(request).await;
        self.remember(&page);
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.request(Method::GET, path, &[], None).await
    }

    /// A form post as a browser sends it from our own page (same origin).
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_form_with(
            path,
            fields,
            &[("origin", PUBLIC_URL), ("sec-fetch-site", "same-origin")],
        )
        .await
    }

    pub async fn post_form_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let body = form_body(fields);
        self.request(
            Method::POST,
            path,
            headers,
            Some((body, "application/x-www-form-urlencoded")),
        )
        .await
    }

    /// GETs `form_page`, then posts `fields` plus its CSRF token to `action`.
    pub async fn submit(&mut self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(form_page).await;
        assert_eq!(page.status, StatusCode::OK, "{form_page}: {}", page.text);
        let token = page.csrf_token();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_form(action, &all).await
    }

    pub async fn signup(&mut self, email: &str, password: &str, account_name: &str) -> Page {
        self.submit(
            "/signup",
            "/signup",
            &[
                ("email", email),
                ("password", password),
                ("account_name", account_name),
            ],
        )
        .await
    }

    pub async fn login(&mut self, email: &str, password: &str, next: &str) -> Page {
        self.submit(
            &format!("/login?next={next}"),
            "/login",
            &[("email", email), ("password", password), ("next", next)],
        )
        .await
    }

    /// The CSRF token of a page of this session (from the overview's meta tag).
    pub async fn csrf_token(&mut self, account_slug: &str) -> String {
        self.get(&format!("/a/{account_slug}")).await.csrf_token()
    }

    /// Registers a server through the form; answers its slug.
    pub async fn add_server(&mut self, account: &str, name: &str) -> String {
        let page = self
            .submit(
                &format!("/a/{account}/servers/new"),
                &format!("/a/{account}/servers"),
                &[
                    ("name", name),
                    ("url", "http://127.0.0.1:9/mcp"),
                    ("slug", ""),
                    ("header_name", "X-Api-Key"),
                    ("header_value", "upstream-secret-value"),
                    ("header_name", ""),
                    ("header_value", ""),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
        let location = page.location().to_owned();
        let rest = location
            .strip_prefix(&format!("/a/{account}/servers/"))
            .expect("server page");
        rest.split('?').next().unwrap_or("").to_owned()
    }
}

pub fn tool(name: &str, description: &str) -> Value {
    serde_json::json!({"name": name, "description": description, "inputSchema": {"type": "object", "properties": {"command": {"type": "string"}}}})
}

impl TestApp {
    /// The account with this slug, read from the store.
    pub async fn account(&self, slug: &str) -> toolgate_store::Account {
        use toolgate_store::Store;
        self.store
            .find_account_by_slug(slug)
            .await
            .expect("store")
            .expect("account")
    }

    pub async fn store_is_empty_of_servers(&self, slug: &str) -> bool {
        use toolgate_store::Store;
        let account = self.account(slug).await;
        self.store
            .list_servers(account.id)
            .await
            .expect("store")
            .is_empty()
    }

    /// Makes every member of the account a viewer (there is no page for roles yet).
    pub async fn demote_to_viewer(&self, slug: &str) {
        sqlx::query("UPDATE memberships SET role = 'viewer' WHERE account_id = (SELECT id FROM accounts WHERE slug = $1)")
            .bind(slug)
            .execute(self.store.pool())
            .await
            .expect("demote");
    }
}

/// The id of the first grant linked from a grants page (`…/grants/{id}/rotate`).
pub fn grant_id(page: &str) -> String {
    let end = page.find("/rotate\"").expect("rotate link");
    let start = page[..end].rfind('/').expect("slash") + 1;
    page[start..end].to_owned()
}

/// The text of HTML with askama's escapes undone (for comparing copyable snippets).
pub fn unescape(html: &str) -> String {
    html.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
