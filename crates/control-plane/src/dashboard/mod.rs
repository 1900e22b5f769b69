//! The dashboard: server-rendered askama pages (`templates/`) with assets from `static/` embedded into
//! the binary. See `README.md` in this folder for how the pieces fit.

mod activity;
mod approvals;
mod assets;
mod auth;
pub mod csrf;
mod error;
pub mod extract;
pub mod form;
mod grants;
mod headers;
mod home;
pub mod layout;
mod overview;
mod policies;
pub mod risk;
mod servers;
mod settings;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;

use crate::state::AppState;

/// Every page, behind the CSRF layer and the security headers; `/static/…`; the HTML 404 fallback.
/// Error pages get the signed-in layout when there is a session ([`error::with_navigation`]).
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::index))
        .merge(auth::router())
        .merge(overview::router())
        .merge(servers::router())
        .merge(grants::router())
        .merge(policies::router())
        .merge(approvals::router().merge(activity::router()))
        .merge(settings::router())
        .fallback(error::not_found)
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        .layer(from_fn_with_state(state, error::with_navigation))
        .layer(from_fn(headers::security))
        .merge(assets::router())
}
