//! `POST /accounts/{acct}/servers/{server}/sync`: fetch the upstream's tools/list and replace the catalog.
//!
//! Tools the catalog cannot keep are skipped, not fatal, and listed in `skipped` with the reason: a name
//! outside 1–128 of `[A-Za-z0-9_.-]` (a policy could not name it), a repeated name (the first wins), or
//! an `inputSchema` that is not an object.

use std::collections::HashSet;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use toolgate_cluster::ChangeEvent;
use toolgate_store::NewTool;

use super::{ServerPath, ToolView};
use crate::api::lookup;
use crate::canonical::definition_hash;
use crate::error::ApiError;
use crate::extract::{ApiPath, Writer};
use crate::state::AppState;
use crate::upstream::address;
use crate::upstream::headers::UpstreamHeaders;
use crate::validate;

const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Serialize)]
pub struct SyncAnswer {
    items: Vec<ToolView>,
    next_cursor: Option<String>,
    skipped: Vec<Skipped>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Skipped {
    /// Position in the upstream's list.
    index: usize,
    name: Option<String>,
    reason: String,
}

#[tracing::instrument(skip_all)]
pub async fn sync(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<ServerPath>,
) -> Result<Json<SyncAnswer>, ApiError> {
    let account = &member.account;
    let server = lookup::server(&state, account.id, &path.server).await?;
    // The address is checked again: DNS or the deployment's setting may have changed since the save.
    address::check(&server.url, state.allow_private_upstreams)
        .await
        .map_err(|message| {
            ApiError::field("url", format!("the server's URL {message}; change it with PATCH"))
        })?;
    let headers = UpstreamHeaders::open(&state.secret, &server)?;

    let fetch = state.catalog.fetch_tools(&server.url, &headers.0);
    let raw = match tokio::time::timeout(FETCH_TIMEOUT, fetch).await {
        Ok(Ok(raw)) => raw,
        Ok(Err(error)) => {
            return Err(ApiError::Upstream(format!(
                "could not fetch the tool list (tools/list) from {}: {error}",
                server.url
            )));
        }
        Err(_) => {
            return Err(ApiError::Upstream(format!(
                "the upstream {} did not answer tools/list within {} s",
                server.url,
                FETCH_TIMEOUT.as_secs()
            )));
        }
    };
    let (tools, skipped) = catalog(raw);
    if !skipped.is_empty() {
        tracing::warn!(server = %server.slug, skipped = skipped.len(), "some upstream tools were skipped");
    }
    let saved = state.store.replace_tools(account.id, server.id, tools).await?;
    tracing::info!(account = %account.slug, server = %server.slug, tools = saved.len(), "catalog synced");
    state
        .publish(ChangeEvent::ServerChanged {
            account: account.id,
            server: server.id,
        })
        .await;
    let items = saved.into_iter().map(ToolView::from).collect();
    Ok(Json(SyncAnswer {
        items,
        next_cursor: None,
        skipped,
    }))
}

/// Turns raw upstream tool objects into catalog entries, in upstream order.
fn catalog(raw: Vec<Value>) -> (Vec<NewTool>, Vec<Skipped>) {
    let mut tools = Vec::with_capacity(raw.len());
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    for (index, definition) in raw.into_iter().enumerate() {
        let name = definition.get("name").and_then(Value::as_str).map(str::to_owned);
        let mut skip = |reason: String| {
            skipped.push(Skipped {
                index,
                name: name.clone(),
                reason,
            })
        };
        let Some(tool_name) = name.clone() else {
            skip("the tool has no string \"name\"".into());
            continue;
        };
        if let Err(reason) = validate::tool_name(&tool_name) {
            skip(format!("the name {reason}"));
            continue;
        }
        let input_schema = definition.get("inputSchema").cloned().unwrap_or(Value::Null);
        if !input_schema.is_object() {
            skip("\"inputSchema\" is missing or not an object".into());
            continue;
        }
        if !seen.insert(tool_name.clone()) {
            skip("a tool of the same name comes earlier in the list".into());
            continue;
        }
        tools.push(NewTool {
            description: definition
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            annotations: definition
                .get("annotations")
                .filter(|value| !value.is_null())
                .cloned(),
            definition_hash: definition_hash(&definition),
            name: tool_name,
            input_schema,
            definition,
        });
    }
    (tools, skipped)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keeps_valid_tools_in_order_and_explains_the_rest() {
        let schema = json!({"type": "object"});
        let raw = vec![
            json!({"name": "b_tool", "description": "B", "inputSchema": schema}),
            json!({"name": "bad name", "inputSchema": schema}),
            json!({"description": "no name", "inputSchema": schema}),
            json!({"name": "a_tool", "inputSchema": schema, "annotations": {"readOnlyHint": true}}),
            json!({"name": "b_tool", "inputSchema": schema}),
            json!({"name": "no_schema"}),
        ];
        let (tools, skipped) = catalog(raw);
        let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_str()).collect();
        assert_eq!(names, ["b_tool", "a_tool"]);
        assert_eq!(tools[0].description.as_deref(), Some("B"));
        assert_eq!(tools[1].annotations, Some(json!({"readOnlyHint": true})));
        let indexes: Vec<usize> = skipped.iter().map(|skip| skip.index).collect();
        assert_eq!(indexes, [1, 2, 4, 5]);
    }
}
