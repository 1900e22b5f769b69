//! `POST /a/{acct}/servers/{server}/test`: asks the upstream for its tool list with the stored headers
//! and says whether it answered. Nothing is saved.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::ServerPath;
use super::show::{Notice, render};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardWriter, PagePath};
use crate::service::{lookup, servers};
use crate::state::AppState;

pub async fn test(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PagePath(path): PagePath<ServerPath>,
) -> Result<Response, PageError> {
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    let (status, notice) = match servers::fetch_tools(&state, &server).await {
        Ok(tools) => (
            StatusCode::OK,
            Notice::ok(format!(
                "Connected: the upstream answered and lists {} tools.",
                tools.len()
            )),
        ),
        Err(error) => (
            error.status(),
            Notice::error(format!("Connection failed: {error}")),
        ),
    };
    let page = render(&state, &member, server, Some(notice), None).await?;
    Ok((status, page).into_response())
}
