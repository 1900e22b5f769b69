//! Who is looking at a page. [`DashboardUser`]: anyone signed in (else 303 to `/login?next=…`).
//! [`DashboardMember`]: a member of the account named by the `{acct}` path segment (anyone else gets
//! the 404 page, as if the account did not exist). [`DashboardWriter`]: a member who may make changes.
//!
//! CSRF is not checked here: the dashboard router's [`super::csrf`] layer checks every write before
//! any handler runs.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use toolgate_domain::Role;
use toolgate_store::{Account, Membership, User};

use super::error::PageError;
use super::layout::{AccountLink, Layout};
use crate::extract::path_param;
use crate::session::{self, ActiveSession};
use crate::state::AppState;

pub struct DashboardUser {
    pub user: User,
}

async fn signed_in(parts: &mut Parts, state: &AppState) -> Result<Arc<ActiveSession>, PageError> {
    match session::current(parts, state).await? {
        Some(session) => Ok(session),
        None => {
            let next = parts
                .uri
                .path_and_query()
                .map_or("/", |path| path.as_str())
                .to_owned();
            Err(PageError::LoginRequired { next })
        }
    }
}

impl FromRequestParts<AppState> for DashboardUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = signed_in(parts, state).await?;
        Ok(DashboardUser {
            user: session.user.clone(),
        })
    }
}

pub struct DashboardMember {
    pub user: User,
    pub account: Account,
    pub role: Role,
    pub csrf_token: String,
    /// All of the user's accounts, for the switcher.
    pub memberships: Vec<Membership>,
}

impl DashboardMember {
    /// The layout for a page of this account: `section` marks the current nav item.
    pub fn layout(&self, title: impl Into<String>, section: &'static str) -> Layout {
        Layout {
            title: title.into(),
            user_email: self.user.email.clone(),
            csrf_token: self.csrf_token.clone(),
            accounts: self
                .memberships
                .iter()
                .map(AccountLink::from_membership)
                .collect(),
            account: Some(AccountLink {
                slug: self.account.slug.as_str().to_owned(),
                name: self.account.name.clone(),
            }),
            section,
        }
    }

    pub fn can_write(&self) -> bool {
        self.role.can_write()
    }

    /// `/a/{slug}{rest}`.
    pub fn url(&self, rest: &str) -> String {
        format!("/a/{}{rest}", self.account.slug.as_str())
    }
}

impl FromRequestParts<AppState> for DashboardMember {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = signed_in(parts, state).await?;
        let key = path_param(parts, state, "acct").await?;
        let memberships = state.store.list_memberships(session.user.id).await?;
        let current = memberships
            .iter()
            .find(|membership| {
                membership.account.slug.as_str() == key || membership.account.id.to_string() == key
            })
            .ok_or(PageError::NotFound)?;
        Ok(DashboardMember {
            user: session.user.clone(),
            account: current.account.clone(),
            role: current.role,
            csrf_token: session.csrf_token.clone(),
            memberships,
        })
    }
}

/// A member whose role may change servers, policies and grants (the 403 page otherwise).
pub struct DashboardWriter(pub DashboardMember);

impl FromRequestParts<AppState> for DashboardWriter {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let member = DashboardMember::from_request_parts(parts, state).await?;
        if !member.can_write() {
            return Err(PageError::Forbidden);
        }
        Ok(DashboardWriter(member))
    }
}

/// Path parameters; a malformed path is the 400 page.
pub struct PagePath<T>(pub T);

impl<S, T> FromRequestParts<S> for PagePath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| PagePath(value))
            .map_err(|rejection| PageError::BadRequest(format!("Invalid address: {}", rejection.body_text())))
    }
}

/// The query string; a malformed one is the 400 page.
pub struct PageQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for PageQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| PageQuery(value))
            .map_err(|rejection| PageError::BadRequest(format!("Invalid query: {}", rejection.body_text())))
    }
}
