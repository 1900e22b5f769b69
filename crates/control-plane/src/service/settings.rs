//! Account settings: audit retention and the approvals webhook. Setting a webhook URL (even the same
//! one again) generates a new signing secret, sealed at rest and shown once. Field paths in validation
//! errors: `audit_retention_days`, `webhook_url`.

use rand::RngCore;
use serde_json::{Map, Value, json};
use toolgate_domain::{AccountId, SecretKey};
use toolgate_store::{Account, AccountSettings, AccountSettingsPatch};

use super::admin::{self, Change};
use crate::error::ApiError;
use crate::state::AppState;
use crate::upstream::address;
use crate::validate::Problems;

pub const MIN_RETENTION_DAYS: i64 = 1;
pub const MAX_RETENTION_DAYS: i64 = 3650;
pub const SECRET_PREFIX: &str = "whsec_";

/// What to change; `None` leaves a setting as it is.
#[derive(Default)]
pub struct SettingsChanges {
    pub audit_retention_days: Option<i64>,
    /// `Some(None)` removes the webhook.
    pub webhook_url: Option<Option<String>>,
}

/// The settings after a change, with the new webhook secret when one was generated (shown this once).
pub struct Saved {
    pub settings: AccountSettings,
    pub webhook_secret: Option<String>,
}

/// The associated data that binds a sealed webhook secret to its account.
pub fn secret_binding(account: AccountId) -> String {
    format!("webhook-secret:{account}")
}

/// The account's webhook secret in clear, if a webhook is set.
pub fn open_secret(
    key: &SecretKey,
    account: AccountId,
    settings: &AccountSettings,
) -> Result<Option<String>, ApiError> {
    let Some(sealed) = &settings.webhook_secret_sealed else {
        return Ok(None);
    };
    let plain = key
        .open(sealed, secret_binding(account).as_bytes())
        .map_err(|error| ApiError::internal(format!("cannot open the webhook secret: {error}")))?;
    String::from_utf8(plain)
        .map(Some)
        .map_err(|_| ApiError::internal("the webhook secret is not UTF-8"))
}

fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

pub async fn get(state: &AppState, account: &Account) -> Result<AccountSettings, ApiError> {
    Ok(state.store.get_account_settings(account.id).await?)
}

pub async fn update(
    state: &AppState,
    account: &Account,
    changes: SettingsChanges,
) -> Result<Saved, ApiError> {
    let mut problems = Problems::new();
    if let Some(days) = changes.audit_retention_days
        && !(MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&days)
    {
        problems.add(
            "audit_retention_days",
            format!("must be between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS} days"),
        );
    }
    let checked_url = match &changes.webhook_url {
        Some(Some(url)) => check_url(state, &mut problems, url).await,
        _ => None,
    };
    problems.finish()?;

    let before = state.store.get_account_settings(account.id).await?;
    let mut secret = None;
    let webhook = match changes.webhook_url {
        None => None,
        Some(None) => Some(None),
        Some(Some(_)) => {
            let url = checked_url.ok_or_else(|| ApiError::internal("validated webhook URL missing"))?;
            let plain = generate_secret();
            let sealed = state
                .secret
                .seal(plain.as_bytes(), secret_binding(account.id).as_bytes());
            secret = Some(plain);
            Some(Some((url, sealed)))
        }
    };
    let patch = AccountSettingsPatch {
        audit_retention_days: changes.audit_retention_days,
        webhook,
    };
    let settings = state.store.update_account_settings(account.id, patch).await?;
    tracing::info!(account = %account.slug, "settings changed");
    let detail = describe_change(&before, &settings, secret.is_some());
    if detail.as_object().is_some_and(|changed| !changed.is_empty()) {
        let change = Change::new("settings.updated", "account", account.id).detail(detail);
        admin::record(state, account.id, change).await;
    }
    Ok(Saved {
        settings,
        webhook_secret: secret,
    })
}

/// Checks the URL as for upstream servers: syntax, then every address its host resolves to.
async fn check_url(state: &AppState, problems: &mut Problems, url: &str) -> Option<String> {
    problems.check(
        "webhook_url",
        address::check(url, state.allow_private_upstreams).await,
    )
}

/// What changed, for the admin event: the retention values and the webhook's host, never the URL's
/// path (Slack-style URLs carry a token there) nor the secret.
fn describe_change(before: &AccountSettings, after: &AccountSettings, new_secret: bool) -> Value {
    let mut detail = Map::new();
    if before.audit_retention_days != after.audit_retention_days {
        detail.insert(
            "audit_retention_days".into(),
            json!({"before": before.audit_retention_days, "after": after.audit_retention_days}),
        );
    }
    match (&before.webhook_url, &after.webhook_url, new_secret) {
        (_, Some(url), true) => {
            detail.insert(
                "webhook".into(),
                json!({"set": true, "host": host(url), "secret_rotated": true}),
            );
        }
        (Some(_), None, _) => {
            detail.insert("webhook".into(), json!({"set": false}));
        }
        _ => {}
    }
    Value::Object(detail)
}

fn host(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_hex_of_32_bytes() {
        let secret = generate_secret();
        let hex_part = secret.strip_prefix(SECRET_PREFIX).expect("prefix");
        assert_eq!(hex_part.len(), 64);
        assert!(hex::decode(hex_part).is_ok());
        assert_ne!(secret, generate_secret());
    }

    #[test]
    fn change_detail_names_the_host_only() {
        let before = AccountSettings::default();
        let after = AccountSettings {
            audit_retention_days: 7,
            webhook_url: Some("https://hooks.example.com/services/T0/B0/token-in-path".into()),
            webhook_secret_sealed: Some(vec![1]),
        };
        let detail = describe_change(&before, &after, true);
        let text = detail.to_string();
        assert!(!text.contains("token-in-path"), "{text}");
        assert_eq!(detail["webhook"]["host"], "hooks.example.com");
        assert_eq!(detail["audit_retention_days"]["after"], 7);
    }
}
