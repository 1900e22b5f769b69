//! The pages' one error type: a 303 to the login page, or a plain HTML error page with a clear text.
//! Internal errors are logged once, here, and never shown.
//!
//! [`PageError`] renders without a session (it is a plain value, built in extractors too); the page
//! keeps its text in the response, and [`with_navigation`] (a layer on the dashboard router) renders it
//! again with the signed-in layout (navigation, account switcher, user menu) when the request has a
//! live session.

use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use toolgate_store::Membership;

use super::layout::{AccountLink, Layout};
use crate::error::ApiError;
use crate::session;
use crate::state::AppState;

#[derive(Debug)]
pub enum PageError {
    /// Not signed in: 303 to `/login?next={next}`.
    LoginRequired {
        next: String,
    },
    NotFound,
    /// The role may not do this.
    Forbidden,
    /// A write without the right CSRF token, or from another site.
    Csrf,
    BadRequest(String),
    RateLimited(Duration),
    /// Never shown; logged.
    Internal(String),
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
}

impl PageError {
    fn page(&self) -> (StatusCode, &'static str, String) {
        match self {
            PageError::LoginRequired { .. } => (StatusCode::SEE_OTHER, "Please log in", String::new()),
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing here, or it belongs to an account you are not a member of.".into(),
            ),
            PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Your role in this account may look but not make changes. Ask an owner or admin.".into(),
            ),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form could not be accepted",
                "The form was sent from another site, or it is out of date (for example after you \
                 logged out or your session expired). Go back, reload the page and try again."
                    .into(),
            ),
            PageError::BadRequest(message) => (StatusCode::BAD_REQUEST, "Bad request", message.clone()),
            PageError::RateLimited(wait) => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                format!("Please wait {} seconds and try again.", wait.as_secs().max(1)),
            ),
            PageError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "An unexpected error happened on our side; it has been logged. Please try again.".into(),
            ),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Unauthorized | ApiError::InvalidCredentials => {
                PageError::LoginRequired { next: "/".into() }
            }
            ApiError::NotFound(_) => PageError::NotFound,
            ApiError::Forbidden => PageError::Forbidden,
            ApiError::CsrfFailed => PageError::Csrf,
            ApiError::RateLimited { retry_after } => PageError::RateLimited(retry_after),
            ApiError::Internal(detail) => PageError::Internal(detail),
            ApiError::PayloadTooLarge { limit } => {
                PageError::BadRequest(format!("The form is larger than the limit of {limit} bytes."))
            }
            other => PageError::BadRequest(other.to_string()),
        }
    }
}

impl From<toolgate_store::StoreError> for PageError {
    fn from(error: toolgate_store::StoreError) -> Self {
        ApiError::from(error).into()
    }
}

/// `/login?next=…` for a path the visitor wanted.
pub fn login_url(next: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("/login?next={encoded}")
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::LoginRequired { next } = &self {
            return Redirect::to(&login_url(next)).into_response();
        }
        if let PageError::Internal(detail) = &self {
            tracing::error!(error = %detail, "internal error on a dashboard page");
        }
        let (status, heading, message) = self.page();
        let content = ErrorContent {
            heading,
            message: message.clone(),
        };
        let page = ErrorPage {
            layout: Layout::anonymous(heading, ""),
            heading,
            message,
        };
        let mut response = (status, page).into_response();
        response.extensions_mut().insert(content);
        if let PageError::RateLimited(wait) = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        }
        response
    }
}

/// What an error page says, kept in its response for [`with_navigation`].
#[derive(Clone)]
struct ErrorContent {
    heading: &'static str,
    message: String,
}

/// Middleware: an error page answered to a signed-in visitor is rendered again with the signed-in
/// layout, so that the navigation stays (status and headers are kept).
pub async fn with_navigation(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = session::has_cookie(request.headers()).then(|| request.headers().clone());
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let (Some(headers), Some(content)) = (headers, response.extensions().get::<ErrorContent>().cloned())
    else {
        return response;
    };
    let Some(layout) = signed_in_layout(&state, &headers, &path, content.heading).await else {
        return response;
    };
    let page = ErrorPage {
        layout,
        heading: content.heading,
        message: content.message,
    };
    let Ok(html) = page.render() else {
        return response;
    };
    let (mut parts, _anonymous) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(html))
}

/// The layout of the visitor's session: the account named by the path when they are a member of it,
/// else their first account (never anything of an account they are not a member of).
async fn signed_in_layout(state: &AppState, headers: &HeaderMap, path: &str, title: &str) -> Option<Layout> {
    let active = match session::find(headers, state).await {
        Ok(found) => found?,
        Err(error) => {
            tracing::warn!(%error, "cannot read the session for an error page");
            return None;
        }
    };
    let memberships = match state.store.list_memberships(active.user.id).await {
        Ok(memberships) => memberships,
        Err(error) => {
            tracing::warn!(%error, "cannot list the memberships for an error page");
            return None;
        }
    };
    let named = path
        .strip_prefix("/a/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("");
    let current = memberships
        .iter()
        .find(|membership| is_account(membership, named))
        .or_else(|| memberships.first());
    Some(Layout {
        title: title.to_owned(),
        user_email: active.user.email.clone(),
        csrf_token: active.csrf_token.clone(),
        account: current.map(AccountLink::from_membership),
        accounts: memberships.iter().map(AccountLink::from_membership).collect(),
        section: "",
    })
}

fn is_account(membership: &Membership, key: &str) -> bool {
    !key.is_empty() && (membership.account.slug.as_str() == key || membership.account.id.to_string() == key)
}

/// The dashboard's fallback: an HTML 404 page.
pub async fn not_found() -> PageError {
    PageError::NotFound
}
