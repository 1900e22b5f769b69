//! `GET /accounts/{acct}/grants`: every grant of the account, revoked and expired ones included.

use axum::Json;
use axum::extract::State;

use super::GrantView;
use crate::api::page::{ListQuery, Page};
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member};
use crate::service::grants;
use crate::state::AppState;

#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<GrantView>>, ApiError> {
    query.check()?;
    let account = &member.account;
    let items = grants::list(&state, account)
        .await?
        .into_iter()
        .map(|described| GrantView::new(&state, &account.slug, described))
        .collect();
    Ok(Json(Page::all(items)))
}
