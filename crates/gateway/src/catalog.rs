//! Fetching an upstream's tool catalog (for the control plane's sync): initialize, initialized,
//! every page of tools/list, then end the session.

use std::time::Duration;

use futures_util::StreamExt;
use http::header;
use serde_json::{Value, json};
use toolgate_mcp::headers as mcp_headers;
use toolgate_mcp::sse::SseDecoder;

use crate::upstream::{Upstream, describe_transport_error};

const PROTOCOL_VERSION: &str = "2025-06-18";
const MAX_PAGES: usize = 100;
const TIMEOUT: Duration = Duration::from_secs(20);

impl Upstream {
    /// The upstream's complete tools/list, as raw tool objects in its order.
    pub async fn fetch_tools(&self, url: &str, headers: &[(String, String)]) -> Result<Vec<Value>, String> {
        tokio::time::timeout(TIMEOUT, self.fetch_tools_inner(url, headers))
            .await
            .map_err(|_| format!("the upstream did not answer within {} s", TIMEOUT.as_secs()))?
    }

    async fn fetch_tools_inner(&self, url: &str, headers: &[(String, String)]) -> Result<Vec<Value>, String> {
        let mut session = CatalogSession {
            upstream: self,
            url,
            headers,
            session_id: None,
            protocol: None,
        };
        let init = session
            .request(
                1,
                "initialize",
                json!({
                    "protocolVersion": PROTOCOL_VERSION,
                    "capabilities": {},
                    "clientInfo": {"name": "toolgate-sync", "version": env!("CARGO_PKG_VERSION")}
                }),
            )
            .await?;
        session.protocol = init
            .get("protocolVersion")
            .and_then(Value::as_str)
            .map(str::to_owned);
        session.notify("notifications/initialized").await?;
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for page in 0..MAX_PAGES {
            let params = match &cursor {
                Some(cursor) => json!({ "cursor": cursor }),
                None => json!({}),
            };
            let result = session.request(2 + page as i64, "tools/list", params).await?;
            match result.get("tools") {
                Some(Value::Array(page_tools)) => tools.extend(page_tools.iter().cloned()),
                _ => return Err("the upstream's tools/list answer has no \"tools\" array".into()),
            }
            cursor = result
                .get("nextCursor")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if cursor.is_none() {
                break;
            }
        }
        session.end().await;
        Ok(tools)
    }
}

struct CatalogSession<'a> {
    upstream: &'a Upstream,
    url: &'a str,
    headers: &'a [(String, String)],
    session_id: Option<String>,
    protocol: Option<String>,
}

impl CatalogSession<'_> {
    fn builder(&self, method: reqwest::Method) -> reqwest::RequestBuilder {
        let mut request = self
            .upstream
            .client()
            .request(method, self.url)
            .header(header::ACCEPT, "application/json, text/event-stream")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(session) = &self.session_id {
            request = request.header(mcp_headers::MCP_SESSION_ID, session);
        }
        if let Some(protocol) = &self.protocol {
            request = request.header(mcp_headers::MCP_PROTOCOL_VERSION, protocol);
        }
        for (name, value) in self.headers {
            request = request.header(name, value);
        }
        request
    }

    async fn request(&mut self, id: i64, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let response = self
            .builder(reqwest::Method::POST)
            .json(&body)
            .send()
            .await
            .map_err(|error| describe_transport_error(&error))?;
        if !response.status().is_success() {
            return Err(format!(
                "the upstream answered {method} with HTTP {}",
                response.status().as_u16()
            ));
        }
        if let Some(session) = response
            .headers()
            .get(mcp_headers::MCP_SESSION_ID)
            .and_then(|v| v.to_str().ok())
        {
            self.session_id = Some(session.to_owned());
        }
        let message = read_response(response, id).await?;
        if let Some(error) = message.get("error") {
            let text = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            return Err(format!("the upstream refused {method}: {text}"));
        }
        message
            .get("result")
            .cloned()
            .ok_or_else(|| format!("the upstream's {method} answer has no result"))
    }

    async fn notify(&self, method: &str) -> Result<(), String> {
        let body = json!({"jsonrpc": "2.0", "method": method});
        let response = self
            .builder(reqwest::Method::POST)
            .json(&body)
            .send()
            .await
            .map_err(|error| describe_transport_error(&error))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "the upstream answered {method} with HTTP {}",
                response.status().as_u16()
            ))
        }
    }

    async fn end(&self) {
        if self.session_id.is_some() {
            let _ = self.builder(reqwest::Method::DELETE).send().await;
        }
    }
}

/// The JSON-RPC response with `id`, from a JSON body or an event stream.
async fn read_response(response: reqwest::Response, id: i64) -> Result<Value, String> {
    let event_stream = crate::upstream::is_event_stream(response.headers());
    if !event_stream {
        return response
            .json::<Value>()
            .await
            .map_err(|error| format!("the upstream's answer is not JSON: {error}"));
    }
    let mut decoder = SseDecoder::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| describe_transport_error(&error))?;
        for event in decoder.feed(&chunk).map_err(|error| error.to_string())? {
            let Ok(message) = serde_json::from_str::<Value>(&event.data) else {
                continue;
            };
            if message.get("id").and_then(Value::as_i64) == Some(id) {
                return Ok(message);
            }
        }
    }
    Err("the upstream's event stream ended without an answer".into())
}
