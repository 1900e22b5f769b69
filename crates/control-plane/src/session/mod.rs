//! Dashboard login sessions, shared by the pages and the API (ARCHITECTURE §10, §11).
//!
//! - The cookie `toolgate_session` holds a `tgs_…` token (32 random bytes); the store keeps only its
//!   SHA-256, with the user, a CSRF token and a fixed expiry ([`SESSION_TTL`] after login; no sliding:
//!   a stolen cookie stops working at a known time, and logging in again is one form away).
//! - Every cookie-authenticated write must carry the session's CSRF token: a `csrf_token` form field
//!   or an `X-CSRF-Token` header (see [`csrf`]), and must not come from another site.
//! - The session is looked up at most once per request: [`current`] caches it in the request's
//!   extensions, so the CSRF layer and the extractors share one store query.

pub mod cookie;
pub mod csrf;

use std::sync::Arc;
use std::time::Duration;

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use time::OffsetDateTime;
use toolgate_domain::{TokenHash, TokenKind};
use toolgate_store::User;

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "toolgate_session";
/// How long a login lasts (fixed from the login).
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 60 * 60);

/// A logged-in person, from the session cookie.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub user: User,
    /// The synchronizer token every write must send back.
    pub csrf_token: String,
}

/// What [`current`] found, kept in the request's extensions.
#[derive(Clone)]
struct Lookup(Option<Arc<ActiveSession>>);

/// The request's session, if its cookie names a live one. Looked up once per request.
pub async fn current(parts: &mut Parts, state: &AppState) -> Result<Option<Arc<ActiveSession>>, ApiError> {
    if let Some(Lookup(found)) = parts.extensions.get::<Lookup>() {
        return Ok(found.clone());
    }
    let found = find(&parts.headers, state).await?.map(Arc::new);
    if let Some(session) = &found {
        // Changes made in this request are attributed to this user (admin events).
        crate::service::admin::set_actor(session.user.id);
    }
    parts.extensions.insert(Lookup(found.clone()));
    Ok(found)
}

/// The session named by the cookie in `headers`, uncached (prefer [`current`] where there are `Parts`).
pub async fn find(headers: &HeaderMap, state: &AppState) -> Result<Option<ActiveSession>, ApiError> {
    let Some(token) = cookie::find(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    if !TokenKind::Session.matches(token) {
        return Ok(None);
    }
    let found = state
        .store
        .find_session(TokenHash::of(token), OffsetDateTime::now_utc())
        .await?;
    Ok(found.map(|(session, user)| ActiveSession {
        user,
        csrf_token: session.csrf_token,
    }))
}

/// Does the request carry a session cookie at all (live or not)?
pub fn has_cookie(headers: &HeaderMap) -> bool {
    cookie::find(headers, SESSION_COOKIE).is_some()
}

/// Starts a session for `user`: stores it and answers the `Set-Cookie` value.
pub async fn start(state: &AppState, user: &User) -> Result<HeaderValue, ApiError> {
    let now = OffsetDateTime::now_utc();
    // Housekeeping on the (rare) login path rather than a timer: keeps the table small.
    if let Err(error) = state.store.delete_expired_sessions(now).await {
        tracing::warn!(%error, "could not delete expired sessions");
    }
    let token = TokenKind::Session.generate();
    let csrf_token = csrf::generate();
    state
        .store
        .create_session(TokenHash::of(&token), user.id, &csrf_token, now + SESSION_TTL)
        .await?;
    cookie::set(SESSION_COOKIE, &token, SESSION_TTL, state.cookies_secure())
}

/// Ends the request's session (if any) and answers the `Set-Cookie` value that clears the cookie.
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, ApiError> {
    if let Some(token) = cookie::find(headers, SESSION_COOKIE)
        && TokenKind::Session.matches(token)
    {
        state.store.delete_session(TokenHash::of(token)).await?;
    }
    cookie::clear(SESSION_COOKIE, state.cookies_secure())
}
