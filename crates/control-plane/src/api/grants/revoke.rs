//! `DELETE /accounts/{acct}/grants/{grant}`: revoke (idempotent) → 204. The grant stays listed as
//! `revoked`; its token gets 401 from the next call on.

use axum::extract::State;
use axum::http::StatusCode;

use super::GrantPath;
use crate::error::ApiError;
use crate::extract::{ApiPath, Writer};
use crate::service::grants;
use crate::state::AppState;

#[tracing::instrument(skip_all)]
pub async fn revoke(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<GrantPath>,
) -> Result<StatusCode, ApiError> {
    grants::revoke(&state, &member.account, &path.grant).await?;
    Ok(StatusCode::NO_CONTENT)
}
