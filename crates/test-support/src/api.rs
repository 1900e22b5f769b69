//! A thin client of Toolgate's `/api/v1` for tests.

use anyhow::{Context, bail};
use serde_json::{Value, json};

pub struct ApiClient {
    pub base_url: String,
    pub token: String,
    pub account_slug: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// Signs up a fresh user and account.
    pub async fn signup(base_url: &str, email: &str, account_name: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::new();
        let response = http
            .post(format!("{base_url}/api/v1/signup"))
            .json(&json!({"email": email, "password": "correct horse battery staple", "account_name": account_name}))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if status.as_u16() != 201 {
            bail!("signup answered {status}: {body}");
        }
        Ok(Self {
            base_url: base_url.to_owned(),
            token: body["api_token"].as_str().context("api_token")?.to_owned(),
            account_slug: body["account"]["slug"]
                .as_str()
                .context("account slug")?
                .to_owned(),
            http,
        })
    }

    /// Sends a request; returns status and JSON body (Null when empty).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, value))
    }

    pub fn account_path(&self) -> String {
        format!("/api/v1/accounts/{}", self.account_slug)
    }

    /// Registers a server, syncs it, creates a policy and a grant; returns the grant token.
    pub async fn setup_server(
        &self,
        slug: &str,
        url: &str,
        headers: Value,
        policy: Value,
    ) -> anyhow::Result<String> {
        let account = self.account_path();
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                &format!("{account}/servers"),
                Some(json!({"name": slug, "slug": slug, "url": url, "headers": headers})),
            )
            .await?;
        if status != 201 {
            bail!("create server answered {status}: {body}");
        }
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                &format!("{account}/servers/{slug}/sync"),
                None,
            )
            .await?;
        if status != 200 {
            bail!("sync answered {status}: {body}");
        }
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                &format!("{account}/servers/{slug}/policies"),
                Some(json!({"name": "main", "document": policy})),
            )
            .await?;
        if status != 201 {
            bail!("create policy answered {status}: {body}");
        }
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                &format!("{account}/grants"),
                Some(json!({"name": "agent", "server": slug, "policy": "main"})),
            )
            .await?;
        if status != 201 {
            bail!("create grant answered {status}: {body}");
        }
        Ok(body["token"].as_str().context("grant token")?.to_owned())
    }

    pub fn gateway_url(&self, server_slug: &str) -> String {
        format!("{}/mcp/{}/{server_slug}", self.base_url, self.account_slug)
    }
}
