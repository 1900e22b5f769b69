//! `POST /signup` and `POST /login`: both answer an API token (`tgk_…`), rate limited per client IP and
//! per email. The logic is `crate::service::accounts`, shared with the dashboard's forms.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use toolgate_domain::token::token_prefix;
use toolgate_domain::{Role, TokenHash, TokenKind, UserId};
use toolgate_store::User;

use super::accounts::AccountView;
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientIp};
use crate::service::accounts::{self, Signup};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", post(signup))
        .route("/login", post(login))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupBody {
    email: String,
    password: String,
    account_name: String,
}

#[derive(Serialize)]
struct SignupAnswer {
    user: UserView,
    account: AccountView,
    api_token: String,
}

#[derive(Serialize)]
struct UserView {
    id: UserId,
    email: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

#[tracing::instrument(skip_all)]
async fn signup(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<SignupBody>,
) -> Result<(StatusCode, Json<SignupAnswer>), ApiError> {
    let input = Signup {
        email: body.email,
        password: body.password,
        account_name: body.account_name,
    };
    let (user, account) = accounts::signup(&state, &client, input).await?;
    let api_token = issue_api_token(&state, &user).await?;
    let account = AccountView::new(&state, account, Role::Owner);
    let user = UserView {
        id: user.id,
        email: user.email,
        created_at: user.created_at,
    };
    Ok((
        StatusCode::CREATED,
        Json(SignupAnswer {
            user,
            account,
            api_token,
        }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    password: String,
}

#[derive(Serialize)]
struct LoginAnswer {
    api_token: String,
}

#[tracing::instrument(skip_all)]
async fn login(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let user = accounts::login(&state, &client, &body.email, body.password).await?;
    let api_token = issue_api_token(&state, &user).await?;
    Ok(Json(LoginAnswer { api_token }))
}

async fn issue_api_token(state: &AppState, user: &User) -> Result<String, ApiError> {
    let token = TokenKind::Api.generate();
    state
        .store
        .create_api_token(user.id, TokenHash::of(&token), &token_prefix(&token))
        .await?;
    Ok(token)
}
