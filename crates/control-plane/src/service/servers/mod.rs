//! Upstream MCP servers: register, change, fetch and sync the tool catalog, accept changed tools.
//! Field paths in validation errors: `name`, `slug`, `url`, `headers` / `headers.NAME`.

mod catalog;
mod save;

use std::time::Duration;

use serde_json::{Value, json};
use toolgate_cluster::ChangeEvent;
use toolgate_store::{Account, Server, StoreError, Tool};

pub use catalog::{Skipped, catalog};
pub use save::{ServerChanges, ServerInput, create, update};

use crate::error::ApiError;
use crate::service::admin::{self, Change};
use crate::state::AppState;
use crate::upstream::address;
use crate::upstream::headers::UpstreamHeaders;

const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// Fetches the upstream's whole tools/list with the server's (decrypted) headers. Also "test
/// connection". The URL is checked again: DNS or the deployment's setting may have changed.
pub async fn fetch_tools(state: &AppState, server: &Server) -> Result<Vec<Value>, ApiError> {
    address::check(&server.url, state.allow_private_upstreams)
        .await
        .map_err(|message| ApiError::field("url", format!("the server's URL {message}; change the URL")))?;
    let headers = UpstreamHeaders::open(&state.secret, server)?;
    let fetch = state.catalog.fetch_tools(&server.url, &headers.0);
    match tokio::time::timeout(FETCH_TIMEOUT, fetch).await {
        Ok(Ok(raw)) => Ok(raw),
        Ok(Err(error)) => Err(ApiError::Upstream(format!(
            "could not fetch the tool list (tools/list) from {}: {error}",
            server.url
        ))),
        Err(_) => Err(ApiError::Upstream(format!(
            "the upstream {} did not answer tools/list within {} s",
            server.url,
            FETCH_TIMEOUT.as_secs()
        ))),
    }
}

/// Fetches the upstream's tools and replaces the catalog; returns the saved tools and what was skipped.
pub async fn sync(
    state: &AppState,
    account: &Account,
    server: &Server,
) -> Result<(Vec<Tool>, Vec<Skipped>), ApiError> {
    let raw = fetch_tools(state, server).await?;
    let (tools, skipped) = catalog(raw);
    if !skipped.is_empty() {
        tracing::warn!(server = %server.slug, skipped = skipped.len(), "some upstream tools were skipped");
    }
    let saved = state.store.replace_tools(account.id, server.id, tools).await?;
    tracing::info!(account = %account.slug, server = %server.slug, tools = saved.len(), "catalog synced");
    let changed = saved.iter().filter(|tool| tool.changed()).count();
    let detail =
        json!({"slug": server.slug, "tools": saved.len(), "changed": changed, "skipped": skipped.len()});
    admin::record(
        state,
        account.id,
        Change::new("server.synced", "server", server.id).detail(detail),
    )
    .await;
    publish(state, account, server).await;
    Ok((saved, skipped))
}

/// Accepts the tool's current definition (for `pin_tools`): it is no longer `changed`.
pub async fn accept_tool(
    state: &AppState,
    account: &Account,
    server: &Server,
    name: &str,
) -> Result<Tool, ApiError> {
    let tool = state
        .store
        .accept_tool(account.id, server.id, name)
        .await
        .map_err(|error| match error {
            StoreError::NotFound => ApiError::NotFound("tool"),
            other => other.into(),
        })?;
    tracing::info!(account = %account.slug, server = %server.slug, tool = %tool.name, "tool definition accepted");
    let detail = json!({"slug": server.slug, "tool": tool.name});
    admin::record(
        state,
        account.id,
        Change::new("server.tool_accepted", "server", server.id).detail(detail),
    )
    .await;
    publish(state, account, server).await;
    Ok(tool)
}

async fn publish(state: &AppState, account: &Account, server: &Server) {
    state
        .publish(ChangeEvent::ServerChanged {
            account: account.id,
            server: server.id,
        })
        .await;
}
