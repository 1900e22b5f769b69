//! The webhook deliverer: POSTs due deliveries (up to a batch per run, concurrently) and records each
//! attempt. 2xx → delivered; anything else → retried after 1 s, 2 s, 4 s, … (capped), and `failed`
//! after the last attempt. No redirects are followed; the URL is checked again before every attempt
//! (DNS may have changed since it was saved).
//!
//! Request: `POST <webhook_url>` with the payload as JSON and the headers `X-Toolgate-Event`,
//! `X-Toolgate-Delivery` (the delivery id, the same on every retry), `X-Toolgate-Timestamp` (Unix
//! seconds) and `X-Toolgate-Signature` (see [`crate::service::webhooks::sign`]).
//!
//! Several control planes may pick the same due delivery at once; delivery is at least once, so
//! receivers should drop repeated `X-Toolgate-Delivery` ids.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use time::OffsetDateTime;
use tokio::task::JoinSet;
use toolgate_domain::AccountId;
use toolgate_store::{StoreError, WebhookAttempt, WebhookDelivery};

use super::RetryPolicy;
use crate::service::settings;
use crate::service::webhooks::sign;
use crate::state::AppState;
use crate::upstream::address;

const USER_AGENT: &str = concat!("Toolgate-Webhook/", env!("CARGO_PKG_VERSION"));
/// Longest error text kept per attempt.
const MAX_ERROR_CHARS: usize = 300;

#[derive(Clone)]
pub struct Deliverer {
    policy: RetryPolicy,
    http: reqwest::Client,
}

/// Where and how to send an account's deliveries.
#[derive(Clone)]
struct Target {
    url: String,
    secret: String,
}

impl Deliverer {
    pub fn new(policy: RetryPolicy) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(policy.timeout)
            .user_agent(USER_AGENT)
            .build()
            .unwrap_or_else(|error| {
                tracing::error!(%error, "cannot build the webhook HTTP client; using the default one");
                reqwest::Client::new()
            });
        Self { policy, http }
    }

    /// Sends every delivery that is due now (one batch).
    pub async fn run(&self, state: &AppState) {
        let due = match state
            .store
            .due_webhook_deliveries(OffsetDateTime::now_utc(), self.policy.batch)
            .await
        {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "webhook deliverer: cannot read due deliveries; next run retries");
                return;
            }
        };
        if due.is_empty() {
            return;
        }
        let mut targets: HashMap<AccountId, Result<Target, String>> = HashMap::new();
        let mut attempts = JoinSet::new();
        for delivery in due {
            let target = match targets.entry(delivery.account_id) {
                Entry::Occupied(found) => found.get().clone(),
                Entry::Vacant(slot) => slot.insert(target(state, delivery.account_id).await).clone(),
            };
            let this = self.clone();
            let state = state.clone();
            attempts.spawn(async move { this.attempt(&state, delivery, target).await });
        }
        while attempts.join_next().await.is_some() {}
    }

    async fn attempt(&self, state: &AppState, delivery: WebhookDelivery, target: Result<Target, String>) {
        let outcome = match target {
            Ok(target) => self.post(state, &delivery, &target).await,
            Err(error) => Err((None, error)),
        };
        let attempts = u32::try_from(delivery.attempts.saturating_add(1)).unwrap_or(u32::MAX);
        let now = OffsetDateTime::now_utc();
        let attempt = match outcome {
            Ok(status) => WebhookAttempt {
                succeeded: true,
                status_code: Some(status),
                error: None,
                next_attempt_at: None,
            },
            Err((status_code, error)) => {
                let next_attempt_at = self.policy.next_wait(attempts).map(|wait| now + wait);
                if next_attempt_at.is_none() {
                    tracing::warn!(delivery = delivery.id, account = %delivery.account_id, attempts, %error, "webhook delivery failed; giving up");
                } else {
                    tracing::info!(delivery = delivery.id, account = %delivery.account_id, attempts, %error, "webhook delivery failed; will retry");
                }
                WebhookAttempt {
                    succeeded: false,
                    status_code,
                    error: Some(truncate(&error)),
                    next_attempt_at,
                }
            }
        };
        match state
            .store
            .record_webhook_attempt(delivery.account_id, delivery.id, attempt, now)
            .await
        {
            Ok(_) => {}
            // Another control plane recorded it first.
            Err(StoreError::Conflict(_)) => {}
            Err(error) => tracing::error!(%error, delivery = delivery.id, "cannot record a webhook attempt"),
        }
    }

    /// One POST: the receiver's status on 2xx, else the status (if any) and what went wrong.
    async fn post(
        &self,
        state: &AppState,
        delivery: &WebhookDelivery,
        target: &Target,
    ) -> Result<i32, (Option<i32>, String)> {
        address::check(&target.url, state.allow_private_upstreams)
            .await
            .map_err(|message| (None, format!("the webhook URL {message}")))?;
        let body = serde_json::to_vec(&delivery.payload)
            .map_err(|error| (None, format!("cannot encode the payload: {error}")))?;
        let timestamp = OffsetDateTime::now_utc().unix_timestamp();
        let signature = sign(&target.secret, timestamp, &body);
        let response = self
            .http
            .post(&target.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Toolgate-Event", &delivery.event_type)
            .header("X-Toolgate-Delivery", delivery.id.to_string())
            .header("X-Toolgate-Timestamp", timestamp.to_string())
            .header("X-Toolgate-Signature", signature)
            .body(body)
            .send()
            .await
            // Without the URL: its path may hold a token (Slack-style URLs).
            .map_err(|error| (None, error.without_url().to_string()))?;
        let status = response.status();
        let code = i32::from(status.as_u16());
        // The body is not read: a receiver's answer is only its status.
        drop(response);
        if status.is_success() {
            Ok(code)
        } else {
            Err((Some(code), format!("the receiver answered HTTP {code}")))
        }
    }
}

/// The account's webhook URL and secret, or why there is none.
async fn target(state: &AppState, account: AccountId) -> Result<Target, String> {
    let found = state
        .store
        .get_account_settings(account)
        .await
        .map_err(|error| format!("cannot read the account's settings: {error}"))?;
    let url = found
        .webhook_url
        .clone()
        .ok_or_else(|| "the account has no webhook URL any more".to_owned())?;
    let secret = settings::open_secret(&state.secret, account, &found)
        .map_err(|error| error.to_string())?
        .ok_or_else(|| "the account has no webhook secret".to_owned())?;
    Ok(Target { url, secret })
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_ERROR_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
