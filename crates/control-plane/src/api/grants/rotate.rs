//! `POST /accounts/{acct}/grants/{grant}/rotate`: a new token; the old one stops working at once.

use axum::Json;
use axum::extract::State;

use super::{GrantPath, WithToken};
use crate::error::ApiError;
use crate::extract::{ApiPath, Writer};
use crate::service::grants;
use crate::state::AppState;

/// A revoked or expired grant is not rotated (409): its new token could never be used.
#[tracing::instrument(skip_all)]
pub async fn rotate(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<GrantPath>,
) -> Result<Json<WithToken>, ApiError> {
    let issued = grants::rotate(&state, &member.account, &path.grant).await?;
    Ok(Json(WithToken::new(&state, &member.account.slug, issued)))
}
