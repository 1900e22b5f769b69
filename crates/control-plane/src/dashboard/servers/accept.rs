//! `POST /a/{acct}/servers/{server}/tools/{tool}/accept`: accept a changed tool's current definition
//! (for `pin_tools`), then 303 back to the server's page.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardWriter, PagePath};
use crate::service::{lookup, servers};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ToolPath {
    #[allow(dead_code)]
    acct: String,
    server: String,
    tool: String,
}

pub async fn accept(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PagePath(path): PagePath<ToolPath>,
) -> Result<Response, PageError> {
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    let tool = servers::accept_tool(&state, &member.account, &server, &path.tool).await?;
    let accepted: String = url::form_urlencoded::byte_serialize(tool.name.as_bytes()).collect();
    let page = member.url(&format!("/servers/{}?accepted={accepted}", server.slug.as_str()));
    Ok(Redirect::to(&page).into_response())
}
