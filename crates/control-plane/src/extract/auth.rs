//! Who is calling, and what they may do in the account named by the `{acct}` path segment.
//!
//! Credentials: `Authorization: Bearer tgk_…` (an API token), or else the dashboard's session cookie.
//! A cookie-authenticated write (any method but GET/HEAD/OPTIONS) must also send the session's CSRF
//! token as `X-CSRF-Token` and must not come from another site (403 `csrf_failed`).

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{Method, header};
use toolgate_domain::{Role, TokenHash, TokenKind};
use toolgate_store::{Account, User};

use crate::error::ApiError;
use crate::session::{self, csrf};
use crate::state::AppState;

/// An authenticated person.
pub struct AuthUser(pub User);

fn api_token(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::Unauthorized)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(ApiError::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized);
    }
    let token = token.trim();
    if !TokenKind::Api.matches(token) {
        return Err(ApiError::Unauthorized);
    }
    Ok(Some(token))
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(token) = api_token(parts)? {
            let user = state.store.find_user_by_api_token(TokenHash::of(token)).await?;
            let user = user.ok_or(ApiError::Unauthorized)?;
            crate::service::admin::set_actor(user.id);
            return Ok(AuthUser(user));
        }
        let session = session::current(parts, state)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if is_write(&parts.method) {
            let presented = csrf::header_token(&parts.headers).unwrap_or("");
            if csrf::is_cross_site(&parts.headers, &state.public_url)
                || !csrf::tokens_match(&session.csrf_token, presented)
            {
                return Err(ApiError::CsrfFailed);
            }
        }
        Ok(AuthUser(session.user.clone()))
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
        let key = path_param(parts, state, "acct").await?;
        let membership = state.store.find_membership(user.id, &key).await?;
        let membership = membership.ok_or(ApiError::NotFound("account"))?;
        Ok(Member {
            user,
            account: membership.account,
            role: membership.role,
        })
    }
}

/// The raw value of one path segment, e.g. `{acct}`.
pub async fn path_param(parts: &mut Parts, state: &AppState, name: &str) -> Result<String, ApiError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|rejection| ApiError::BadRequest(format!("invalid path: {}", rejection.body_text())))?;
    params
        .iter()
        .find_map(|(key, value)| (key == name).then(|| value.to_owned()))
        .ok_or_else(|| {
            ApiError::internal(format!(
                "route without a {{{name}}} segment uses a member extractor"
            ))
        })
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
