//! `GET …/servers/{server}/tools` and `POST …/servers/{server}/tools/{tool}/accept`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::{ServerPath, ToolView};
use crate::api::page::{ListQuery, Page};
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Member, Writer};
use crate::service::{lookup, servers};
use crate::state::AppState;

#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiPath(path): ApiPath<ServerPath>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<ToolView>>, ApiError> {
    query.check()?;
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    let tools = state.store.list_tools(member.account.id, server.id).await?;
    Ok(Json(Page::all(tools.into_iter().map(ToolView::from).collect())))
}

#[derive(Deserialize)]
pub struct ToolPath {
    #[allow(dead_code)]
    acct: String,
    server: String,
    tool: String,
}

/// Accepts the tool's current definition (for `pin_tools`): it is no longer `changed`.
#[tracing::instrument(skip_all)]
pub async fn accept(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<ToolPath>,
) -> Result<Json<ToolView>, ApiError> {
    let account = &member.account;
    let server = lookup::server(&state, account.id, &path.server).await?;
    let tool = servers::accept_tool(&state, account, &server, &path.tool).await?;
    Ok(Json(ToolView::from(tool)))
}
