//! `GET /a/{acct}/grants/{grant}/rotate` (confirm) and `POST` (a new token → the token page).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::confirm::{self, Action, ConfirmPage};
use super::{GrantPath, token};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardWriter, PagePath};
use crate::error::ApiError;
use crate::service::{grants, lookup};
use crate::state::AppState;

pub async fn confirm(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PagePath(path): PagePath<GrantPath>,
) -> Result<ConfirmPage, PageError> {
    let grant = lookup::grant(&state, member.account.id, &path.grant).await?;
    let described = grants::describe(&state, grant).await?;
    Ok(confirm::page(&member, Action::Rotate, &described, None))
}

pub async fn rotate(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PagePath(path): PagePath<GrantPath>,
) -> Result<Response, PageError> {
    match grants::rotate(&state, &member.account, &path.grant).await {
        Ok(issued) => Ok(token::page(&state, &member, issued, true)),
        // Revoked or expired: say so on the confirmation page.
        Err(ApiError::Conflict(message)) => {
            let grant = lookup::grant(&state, member.account.id, &path.grant).await?;
            let described = grants::describe(&state, grant).await?;
            let page = confirm::page(&member, Action::Rotate, &described, Some(message));
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
