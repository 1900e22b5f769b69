//! `POST /accounts/{acct}/servers/{server}/sync`: fetch the upstream's tools/list and replace the catalog.
//! Tools the catalog cannot keep are listed in `skipped` with the reason (see
//! `crate::service::servers::catalog`).

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::{ServerPath, ToolView};
use crate::error::ApiError;
use crate::extract::{ApiPath, Writer};
use crate::service::{lookup, servers};
use crate::state::AppState;

#[derive(Serialize)]
pub struct SyncAnswer {
    items: Vec<ToolView>,
    next_cursor: Option<String>,
    skipped: Vec<servers::Skipped>,
}

#[tracing::instrument(skip_all)]
pub async fn sync(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<ServerPath>,
) -> Result<Json<SyncAnswer>, ApiError> {
    let account = &member.account;
    let server = lookup::server(&state, account.id, &path.server).await?;
    let (saved, skipped) = servers::sync(&state, account, &server).await?;
    Ok(Json(SyncAnswer {
        items: saved.into_iter().map(ToolView::from).collect(),
        next_cursor: None,
        skipped,
    }))
}
