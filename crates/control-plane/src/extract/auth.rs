//! Who is calling, and what they may do in the account named by the `{acct}` path segment.
//!
//! Credentials today: `Authorization: Bearer tgk_…` (an API token). The dashboard's session cookie is a
//! later step: it becomes one more [`Credential`] variant, resolved in [`AuthUser`]; handlers do not
//! change.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::header;
use axum::http::request::Parts;
use toolgate_domain::{Role, TokenHash, TokenKind};
use toolgate_store::{Account, User};

use crate::error::ApiError;
use crate::state::AppState;

/// An authenticated person.
pub struct AuthUser(pub User);

enum Credential<'a> {
    ApiToken(&'a str),
}

fn credential(parts: &Parts) -> Result<Credential<'_>, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized)?;
    let value = value.to_str().map_err(|_| ApiError::Unauthorized)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(ApiError::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized);
    }
    let token = token.trim();
    if !TokenKind::Api.matches(token) {
        return Err(ApiError::Unauthorized);
    }
    Ok(Credential::ApiToken(token))
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match credential(parts)? {
            Credential::ApiToken(token) => {
                let user = state.store.find_user_by_api_token(TokenHash::of(token)).await?;
                user.map(AuthUser).ok_or(ApiError::Unauthorized)
            }
        }
    }
}

/// A member of the account named by `{acct}` (slug or id). Anyone else gets 404, as if the account
/// did not exist.
pub struct Member {
    pub user: User,
    pub account: Account,
    pub role: Role,
}

impl FromRequestParts<AppState> for Member {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let AuthUser(user) = AuthUser::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::BadRequest(format!("invalid path: {}", rejection.body_text())))?;
        let key = params
            .iter()
            .find_map(|(name, value)| (name == "acct").then(|| value.to_owned()))
            .ok_or_else(|| ApiError::internal("route without an {acct} segment uses the Member extractor"))?;
        let membership = state.store.find_membership(user.id, &key).await?;
        let membership = membership.ok_or(ApiError::NotFound("account"))?;
        Ok(Member {
            user,
            account: membership.account,
            role: membership.role,
        })
    }
}

/// A member whose role may change servers, policies and grants (403 otherwise).
pub struct Writer(pub Member);

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let member = Member::from_request_parts(parts, state).await?;
        if !member.role.can_write() {
            return Err(ApiError::Forbidden);
        }
        Ok(Writer(member))
    }
}
