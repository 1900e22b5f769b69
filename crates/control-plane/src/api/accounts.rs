//! `GET /accounts` (the caller's accounts) and `GET /accounts/{acct}`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use time::OffsetDateTime;
use toolgate_domain::{AccountId, Role, Slug};
use toolgate_store::Account;

use super::page::{ListQuery, Page};
use crate::error::ApiError;
use crate::extract::{ApiQuery, AuthUser, Member};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list))
        .route("/accounts/{acct}", get(show))
}

#[derive(Serialize)]
pub struct AccountView {
    pub id: AccountId,
    pub slug: Slug,
    pub name: String,
    pub role: Role,
    pub gateway_url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl AccountView {
    pub fn new(state: &AppState, account: Account, role: Role) -> Self {
        Self {
            gateway_url: state.account_gateway_url(account.slug.as_str()),
            id: account.id,
            slug: account.slug,
            name: account.name,
            role,
            created_at: account.created_at,
        }
    }
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<AccountView>>, ApiError> {
    query.check()?;
    let memberships = state.store.list_memberships(user.id).await?;
    let items = memberships
        .into_iter()
        .map(|membership| AccountView::new(&state, membership.account, membership.role))
        .collect();
    Ok(Json(Page::all(items)))
}

#[tracing::instrument(skip_all)]
async fn show(State(state): State<AppState>, member: Member) -> Json<AccountView> {
    Json(AccountView::new(&state, member.account, member.role))
}
