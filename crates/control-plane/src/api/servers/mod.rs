//! `/accounts/{acct}/servers`: upstream MCP servers and their tool catalogs.

mod create;
mod read;
mod sync;
mod tools;
mod update;

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use toolgate_domain::{ServerId, Slug};
use toolgate_store::{Server, Tool};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{acct}/servers", post(create::create).get(read::list))
        .route(
            "/accounts/{acct}/servers/{server}",
            get(read::show).patch(update::update),
        )
        .route("/accounts/{acct}/servers/{server}/sync", post(sync::sync))
        .route("/accounts/{acct}/servers/{server}/tools", get(tools::list))
        .route(
            "/accounts/{acct}/servers/{server}/tools/{tool}/accept",
            post(tools::accept),
        )
}

#[derive(Deserialize)]
struct ServerPath {
    #[allow(dead_code)]
    acct: String,
    server: String,
}

/// A server as the API shows it: header names, never values.
#[derive(Serialize)]
pub struct ServerView {
    id: ServerId,
    slug: Slug,
    name: String,
    url: String,
    header_names: Vec<String>,
    log_argument_values: bool,
    gateway_url: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl ServerView {
    fn new(state: &AppState, account_slug: &Slug, server: Server) -> Self {
        Self {
            gateway_url: state.server_gateway_url(account_slug.as_str(), server.slug.as_str()),
            id: server.id,
            slug: server.slug,
            name: server.name,
            url: server.url,
            header_names: server.header_names,
            log_argument_values: server.log_argument_values,
            created_at: server.created_at,
            updated_at: server.updated_at,
        }
    }
}

/// A catalog entry. `risk` is classified in a later step; it is `null` until then so the shape is stable.
#[derive(Serialize)]
pub struct ToolView {
    name: String,
    description: Option<String>,
    input_schema: serde_json::Value,
    annotations: Option<serde_json::Value>,
    risk: Option<serde_json::Value>,
    changed: bool,
    definition_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    synced_at: OffsetDateTime,
}

impl From<Tool> for ToolView {
    fn from(tool: Tool) -> Self {
        Self {
            changed: tool.changed(),
            name: tool.name,
            description: tool.description,
            input_schema: tool.input_schema,
            annotations: tool.annotations,
            risk: None,
            definition_hash: tool.definition_hash,
            synced_at: tool.synced_at,
        }
    }
}
