//! `DELETE /accounts/{acct}/grants/{grant}`: revoke (idempotent) → 204. The grant stays listed as
//! `revoked`; its token gets 401 from the next call on.

use axum::extract::State;
use axum::http::StatusCode;
use time::OffsetDateTime;
use toolgate_cluster::ChangeEvent;

use super::GrantPath;
use crate::api::lookup;
use crate::error::ApiError;
use crate::extract::{ApiPath, Writer};
use crate::state::AppState;

#[tracing::instrument(skip_all)]
pub async fn revoke(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<GrantPath>,
) -> Result<StatusCode, ApiError> {
    let account = &member.account;
    let grant = lookup::grant(&state, account.id, &path.grant).await?;
    if grant.revoked_at.is_none() {
        state
            .store
            .revoke_grant(account.id, grant.id, OffsetDateTime::now_utc())
            .await?;
        tracing::info!(account = %account.slug, grant = %grant.id, "grant revoked");
    }
    state
        .publish(ChangeEvent::GrantChanged {
            account: account.id,
            grant: grant.id,
        })
        .await;
    Ok(StatusCode::NO_CONTENT)
}
