//! `GET /`: to the login page, or to the overview of the user's first account.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::error::PageError;
use super::extract::DashboardUser;
use crate::state::AppState;

pub async fn index(
    State(state): State<AppState>,
    user: Result<DashboardUser, PageError>,
) -> Result<Response, PageError> {
    let user = match user {
        Ok(user) => user,
        Err(PageError::LoginRequired { .. }) => return Ok(Redirect::to("/login").into_response()),
        Err(other) => return Err(other),
    };
    let memberships = state.store.list_memberships(user.user.id).await?;
    match memberships.first() {
        Some(first) => Ok(Redirect::to(&format!("/a/{}", first.account.slug.as_str())).into_response()),
        // A user always owns the account made at signup; without one there is nothing to show.
        None => Err(PageError::NotFound),
    }
}
