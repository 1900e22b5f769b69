//! `/accounts/{acct}/servers/{server}/policies`: named, versioned policy documents. Every save is
//! checked by the policy compiler (422 `invalid_policy` with JSON pointers into the document) and is a
//! new immutable version.

mod create;
mod read;
mod simulate;
mod update;

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use toolgate_domain::{PolicyId, Slug};
use toolgate_policy::CompiledPolicy;
use toolgate_store::Policy;

use crate::error::{ApiError, FieldError};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let base = "/accounts/{acct}/servers/{server}/policies";
    Router::new()
        .route(base, post(create::create).get(read::list))
        .route(&format!("{base}/{{policy}}"), get(read::show).put(update::update))
        .route(&format!("{base}/{{policy}}/versions"), get(read::versions))
        .route(&format!("{base}/{{policy}}/simulate"), post(simulate::simulate))
}

#[derive(Deserialize)]
struct ServerPath {
    #[allow(dead_code)]
    acct: String,
    server: String,
}

#[derive(Deserialize)]
struct PolicyPath {
    #[allow(dead_code)]
    acct: String,
    server: String,
    policy: String,
}

/// Compiles a document, or answers `invalid_policy` with one field per problem (path = JSON pointer
/// into the document).
fn compile(document: &Value) -> Result<CompiledPolicy, ApiError> {
    toolgate_policy::compile(document).map_err(|errors| {
        let fields = errors
            .into_iter()
            .map(|error| FieldError::new(error.pointer, error.message))
            .collect();
        ApiError::InvalidPolicy(fields)
    })
}

#[derive(Serialize)]
struct PolicyView {
    id: PolicyId,
    name: String,
    version: i64,
    server: Slug,
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<Value>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl PolicyView {
    fn full(policy: Policy, server: &Slug) -> Self {
        let document = Some(policy.document.clone());
        Self {
            document,
            ..Self::summary(policy, server)
        }
    }

    /// Without the document (for lists).
    fn summary(policy: Policy, server: &Slug) -> Self {
        Self {
            id: policy.id,
            name: policy.name,
            version: policy.version,
            server: server.clone(),
            document: None,
            created_at: policy.created_at,
            updated_at: policy.updated_at,
        }
    }
}
