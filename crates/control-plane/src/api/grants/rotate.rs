//! `POST /accounts/{acct}/grants/{grant}/rotate`: a new token; the old one stops working at once.

use axum::Json;
use axum::extract::State;
use time::OffsetDateTime;
use toolgate_cluster::ChangeEvent;

use super::{GrantPath, NewToken, WithToken, describe};
use crate::api::lookup;
use crate::error::ApiError;
use crate::extract::{ApiPath, Writer};
use crate::state::AppState;

/// A revoked or expired grant is not rotated (409): its new token could never be used.
#[tracing::instrument(skip_all)]
pub async fn rotate(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<GrantPath>,
) -> Result<Json<WithToken>, ApiError> {
    let account = &member.account;
    let grant = lookup::grant(&state, account.id, &path.grant).await?;
    if grant.revoked_at.is_some() {
        return Err(ApiError::Conflict(
            "the grant is revoked; create a new grant instead".into(),
        ));
    }
    if !grant.is_active(OffsetDateTime::now_utc()) {
        return Err(ApiError::Conflict(
            "the grant has expired; create a new grant instead".into(),
        ));
    }
    let token = NewToken::generate();
    let rotated = state
        .store
        .rotate_grant(account.id, grant.id, token.hash, &token.prefix)
        .await?;
    tracing::info!(account = %account.slug, grant = %rotated.id, "grant rotated");
    state
        .publish(ChangeEvent::GrantChanged {
            account: account.id,
            grant: rotated.id,
        })
        .await;
    let view = describe(&state, &account.slug, rotated).await?;
    Ok(Json(WithToken {
        token: token.token,
        grant: view,
    }))
}
