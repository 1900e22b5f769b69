//! `/api/v1`: one module per resource, each with its own `router()`.

mod accounts;
mod auth;
mod grants;
mod lookup;
mod page;
mod policies;
mod servers;

use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(accounts::router())
        .merge(servers::router())
        .merge(policies::router())
        .merge(grants::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
