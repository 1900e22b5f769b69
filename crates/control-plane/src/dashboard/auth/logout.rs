//! `POST /logout`: ends the session (the CSRF layer has checked the form) and clears the cookie.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::dashboard::error::PageError;
use crate::session;
use crate::state::AppState;

pub async fn submit(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let cookie = session::end(&state, &headers).await?;
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}
