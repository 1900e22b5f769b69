//! `POST /a/{acct}/servers/{server}/sync`: fetch tools/list and replace the catalog (the API's sync),
//! then 303 back to the server's page; a failure is shown on the page.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::ServerPath;
use super::show::{Notice, render};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardWriter, PagePath};
use crate::error::ApiError;
use crate::service::{lookup, servers};
use crate::state::AppState;

pub async fn sync(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PagePath(path): PagePath<ServerPath>,
) -> Result<Response, PageError> {
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    match servers::sync(&state, &member.account, &server).await {
        Ok((tools, skipped)) => {
            let page = member.url(&format!(
                "/servers/{}?synced={}&skipped={}",
                server.slug.as_str(),
                tools.len(),
                skipped.len()
            ));
            Ok(Redirect::to(&page).into_response())
        }
        Err(error @ (ApiError::Upstream(_) | ApiError::Validation(_))) => {
            let status = error.status();
            let notice = Notice::error(format!("Sync failed: {error}"));
            let page = render(&state, &member, server, Some(notice), None).await?;
            Ok((status, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
