//! `GET /login` and `POST /login`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{pre_session_token, safe_next};
use crate::dashboard::error::PageError;
use crate::dashboard::form::{FieldErrors, PageForm};
use crate::dashboard::layout::Layout;
use crate::error::ApiError;
use crate::extract::ClientIp;
use crate::service::accounts;
use crate::session;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    errors: FieldErrors,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let next = safe_next(query.next.as_deref());
    // Already signed in? Then straight on.
    if session::has_cookie(&headers) && session::find(&headers, &state).await?.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let (csrf_token, set_cookie) = pre_session_token(&state, &headers)?;
    let page = LoginPage {
        layout: Layout::anonymous("Log in", csrf_token),
        email: String::new(),
        next,
        errors: FieldErrors::none(),
    };
    let mut response = page.into_response();
    if let Some(value) = set_cookie {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    #[serde(default)]
    csrf_token: String,
}

pub async fn submit(
    State(state): State<AppState>,
    client: ClientIp,
    PageForm(form): PageForm<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(form.next.as_deref());
    let result = accounts::login(&state, &client, &form.email, form.password).await;
    let (status, errors) = match result {
        Ok(user) => {
            let cookie = session::start(&state, &user).await?;
            return Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response());
        }
        Err(ApiError::InvalidCredentials) => (
            StatusCode::UNAUTHORIZED,
            FieldErrors::one("password", "Email or password is incorrect"),
        ),
        Err(ApiError::RateLimited { retry_after }) => (
            StatusCode::TOO_MANY_REQUESTS,
            FieldErrors::one(
                "form",
                format!(
                    "Too many attempts. Please wait {} seconds and try again",
                    retry_after.as_secs().max(1)
                ),
            ),
        ),
        Err(other) => return Err(other.into()),
    };
    let page = LoginPage {
        layout: Layout::anonymous("Log in", form.csrf_token),
        email: form.email,
        next,
        errors,
    };
    Ok((status, page).into_response())
}
