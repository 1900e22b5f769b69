//! Approval webhooks: what is POSTed to an account's webhook URL, and how it is signed.
//!
//! A delivery is queued (in the store) for every approval requested, approved, denied or expired, when
//! the account has a webhook URL; `crate::jobs::deliver` sends it with retries. The payload names the
//! approval, its tool, server, grant and risk, and links to its dashboard page — never the argument
//! values.
//!
//! Signature: `X-Toolgate-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, with the
//! timestamp (Unix seconds) in `X-Toolgate-Timestamp`; the key is the whole secret string (`whsec_…`).

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use toolgate_domain::{AccountId, ApprovalId};
use toolgate_store::{Account, ApprovalStatus, NewWebhookDelivery, WebhookDelivery, WebhookDeliveryStatus};

use super::approvals::{self, Described};
use crate::error::ApiError;
use crate::state::AppState;

/// What happened to an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalEvent {
    Requested,
    Approved,
    Denied,
    Expired,
}

impl ApprovalEvent {
    /// The delivery's type, also sent as `X-Toolgate-Event`.
    pub fn event_type(self) -> &'static str {
        match self {
            ApprovalEvent::Requested => "approval.requested",
            ApprovalEvent::Approved => "approval.approved",
            ApprovalEvent::Denied => "approval.denied",
            ApprovalEvent::Expired => "approval.expired",
        }
    }

    /// The approval's status as this event reports it (it may have moved on since, e.g. to `used`).
    fn status(self) -> &'static str {
        match self {
            ApprovalEvent::Requested => "pending",
            ApprovalEvent::Approved => "approved",
            ApprovalEvent::Denied => "denied",
            ApprovalEvent::Expired => "expired",
        }
    }

    /// The event of a decision by a person, from the approval's status after it. Expiry is reported by
    /// the sweeper that expires the approval, not here (so that it is reported once).
    pub fn of_decision(status: ApprovalStatus) -> Option<Self> {
        match status {
            ApprovalStatus::Approved | ApprovalStatus::Used => Some(ApprovalEvent::Approved),
            ApprovalStatus::Denied => Some(ApprovalEvent::Denied),
            ApprovalStatus::Pending | ApprovalStatus::Expired => None,
        }
    }
}

/// Queues a delivery of `event` when the account has a webhook; answers its id.
pub async fn enqueue(
    state: &AppState,
    account_id: AccountId,
    approval: ApprovalId,
    event: ApprovalEvent,
) -> Result<Option<i64>, ApiError> {
    let settings = state.store.get_account_settings(account_id).await?;
    if settings.webhook_url.is_none() {
        return Ok(None);
    }
    let account = state
        .store
        .get_account(account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    let described = approvals::get(state, &account, &approval.to_string()).await?;
    let now = OffsetDateTime::now_utc();
    let delivery = NewWebhookDelivery {
        event_type: event.event_type().to_owned(),
        payload: payload(&state.public_url, &account, &described, event, now),
    };
    let id = state
        .store
        .insert_webhook_delivery(account_id, delivery, now)
        .await?;
    tracing::info!(account = %account.slug, %approval, event = event.event_type(), delivery = id, "webhook queued");
    Ok(Some(id))
}

/// At most this many deliveries are listed at once.
pub const MAX_LISTED: u32 = 200;

/// How far back a failed delivery counts as a recent failure (the dashboard's warning).
pub const RECENT_FAILURES: time::Duration = time::Duration::hours(24);

/// The account's newest deliveries (`limit`: 1 to [`MAX_LISTED`]), newest first: what
/// `GET …/webhook-deliveries` and the dashboard's settings page list.
pub async fn deliveries(
    state: &AppState,
    account_id: AccountId,
    limit: u32,
) -> Result<Vec<WebhookDelivery>, ApiError> {
    if !(1..=MAX_LISTED).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_LISTED}"
        )));
    }
    Ok(state.store.list_webhook_deliveries(account_id, limit).await?)
}

/// Given up, or waiting for a retry after a failed attempt.
pub fn is_failing(delivery: &WebhookDelivery) -> bool {
    match delivery.status {
        WebhookDeliveryStatus::Failed => true,
        WebhookDeliveryStatus::Pending => delivery.attempts > 0,
        WebhookDeliveryStatus::Delivered => false,
    }
}

/// Of `deliveries`, how many were created within [`RECENT_FAILURES`] of `now` and are failing.
pub fn count_recent_failures(deliveries: &[WebhookDelivery], now: OffsetDateTime) -> usize {
    deliveries
        .iter()
        .filter(|delivery| delivery.created_at > now - RECENT_FAILURES && is_failing(delivery))
        .count()
}

/// How many of the account's newest deliveries failed recently (for the navigation's warning).
pub async fn recent_failures(state: &AppState, account_id: AccountId) -> Result<usize, ApiError> {
    let newest = deliveries(state, account_id, 50).await?;
    Ok(count_recent_failures(&newest, OffsetDateTime::now_utc()))
}

fn rfc3339(at: OffsetDateTime) -> Value {
    at.format(&Rfc3339).map(Value::String).unwrap_or(Value::Null)
}

/// The JSON body of a delivery. No argument values: only what a person needs to find the approval.
pub fn payload(
    public_url: &str,
    account: &Account,
    described: &Described,
    event: ApprovalEvent,
    now: OffsetDateTime,
) -> Value {
    let approval = &described.approval;
    json!({
        "type": event.event_type(),
        "id": uuid::Uuid::new_v4().to_string(),
        "created_at": rfc3339(now),
        "account": {"id": account.id.to_string(), "slug": account.slug.as_str()},
        "approval": {
            "id": approval.id.to_string(),
            "status": event.status(),
            "tool": approval.tool,
            "server": described.server.as_ref().map(|server| server.slug.as_str()),
            "grant": described.grant.as_ref().map(|grant| grant.name.as_str()),
            "risk": described.risk,
            "created_at": rfc3339(approval.created_at),
            "expires_at": rfc3339(approval.expires_at),
            "decided_at": approval.decided_at.map(rfc3339),
            "note": approval.note,
            "url": format!("{public_url}/a/{}/approvals/{}", account.slug.as_str(), approval.id),
        },
    })
}

/// `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_vector() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test",b"1700000000.{}",hashlib.sha256).hexdigest())'
        assert_eq!(
            sign("whsec_test", 1_700_000_000, b"{}"),
            "sha256=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }

    fn delivery(status: WebhookDeliveryStatus, attempts: i64, age: time::Duration) -> WebhookDelivery {
        let now = OffsetDateTime::now_utc();
        WebhookDelivery {
            id: 1,
            account_id: AccountId(uuid::Uuid::nil()),
            event_type: "approval.requested".into(),
            payload: json!({}),
            status,
            attempts,
            last_status_code: None,
            last_error: None,
            created_at: now - age,
            next_attempt_at: None,
            last_attempt_at: None,
            delivered_at: None,
        }
    }

    #[test]
    fn recent_failures_are_given_up_or_retrying_deliveries_of_the_last_day() {
        let minute = time::Duration::minutes(1);
        let deliveries = [
            delivery(WebhookDeliveryStatus::Failed, 8, minute),
            delivery(WebhookDeliveryStatus::Pending, 2, minute),
            delivery(WebhookDeliveryStatus::Pending, 0, minute),
            delivery(WebhookDeliveryStatus::Delivered, 3, minute),
            delivery(WebhookDeliveryStatus::Failed, 8, time::Duration::days(2)),
        ];
        assert_eq!(count_recent_failures(&deliveries, OffsetDateTime::now_utc()), 2);
    }

    #[test]
    fn decisions_map_to_events() {
        assert_eq!(
            ApprovalEvent::of_decision(ApprovalStatus::Used),
            Some(ApprovalEvent::Approved)
        );
        assert_eq!(
            ApprovalEvent::of_decision(ApprovalStatus::Denied),
            Some(ApprovalEvent::Denied)
        );
        assert_eq!(ApprovalEvent::of_decision(ApprovalStatus::Expired), None);
    }
}
