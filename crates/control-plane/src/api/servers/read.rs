//! `GET /accounts/{acct}/servers` and `GET /accounts/{acct}/servers/{server}`.

use axum::Json;
use axum::extract::State;

use super::{ServerPath, ServerView};
use crate::api::page::{ListQuery, Page};
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Member};
use crate::service::lookup;
use crate::state::AppState;

#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<ServerView>>, ApiError> {
    query.check()?;
    let servers = state.store.list_servers(member.account.id).await?;
    let items = servers
        .into_iter()
        .map(|server| ServerView::new(&state, &member.account.slug, server))
        .collect();
    Ok(Json(Page::all(items)))
}

#[tracing::instrument(skip_all)]
pub async fn show(
    State(state): State<AppState>,
    member: Member,
    ApiPath(path): ApiPath<ServerPath>,
) -> Result<Json<ServerView>, ApiError> {
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    Ok(Json(ServerView::new(&state, &member.account.slug, server)))
}
