//! Signing up and logging in: validation, the password strength check, argon2id, the account slug,
//! and the brute-force brake (per client IP and per email). The API answers an API token, the
//! dashboard starts a session; both call these.

use rand::Rng;
use toolgate_domain::Slug;
use toolgate_store::{Account, NewAccount, NewUser, StoreError, User};

use crate::error::ApiError;
use crate::extract::ClientIp;
use crate::state::AppState;
use crate::validate::{self, Problems};

/// `acme`, `acme-2`, … `acme-20`, then a random suffix.
const SLUG_TRIES: u32 = 20;

/// The conflict message when the email is taken (the dashboard shows it at the email field).
pub const EMAIL_TAKEN: &str = "a user with this email already exists; log in instead";

pub struct Signup {
    pub email: String,
    pub password: String,
    pub account_name: String,
}

/// Creates the user and their first account (they own it). Field paths: `email`, `password`,
/// `account_name`.
pub async fn signup(state: &AppState, client: &ClientIp, input: Signup) -> Result<(User, Account), ApiError> {
    let email = validate::normalise_email(&input.email);
    limit(state, "signup", client, &email)?;

    let mut problems = Problems::new();
    problems.check("email", validate::email(&email));
    let hints = [email.as_str(), input.account_name.as_str()];
    problems.check("password", validate::password_strength(&input.password, &hints));
    let account_name = problems.check("account_name", validate::display_name(&input.account_name));
    problems.finish()?;
    let account_name = account_name.ok_or_else(|| ApiError::internal("validated name missing"))?;

    if state.store.find_user_by_email(&email).await?.is_some() {
        return Err(ApiError::Conflict(EMAIL_TAKEN.into()));
    }
    let password_hash = state.passwords.hash(input.password).await?;
    let new_user = NewUser {
        email: email.clone(),
        password_hash,
    };
    let base = Slug::from_name(&account_name, "account");
    let (user, account) = create_with_free_slug(state, new_user, &base, &account_name).await?;
    tracing::info!(user = %user.id, account = %account.slug, "signed up");
    Ok((user, account))
}

/// Wrong email and wrong password answer alike (`invalid_credentials`), after about the same time.
pub async fn login(
    state: &AppState,
    client: &ClientIp,
    email: &str,
    password: String,
) -> Result<User, ApiError> {
    let email = validate::normalise_email(email);
    limit(state, "login", client, &email)?;
    let user = state.store.find_user_by_email(&email).await?;
    let stored = user.as_ref().map(|user| user.password_hash.clone());
    let valid = state.passwords.verify(password, stored).await?;
    match user {
        Some(user) if valid => {
            tracing::info!(user = %user.id, "logged in");
            Ok(user)
        }
        _ => Err(ApiError::InvalidCredentials),
    }
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

/// Someone else's company may have the same name: take the first free `base`, `base-2`, `base-3`, …
async fn create_with_free_slug(
    state: &AppState,
    user: NewUser,
    base: &Slug,
    name: &str,
) -> Result<(User, Account), ApiError> {
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
                    return Err(ApiError::Conflict(EMAIL_TAKEN.into()));
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
