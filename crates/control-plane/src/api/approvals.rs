//! `/accounts/{acct}/approvals`: calls held for a person's decision. The arguments are shown here, to
//! members of the account, while the approval is open.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use toolgate_domain::ApprovalId;
use toolgate_policy::risk::Risk;

use crate::api::page::Page;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Member, Writer};
use crate::service::approvals::{self, Described};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{acct}/approvals", get(list))
        .route("/accounts/{acct}/approvals/{approval}", get(read))
        .route("/accounts/{acct}/approvals/{approval}/approve", post(approve))
        .route("/accounts/{acct}/approvals/{approval}/deny", post(deny))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct ApprovalPath {
    #[allow(dead_code)]
    acct: String,
    approval: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    note: Option<String>,
}

#[derive(Serialize)]
struct ApprovalView {
    id: ApprovalId,
    status: &'static str,
    /// The server's slug.
    server: Option<String>,
    /// The grant's label.
    grant: Option<String>,
    grant_id: String,
    tool: String,
    /// The call's arguments while the approval is open; `null` afterwards.
    arguments: Option<Value>,
    arguments_hash: String,
    risk: Option<Risk>,
    policy_version: i64,
    note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    decided_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    used_at: Option<OffsetDateTime>,
}

impl ApprovalView {
    fn new(described: Described) -> Self {
        let status = described.status(OffsetDateTime::now_utc());
        let approval = described.approval;
        Self {
            id: approval.id,
            status,
            server: described.server.map(|server| server.slug.to_string()),
            grant: described.grant.map(|grant| grant.name),
            grant_id: approval.grant_id.to_string(),
            tool: approval.tool,
            arguments: described.arguments,
            arguments_hash: approval.arguments_hash,
            risk: described.risk,
            policy_version: approval.policy_version,
            note: approval.note,
            created_at: approval.created_at,
            expires_at: approval.expires_at,
            decided_at: approval.decided_at,
            used_at: approval.used_at,
        }
    }
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<ApprovalView>>, ApiError> {
    let status = query.status.as_deref().map(approvals::parse_status).transpose()?;
    let limit = query.limit.unwrap_or(100);
    let listed = approvals::list(&state, &member.account, status, limit, query.cursor.as_deref()).await?;
    let items = listed.items.into_iter().map(ApprovalView::new).collect();
    Ok(Json(Page {
        items,
        next_cursor: listed.next_cursor,
    }))
}

#[tracing::instrument(skip_all)]
async fn read(
    State(state): State<AppState>,
    member: Member,
    ApiPath(path): ApiPath<ApprovalPath>,
) -> Result<Json<ApprovalView>, ApiError> {
    let described = approvals::get(&state, &member.account, &path.approval).await?;
    Ok(Json(ApprovalView::new(described)))
}

/// An optional JSON body `{"note": "…"}`.
fn decision_body(body: &Bytes) -> Result<DecisionBody, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(DecisionBody::default());
    }
    serde_json::from_slice(body).map_err(|error| ApiError::MalformedJson(format!("invalid body: {error}")))
}

async fn decide(
    state: AppState,
    member: crate::extract::Member,
    key: &str,
    approve: bool,
    body: Bytes,
) -> Result<Json<ApprovalView>, ApiError> {
    let body = decision_body(&body)?;
    let described =
        approvals::decide(&state, &member.account, member.user.id, key, approve, body.note).await?;
    Ok(Json(ApprovalView::new(described)))
}

#[tracing::instrument(skip_all)]
async fn approve(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<ApprovalPath>,
    body: Bytes,
) -> Result<Json<ApprovalView>, ApiError> {
    decide(state, member, &path.approval, true, body).await
}

#[tracing::instrument(skip_all)]
async fn deny(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<ApprovalPath>,
    body: Bytes,
) -> Result<Json<ApprovalView>, ApiError> {
    decide(state, member, &path.approval, false, body).await
}
