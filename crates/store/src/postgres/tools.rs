//! A server's tool catalog, as last synced from the upstream, with the accepted definitions.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use sqlx::PgPool;
use sqlx::types::Json;
use toolgate_domain::{AccountId, ServerId};

use super::rows::ToolRow;
use super::{json, timestamp};
use crate::{NewTool, StoreError, StoreResult, Tool};

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id, tools = tools.len()))]
pub(super) async fn replace_tools(
    pool: &PgPool,
    account_id: AccountId,
    server_id: ServerId,
    tools: Vec<NewTool>,
) -> StoreResult<Vec<Tool>> {
    let synced_at = timestamp::now();
    let mut transaction = pool.begin().await?;
    // Locking the server row first serializes concurrent syncs of one catalog: without it, two syncs
    // would both delete the old rows and then collide inserting the new ones. `NO KEY UPDATE` does not
    // block inserts of rows referencing the server (grants, policies).
    let server_exists: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM servers WHERE account_id = $1 AND id = $2 FOR NO KEY UPDATE")
            .bind(account_id.as_uuid())
            .bind(server_id.as_uuid())
            .fetch_optional(&mut *transaction)
            .await?;
    if server_exists.is_none() {
        return Err(StoreError::NotFound);
    }
    // The deleted rows carry what was accepted before.
    let previous: Vec<ToolRow> =
        sqlx::query_as("DELETE FROM tools WHERE account_id = $1 AND server_id = $2 RETURNING *")
            .bind(account_id.as_uuid())
            .bind(server_id.as_uuid())
            .fetch_all(&mut *transaction)
            .await?;
    let mut accepted: HashMap<String, (String, Json<Value>)> = previous
        .into_iter()
        .map(|row| (row.name, (row.accepted_hash, row.accepted_definition)))
        .collect();

    let mut saved = Vec::with_capacity(tools.len());
    let mut seen = HashSet::with_capacity(tools.len());
    for tool in tools {
        // An upstream listing a name twice is tolerated: the first one counts, as for a client.
        if !seen.insert(tool.name.clone()) {
            continue;
        }
        // A tool seen for the first time is accepted as it is.
        let (accepted_hash, accepted_definition) = accepted
            .remove(&tool.name)
            .unwrap_or_else(|| (tool.definition_hash.clone(), Json(tool.definition.clone())));
        let position = i64::try_from(saved.len()).unwrap_or(i64::MAX);
        let row: ToolRow = sqlx::query_as(
            "INSERT INTO tools (account_id, server_id, name, description, input_schema, annotations, definition, \
               definition_hash, accepted_hash, accepted_definition, position, synced_at) \
             VALUES ($1, $2, $3, $4, $5::json, $6::json, $7::json, $8, $9, $10::json, $11, $12) RETURNING *",
        )
        .bind(account_id.as_uuid())
        .bind(server_id.as_uuid())
        .bind(&tool.name)
        .bind(&tool.description)
        .bind(json::text(&tool.input_schema))
        .bind(tool.annotations.as_ref().map(json::text))
        .bind(json::text(&tool.definition))
        .bind(&tool.definition_hash)
        .bind(accepted_hash)
        .bind(json::text(&accepted_definition.0))
        .bind(position)
        .bind(synced_at)
        .fetch_one(&mut *transaction)
        .await?;
        saved.push(Tool::from(row));
    }
    transaction.commit().await?;
    Ok(saved)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id))]
pub(super) async fn list_tools(
    pool: &PgPool,
    account_id: AccountId,
    server_id: ServerId,
) -> StoreResult<Vec<Tool>> {
    let rows: Vec<ToolRow> = sqlx::query_as(
        "SELECT * FROM tools WHERE account_id = $1 AND server_id = $2 ORDER BY position, name COLLATE \"C\"",
    )
    .bind(account_id.as_uuid())
    .bind(server_id.as_uuid())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Tool::from).collect())
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id))]
pub(super) async fn accept_tool(
    pool: &PgPool,
    account_id: AccountId,
    server_id: ServerId,
    name: &str,
) -> StoreResult<Tool> {
    let row: Option<ToolRow> = sqlx::query_as(
        "UPDATE tools SET accepted_hash = definition_hash, accepted_definition = definition \
         WHERE account_id = $1 AND server_id = $2 AND name = $3 RETURNING *",
    )
    .bind(account_id.as_uuid())
    .bind(server_id.as_uuid())
    .bind(name)
    .fetch_optional(pool)
    .await?;
    Ok(row.ok_or(StoreError::NotFound)?.into())
}
