//! `GET …/policies` (list), `GET …/policies/{policy}` (current version) and `…/versions` (history,
//! newest first).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use toolgate_domain::UserId;

use super::{PolicyPath, PolicyView, ServerPath};
use crate::api::page::{ListQuery, Page};
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery, Member};
use crate::service::lookup;
use crate::state::AppState;

#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiPath(path): ApiPath<ServerPath>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<PolicyView>>, ApiError> {
    query.check()?;
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    let policies = state.store.list_policies(member.account.id, server.id).await?;
    let items = policies
        .into_iter()
        .map(|policy| PolicyView::summary(policy, &server.slug))
        .collect();
    Ok(Json(Page::all(items)))
}

#[tracing::instrument(skip_all)]
pub async fn show(
    State(state): State<AppState>,
    member: Member,
    ApiPath(path): ApiPath<PolicyPath>,
) -> Result<Json<PolicyView>, ApiError> {
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    let policy = lookup::policy(&state, member.account.id, &server, &path.policy).await?;
    Ok(Json(PolicyView::full(policy, &server.slug)))
}

#[derive(Serialize)]
pub struct VersionView {
    version: i64,
    document: Value,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    created_by: Option<UserId>,
}

#[tracing::instrument(skip_all)]
pub async fn versions(
    State(state): State<AppState>,
    member: Member,
    ApiPath(path): ApiPath<PolicyPath>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<VersionView>>, ApiError> {
    query.check()?;
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    let policy = lookup::policy(&state, member.account.id, &server, &path.policy).await?;
    let versions = state
        .store
        .list_policy_versions(member.account.id, policy.id)
        .await?;
    let items = versions
        .into_iter()
        .map(|version| VersionView {
            version: version.version,
            document: version.document,
            created_at: version.created_at,
            created_by: version.created_by,
        })
        .collect();
    Ok(Json(Page::all(items)))
}
