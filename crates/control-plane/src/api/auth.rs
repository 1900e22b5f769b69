//! `POST /signup` and `POST /login`: both answer an API token (`tgk_…`), rate limited per client IP and
//! per email.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use rand::Rng;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use toolgate_domain::token::token_prefix;
use toolgate_domain::{Role, Slug, TokenHash, TokenKind, UserId};
use toolgate_store::{NewAccount, NewUser, StoreError, User};

use super::accounts::AccountView;
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientIp};
use crate::state::AppState;
use crate::validate::{self, Problems};

/// `acme`, `acme-2`, … `acme-20`, then a random suffix.
const SLUG_TRIES: u32 = 20;

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
    let email = validate::normalise_email(&body.email);
    limit(&state, "signup", &client, &email)?;

    let mut problems = Problems::new();
    problems.check("email", validate::email(&email));
    problems.check("password", validate::password(&body.password));
    let account_name = problems.check("account_name", validate::display_name(&body.account_name));
    problems.finish()?;
    let account_name = account_name.ok_or_else(|| ApiError::internal("validated name missing"))?;

    if state.store.find_user_by_email(&email).await?.is_some() {
        return Err(email_taken());
    }
    let password_hash = state.passwords.hash(body.password).await?;
    let new_user = NewUser {
        email: email.clone(),
        password_hash,
    };
    let base = Slug::from_name(&account_name, "account");
    let (user, account) = create_with_free_slug(&state, new_user, &base, &account_name).await?;

    let api_token = issue_api_token(&state, &user).await?;
    let account = AccountView::new(&state, account, Role::Owner);
    let user = UserView {
        id: user.id,
        email: user.email,
        created_at: user.created_at,
    };
    tracing::info!(user = %user.id, account = %account.slug, "signed up");
    Ok((
        StatusCode::CREATED,
        Json(SignupAnswer {
            user,
            account,
            api_token,
        }),
    ))
}

/// Someone else's company may have the same name: take the first free `base`, `base-2`, `base-3`, …
async fn create_with_free_slug(
    state: &AppState,
    user: NewUser,
    base: &Slug,
    name: &str,
) -> Result<(User, toolgate_store::Account), ApiError> {
    for attempt in 1..=SLUG_TRIES + 1 {
        let slug = if attempt > SLUG_TRIES {
            with_suffix(
                base,
                &format!("{:06x}", rand::thread_rng().gen_range(0..0x100_0000u32)),
            )
        } else if attempt == 1 {
            base.clone()
        } else {
            with_suffix(base, &attempt.to_string())
        };
        if state.store.find_account_by_slug(slug.as_str()).await?.is_some() {
            continue;
        }
        let account = NewAccount {
            slug,
            name: name.to_owned(),
        };
        match state.store.create_user_with_account(user.clone(), account).await {
            Ok(created) => return Ok(created),
            // Lost a race: either the email (then say so) or the slug (then try the next).
            Err(StoreError::Conflict(_)) => {
                if state.store.find_user_by_email(&user.email).await?.is_some() {
                    return Err(email_taken());
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(ApiError::Conflict(
        "could not find a free account slug; try another account name".into(),
    ))
}

fn with_suffix(base: &Slug, suffix: &str) -> Slug {
    let room = toolgate_domain::slug::MAX_SLUG_LEN - suffix.len() - 1;
    let stem: String = base.as_str().chars().take(room).collect();
    let candidate = format!("{}-{suffix}", stem.trim_end_matches('-'));
    Slug::parse(&candidate).unwrap_or_else(|_| Slug::from_name(&candidate, "account"))
}

fn email_taken() -> ApiError {
    ApiError::Conflict("a user with this email already exists; log in instead".into())
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

/// Wrong email and wrong password answer alike, after about the same time.
#[tracing::instrument(skip_all)]
async fn login(
    State(state): State<AppState>,
    client: ClientIp,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let email = validate::normalise_email(&body.email);
    limit(&state, "login", &client, &email)?;
    let user = state.store.find_user_by_email(&email).await?;
    let stored = user.as_ref().map(|user| user.password_hash.clone());
    let valid = state.passwords.verify(body.password, stored).await?;
    let user = match user {
        Some(user) if valid => user,
        _ => return Err(ApiError::InvalidCredentials),
    };
    let api_token = issue_api_token(&state, &user).await?;
    tracing::info!(user = %user.id, "logged in");
    Ok(Json(LoginAnswer { api_token }))
}

fn limit(state: &AppState, action: &str, client: &ClientIp, email: &str) -> Result<(), ApiError> {
    let keys = [
        format!("{action}:ip:{}", client.key()),
        format!("{action}:email:{email}"),
    ];
    state.auth_limiter.hit(&keys).map_err(|retry_after| {
        tracing::warn!(action, client = %client.key(), "rate limited");
        ApiError::RateLimited { retry_after }
    })
}

async fn issue_api_token(state: &AppState, user: &User) -> Result<String, ApiError> {
    let token = TokenKind::Api.generate();
    state
        .store
        .create_api_token(user.id, TokenHash::of(&token), &token_prefix(&token))
        .await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_fit_the_slug_length() {
        let base = Slug::parse("acme").expect("slug");
        assert_eq!(with_suffix(&base, "2").as_str(), "acme-2");
        let long = Slug::parse(&"a".repeat(63)).expect("slug");
        let suffixed = with_suffix(&long, "12");
        assert_eq!(suffixed.as_str().len(), 63);
        assert!(suffixed.as_str().ends_with("-12"));
        let hyphen_at_cut = Slug::parse(&format!("{}-b", "a".repeat(60))).expect("slug");
        assert!(Slug::parse(with_suffix(&hyphen_at_cut, "2").as_str()).is_ok());
    }
}
