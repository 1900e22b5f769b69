//! Webhook deliveries: due when pending and their time has come; attempts move them on.

use serde_json::json;
use time::Duration;
use toolgate_domain::AccountId;

use super::fixtures::{base_time, expect_conflict, expect_not_found, micros, signup};
use crate::{NewWebhookDelivery, Store, WebhookAttempt, WebhookDeliveryStatus};

fn delivery(event_type: &str, approval: &str) -> NewWebhookDelivery {
    NewWebhookDelivery {
        event_type: event_type.to_owned(),
        payload: json!({"type": event_type, "approval": {"id": approval, "tool": "run_shell"}}),
    }
}

fn failure(next_attempt_at: Option<time::OffsetDateTime>) -> WebhookAttempt {
    WebhookAttempt {
        succeeded: false,
        status_code: Some(503),
        error: Some("503 Service Unavailable".to_owned()),
        next_attempt_at,
    }
}

pub async fn webhook_deliveries_are_retried_until_delivered_or_given_up(store: &dyn Store) {
    let (_, acme) = signup(store, "acme").await;
    let (_, globex) = signup(store, "globex").await;
    let now = base_time();
    let first = store
        .insert_webhook_delivery(acme.id, delivery("approval.requested", "a1"), now)
        .await
        .expect("insert");
    let second = store
        .insert_webhook_delivery(
            globex.id,
            delivery("approval.requested", "b1"),
            now + Duration::seconds(1),
        )
        .await
        .expect("insert");
    assert!(second > first);

    let none_yet = store
        .due_webhook_deliveries(now - Duration::seconds(1), 10)
        .await
        .expect("due");
    assert!(none_yet.is_empty());
    let due = store
        .due_webhook_deliveries(now + Duration::seconds(1), 10)
        .await
        .expect("due");
    assert_eq!(
        due.iter()
            .map(|delivery| (delivery.id, delivery.account_id))
            .collect::<Vec<_>>(),
        [(first, acme.id), (second, globex.id)],
        "across accounts, longest waiting first"
    );
    let pending = &due[0];
    assert_eq!(
        (pending.event_type.as_str(), pending.status, pending.attempts),
        ("approval.requested", WebhookDeliveryStatus::Pending, 0)
    );
    assert_eq!(
        serde_json::to_string(&pending.payload).expect("json"),
        r#"{"type":"approval.requested","approval":{"id":"a1","tool":"run_shell"}}"#
    );
    assert_eq!(
        (
            pending.created_at,
            pending.next_attempt_at,
            pending.last_attempt_at,
            pending.delivered_at
        ),
        (micros(now), Some(micros(now)), None, None)
    );
    let limited = store
        .due_webhook_deliveries(now + Duration::seconds(1), 1)
        .await
        .expect("due");
    assert_eq!(limited.len(), 1);

    let retry_at = now + Duration::seconds(30);
    let failed_once = store
        .record_webhook_attempt(
            acme.id,
            first,
            failure(Some(retry_at)),
            now + Duration::seconds(2),
        )
        .await
        .expect("record");
    assert_eq!(
        (
            failed_once.status,
            failed_once.attempts,
            failed_once.last_status_code
        ),
        (WebhookDeliveryStatus::Pending, 1, Some(503))
    );
    assert_eq!(
        (
            failed_once.last_error.as_deref(),
            failed_once.next_attempt_at,
            failed_once.last_attempt_at
        ),
        (
            Some("503 Service Unavailable"),
            Some(micros(retry_at)),
            Some(micros(now + Duration::seconds(2)))
        )
    );
    let due = store
        .due_webhook_deliveries(now + Duration::seconds(29), 10)
        .await
        .expect("due");
    assert_eq!(
        due.iter().map(|delivery| delivery.id).collect::<Vec<_>>(),
        [second],
        "backing off"
    );

    let delivered_at = retry_at + Duration::seconds(1);
    let success = WebhookAttempt {
        succeeded: true,
        status_code: Some(204),
        error: None,
        next_attempt_at: Some(delivered_at + Duration::hours(1)),
    };
    let delivered = store
        .record_webhook_attempt(acme.id, first, success.clone(), delivered_at)
        .await
        .expect("record");
    assert_eq!(
        (
            delivered.status,
            delivered.attempts,
            delivered.last_status_code,
            delivered.last_error
        ),
        (WebhookDeliveryStatus::Delivered, 2, Some(204), None)
    );
    assert_eq!(
        (delivered.next_attempt_at, delivered.delivered_at),
        (None, Some(micros(delivered_at)))
    );
    expect_conflict(
        store
            .record_webhook_attempt(acme.id, first, success, delivered_at)
            .await,
        "the webhook delivery is no longer pending",
    );

    let given_up = store
        .record_webhook_attempt(globex.id, second, failure(None), delivered_at)
        .await
        .expect("record");
    assert_eq!(
        (
            given_up.status,
            given_up.attempts,
            given_up.next_attempt_at,
            given_up.delivered_at
        ),
        (WebhookDeliveryStatus::Failed, 1, None, None)
    );
    let due = store
        .due_webhook_deliveries(delivered_at + Duration::days(1), 10)
        .await
        .expect("due");
    assert!(due.is_empty(), "{due:?}");
    expect_conflict(
        store
            .record_webhook_attempt(globex.id, second, failure(Some(delivered_at)), delivered_at)
            .await,
        "no longer pending",
    );
    expect_not_found(
        store
            .record_webhook_attempt(acme.id, first + second + 100, failure(None), delivered_at)
            .await,
        "unknown delivery",
    );
    expect_not_found(
        store
            .insert_webhook_delivery(AccountId::new(), delivery("approval.requested", "x"), now)
            .await,
        "unknown account",
    );
}

pub async fn webhook_deliveries_are_listed_newest_first(store: &dyn Store) {
    let (_, acme) = signup(store, "acme").await;
    let now = base_time();
    let mut ids = Vec::new();
    for (index, event_type) in ["approval.requested", "approval.decided", "approval.requested"]
        .into_iter()
        .enumerate()
    {
        let id = store
            .insert_webhook_delivery(acme.id, delivery(event_type, &format!("a{index}")), now)
            .await
            .expect("insert");
        ids.push(id);
    }
    ids.reverse();
    let listed = store.list_webhook_deliveries(acme.id, 10).await.expect("list");
    assert_eq!(listed.iter().map(|delivery| delivery.id).collect::<Vec<_>>(), ids);
    assert_eq!(listed[1].event_type, "approval.decided");
    let limited = store.list_webhook_deliveries(acme.id, 2).await.expect("list");
    assert_eq!(
        limited.iter().map(|delivery| delivery.id).collect::<Vec<_>>(),
        ids[..2]
    );
}
