//! `/api/v1`: one module per resource, each with its own `router()`.

mod accounts;
mod admin_events;
mod approvals;
mod audit;
mod audit_export;
mod auth;
mod grants;
mod page;
mod policies;
mod servers;
mod settings;
mod webhooks;

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
        .merge(approvals::router())
        .merge(audit::router())
        .merge(settings::router())
        .merge(admin_events::router())
        .merge(webhooks::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
