//! The page that shows a grant's token once (after create or rotate), with a copy button and
//! ready-to-paste client configuration: Claude Code, Claude Desktop / Cursor `mcp.json`, curl.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::dashboard::extract::DashboardMember;
use crate::dashboard::layout::Layout;
use crate::service::grants::Issued;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "grants/token.html")]
struct TokenPage {
    layout: Layout,
    rotated: bool,
    grant_name: String,
    server_name: String,
    policy: Option<String>,
    token: String,
    gateway_url: String,
    claude_code: String,
    mcp_json: String,
    curl: String,
}

/// The token page; `rotated` changes the wording.
pub fn page(state: &AppState, member: &DashboardMember, issued: Issued, rotated: bool) -> Response {
    let server = &issued.described.server;
    let gateway_url = state.server_gateway_url(member.account.slug.as_str(), server.slug.as_str());
    let client_name = server.slug.as_str();
    let token = issued.token;
    let claude_code = format!(
        "claude mcp add --transport http {client_name} {gateway_url} --header \"Authorization: Bearer {token}\""
    );
    let config = json!({"mcpServers": {client_name: {"url": gateway_url, "headers": {"Authorization": format!("Bearer {token}")}}}});
    let mcp_json = serde_json::to_string_pretty(&config).unwrap_or_else(|_| config.to_string());
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}"#;
    let curl = format!(
        "curl -s {gateway_url} -H \"Authorization: Bearer {token}\" -H 'Content-Type: application/json' \
         -H 'Accept: application/json, text/event-stream' -d '{init}'"
    );
    let page = TokenPage {
        layout: member.layout(if rotated { "New token" } else { "Grant created" }, "grants"),
        rotated,
        grant_name: issued.described.grant.name,
        server_name: server.name.clone(),
        policy: issued.described.policy.map(|policy| policy.name),
        token,
        gateway_url,
        claude_code,
        mcp_json,
        curl,
    };
    let mut response = page.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
