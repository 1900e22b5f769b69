//! The pages' one error type: a 303 to the login page, or a plain HTML error page with a clear text.
//! Internal errors are logged once, here, and never shown.

use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::layout::Layout;
use crate::error::ApiError;

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
        let page = ErrorPage {
            layout: Layout::anonymous(heading, ""),
            heading,
            message,
        };
        let mut response = (status, page).into_response();
        if let PageError::RateLimited(wait) = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        }
        response
    }
}

/// The dashboard's fallback: an HTML 404 page.
pub async fn not_found() -> PageError {
    PageError::NotFound
}
