//! Upstream MCP servers of an account.

use sqlx::PgPool;
use toolgate_domain::{AccountId, ServerId};
use uuid::Uuid;

use super::rows::{ServerRow, convert_all};
use super::{errors, json, timestamp};
use crate::{NewServer, Server, ServerPatch, StoreError, StoreResult};

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn create_server(
    pool: &PgPool,
    account_id: AccountId,
    server: NewServer,
) -> StoreResult<Server> {
    let now = timestamp::now();
    let row: ServerRow = sqlx::query_as(
        "INSERT INTO servers \
         (id, account_id, slug, name, url, headers_sealed, header_names, log_argument_values, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7::json, FALSE, $8, $8) RETURNING *",
    )
    .bind(server.id.as_uuid())
    .bind(account_id.as_uuid())
    .bind(server.slug.as_str())
    .bind(&server.name)
    .bind(&server.url)
    .bind(server.headers_sealed.as_deref())
    .bind(json::text_of(&server.header_names)?)
    .bind(now)
    .fetch_one(pool)
    .await
    .map_err(|error| {
        errors::on_write(error, |constraint| {
            if constraint == "servers_pkey" {
                format!("a server with the id {} already exists", server.id)
            } else {
                format!("a server with the slug \"{}\" already exists in this account", server.slug)
            }
        })
    })?;
    row.try_into()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn list_servers(pool: &PgPool, account_id: AccountId) -> StoreResult<Vec<Server>> {
    let rows: Vec<ServerRow> =
        sqlx::query_as("SELECT * FROM servers WHERE account_id = $1 ORDER BY created_at, slug COLLATE \"C\"")
            .bind(account_id.as_uuid())
            .fetch_all(pool)
            .await?;
    convert_all(rows)
}

#[tracing::instrument(skip_all, fields(account_id = %account_id))]
pub(super) async fn find_server(
    pool: &PgPool,
    account_id: AccountId,
    key: &str,
) -> StoreResult<Option<Server>> {
    // A slug may look like an id, so an id that matches nothing is tried as a slug too.
    if let Ok(server_id) = Uuid::parse_str(key) {
        let found = get_server(pool, account_id, server_id.into()).await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    let row: Option<ServerRow> = sqlx::query_as("SELECT * FROM servers WHERE account_id = $1 AND slug = $2")
        .bind(account_id.as_uuid())
        .bind(key)
        .fetch_optional(pool)
        .await?;
    row.map(Server::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id))]
pub(super) async fn get_server(
    pool: &PgPool,
    account_id: AccountId,
    server_id: ServerId,
) -> StoreResult<Option<Server>> {
    let row: Option<ServerRow> = sqlx::query_as("SELECT * FROM servers WHERE account_id = $1 AND id = $2")
        .bind(account_id.as_uuid())
        .bind(server_id.as_uuid())
        .fetch_optional(pool)
        .await?;
    row.map(Server::try_from).transpose()
}

#[tracing::instrument(skip_all, fields(account_id = %account_id, server_id = %server_id))]
pub(super) async fn update_server(
    pool: &PgPool,
    account_id: AccountId,
    server_id: ServerId,
    patch: ServerPatch,
) -> StoreResult<Server> {
    let nothing_to_change = patch.name.is_none()
        && patch.url.is_none()
        && patch.headers.is_none()
        && patch.log_argument_values.is_none();
    if nothing_to_change {
        return get_server(pool, account_id, server_id)
            .await?
            .ok_or(StoreError::NotFound);
    }
    // `Some(None)` clears the headers; `None` keeps them.
    let replace_headers = patch.headers.is_some();
    let (headers_sealed, header_names) = match patch.headers {
        Some(Some((sealed, names))) => (Some(sealed), names),
        Some(None) | None => (None, Vec::new()),
    };
    // One statement, so there is no read-then-write window.
    let row: Option<ServerRow> = sqlx::query_as(
        "UPDATE servers SET \
           name = COALESCE($3, name), \
           url = COALESCE($4, url), \
           headers_sealed = CASE WHEN $5 THEN $6 ELSE headers_sealed END, \
           header_names = CASE WHEN $5 THEN $7::json ELSE header_names END, \
           log_argument_values = COALESCE($8, log_argument_values), \
           updated_at = $9 \
         WHERE account_id = $1 AND id = $2 RETURNING *",
    )
    .bind(account_id.as_uuid())
    .bind(server_id.as_uuid())
    .bind(patch.name)
    .bind(patch.url)
    .bind(replace_headers)
    .bind(headers_sealed)
    .bind(json::text_of(&header_names)?)
    .bind(patch.log_argument_values)
    .bind(timestamp::now())
    .fetch_optional(pool)
    .await?;
    row.ok_or(StoreError::NotFound)?.try_into()
}
