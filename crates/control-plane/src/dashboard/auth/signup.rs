//! `GET /signup` and `POST /signup`: a new user with their own account, signed in at once.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::pre_session_token;
use crate::dashboard::error::PageError;
use crate::dashboard::form::{FieldErrors, PageForm};
use crate::dashboard::layout::Layout;
use crate::error::ApiError;
use crate::extract::ClientIp;
use crate::service::accounts::{self, EMAIL_TAKEN, Signup};
use crate::session;
use crate::state::AppState;
use crate::validate::MIN_PASSWORD_CHARS;

#[derive(Template, WebTemplate)]
#[template(path = "auth/signup.html")]
struct SignupPage {
    layout: Layout,
    email: String,
    account_name: String,
    min_password: usize,
    errors: FieldErrors,
}

pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let (csrf_token, set_cookie) = pre_session_token(&state, &headers)?;
    let page = SignupPage {
        layout: Layout::anonymous("Sign up", csrf_token),
        email: String::new(),
        account_name: String::new(),
        min_password: MIN_PASSWORD_CHARS,
        errors: FieldErrors::none(),
    };
    let mut response = page.into_response();
    if let Some(value) = set_cookie {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    account_name: String,
    #[serde(default)]
    csrf_token: String,
}

pub async fn submit(
    State(state): State<AppState>,
    client: ClientIp,
    PageForm(form): PageForm<SignupForm>,
) -> Result<Response, PageError> {
    let input = Signup {
        email: form.email.clone(),
        password: form.password,
        account_name: form.account_name.clone(),
    };
    let (status, errors) = match accounts::signup(&state, &client, input).await {
        Ok((user, account)) => {
            let cookie = session::start(&state, &user).await?;
            let overview = format!("/a/{}", account.slug.as_str());
            return Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&overview)).into_response());
        }
        Err(ApiError::Validation(fields)) => (StatusCode::UNPROCESSABLE_ENTITY, FieldErrors(fields)),
        Err(ApiError::Conflict(message)) if message == EMAIL_TAKEN => (
            StatusCode::CONFLICT,
            FieldErrors::one(
                "email",
                "An account with this email already exists. Log in instead",
            ),
        ),
        Err(ApiError::Conflict(message)) => (StatusCode::CONFLICT, FieldErrors::one("account_name", message)),
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
    let page = SignupPage {
        layout: Layout::anonymous("Sign up", form.csrf_token),
        email: form.email,
        account_name: form.account_name,
        min_password: MIN_PASSWORD_CHARS,
        errors,
    };
    Ok((status, page).into_response())
}
