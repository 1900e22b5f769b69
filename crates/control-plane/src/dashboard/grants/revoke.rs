//! `GET /a/{acct}/grants/{grant}/revoke` (confirm) and `POST` (revoke → 303 to the list).

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::GrantPath;
use super::confirm::{self, Action, ConfirmPage};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardWriter, PagePath};
use crate::service::{grants, lookup};
use crate::state::AppState;

pub async fn confirm(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PagePath(path): PagePath<GrantPath>,
) -> Result<ConfirmPage, PageError> {
    let grant = lookup::grant(&state, member.account.id, &path.grant).await?;
    let described = grants::describe(&state, grant).await?;
    Ok(confirm::page(&member, Action::Revoke, &described, None))
}

pub async fn revoke(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PagePath(path): PagePath<GrantPath>,
) -> Result<Response, PageError> {
    let grant = grants::revoke(&state, &member.account, &path.grant).await?;
    let name: String = url::form_urlencoded::byte_serialize(grant.name.as_bytes()).collect();
    Ok(Redirect::to(&member.url(&format!("/grants?revoked={name}"))).into_response())
}
