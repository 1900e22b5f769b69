//! The data plane: the `/mcp/{account}/{server}` endpoint, the request pipeline, the upstream client,
//! stateless session ids and the snapshot cache.
//!
//! A request flows: resolve server snapshot → authenticate the grant → parse the JSON-RPC envelope →
//! (tools/call: decide by policy, reserve limits) → forward to the upstream → stream the answer back
//! (tools/list: filtered). No SQL runs on the request path once snapshots are warm.

mod approval;
pub mod audit;
mod call;
mod call_metrics;
pub mod catalog;
mod error;
mod handler;
mod list;
mod refusal;
pub mod session;
pub mod snapshot;
mod state;
pub mod upstream;

pub use error::GatewayError;
pub use handler::{RequestBody, handle, mcp_path};
pub use state::{GatewayConfig, GatewayState};

use axum::Router;
use axum::routing::any;

/// The gateway's routes. Merge into the all-in-one router or serve alone in `toolgate gateway`.
pub fn router(state: GatewayState) -> Router {
    Router::new()
        .route("/mcp/{account}/{server}", any(handler::endpoint))
        .with_state(state)
}
