//! Webhook deliveries: approval events POSTed to the account's webhook, with retries.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use toolgate_domain::AccountId;

use crate::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookDeliveryStatus {
    /// Waiting for its (next) attempt at `next_attempt_at`.
    Pending,
    Delivered,
    /// Given up.
    Failed,
}

impl WebhookDeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookDeliveryStatus::Pending => "pending",
            WebhookDeliveryStatus::Delivered => "delivered",
            WebhookDeliveryStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for WebhookDeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WebhookDeliveryStatus {
    type Err = StoreError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [
            WebhookDeliveryStatus::Pending,
            WebhookDeliveryStatus::Delivered,
            WebhookDeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown webhook delivery status {text:?}")))
    }
}

#[derive(Debug, Clone)]
pub struct NewWebhookDelivery {
    /// `"approval.requested"`, `"approval.decided"`, …
    pub event_type: String,
    pub payload: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    pub id: i64,
    pub account_id: AccountId,
    pub event_type: String,
    pub payload: Value,
    pub status: WebhookDeliveryStatus,
    pub attempts: i64,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    /// Set while pending.
    pub next_attempt_at: Option<OffsetDateTime>,
    pub last_attempt_at: Option<OffsetDateTime>,
    pub delivered_at: Option<OffsetDateTime>,
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone)]
pub struct WebhookAttempt {
    pub succeeded: bool,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    /// When to try again after a failure; `None` gives up (the delivery is `Failed`). Ignored on success.
    pub next_attempt_at: Option<OffsetDateTime>,
}
