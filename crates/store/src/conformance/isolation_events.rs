//! Tenant isolation for approvals, audit, admin events, settings and webhook deliveries: account B's ids,
//! used with account A's id, find nothing and change nothing.

use serde_json::json;
use time::Duration;

use super::fixtures::{approval, base_time, expect_not_found, grant_audit_event, new_approval, setup};
use crate::{
    AccountSettingsPatch, ApprovalStatus, AuditFilter, NewAdminEvent, NewWebhookDelivery, Store,
    WebhookAttempt, WebhookDeliveryStatus,
};

pub async fn tenants_cannot_see_or_change_each_others_approvals(store: &dyn Store) {
    let a = setup(store, "acme").await;
    let b = setup(store, "globex").await;
    let (a_id, now) = (a.account.id, base_time());
    let a_approval = approval(store, &a, "run_shell", now).await;
    let b_pending = approval(store, &b, "run_shell", now).await;
    let b_approved = approval(store, &b, "run_shell", now).await;
    store
        .decide_approval(b.account.id, b_approved.id, true, None, None, now)
        .await
        .expect("approve");
    let later = now + Duration::seconds(1);

    assert!(
        store
            .get_approval(a_id, b_pending.id)
            .await
            .expect("get")
            .is_none()
    );
    let reusable = store
        .find_reusable_approval(a_id, b.grant.id, "run_shell", "hash-1", 1, later)
        .await
        .expect("find");
    assert!(reusable.is_none());
    let listed = store.list_approvals(a_id, None, 100, None).await.expect("list");
    assert_eq!(
        listed.iter().map(|approval| approval.id).collect::<Vec<_>>(),
        [a_approval.id]
    );
    let after_b = store
        .list_approvals(a_id, None, 100, Some(b_pending.id))
        .await
        .expect("list");
    assert!(after_b.is_empty(), "b's id is no cursor in a");

    expect_not_found(
        store
            .decide_approval(a_id, b_pending.id, true, Some(a.user.id), None, later)
            .await,
        "decide b's approval",
    );
    assert!(
        !store
            .consume_approval(a_id, b_approved.id, later)
            .await
            .expect("consume"),
        "consume b's approval"
    );
    let b_pending_now = store.get_approval(b.account.id, b_pending.id).await.expect("get");
    assert_eq!(
        b_pending_now.map(|approval| (approval.status, approval.decided_by)),
        Some((ApprovalStatus::Pending, None))
    );
    assert!(
        store
            .consume_approval(b.account.id, b_approved.id, later)
            .await
            .expect("consume"),
        "b's approval is still usable by b"
    );

    // a's id with b's server, grant or policy.
    let mut with_b_grant = new_approval(&a, "run_shell", "h", now);
    with_b_grant.grant_id = b.grant.id;
    expect_not_found(store.create_approval(a_id, with_b_grant).await, "b's grant");
    let mut with_b_things = new_approval(&b, "run_shell", "h", now);
    expect_not_found(
        store.create_approval(a_id, with_b_things.clone()).await,
        "b's server, grant and policy",
    );
    with_b_things.policy_id = a.policy.id;
    expect_not_found(store.create_approval(a_id, with_b_things).await, "b's server");
}

pub async fn tenants_cannot_see_or_purge_each_others_audit_and_admin_events(store: &dyn Store) {
    let a = setup(store, "acme").await;
    let b = setup(store, "globex").await;
    let (a_id, now) = (a.account.id, base_time());
    let batch = vec![
        grant_audit_event(&a, "read_file", "allowed", now),
        grant_audit_event(&b, "run_shell", "denied", now),
        grant_audit_event(&b, "run_shell", "denied", now),
    ];
    store.insert_audit_events(batch.into()).await.expect("insert");

    let by_b_server = AuditFilter {
        server_id: Some(b.server.id),
        limit: 100,
        ..AuditFilter::default()
    };
    assert!(
        store
            .list_audit_events(a_id, &by_b_server)
            .await
            .expect("list")
            .is_empty()
    );
    let all = AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    };
    let listed = store.list_audit_events(a_id, &all).await.expect("list");
    assert_eq!(
        listed
            .iter()
            .map(|event| event.decision.as_str())
            .collect::<Vec<_>>(),
        ["allowed"]
    );
    let since = now - Duration::hours(1);
    let counts = store.audit_counts_by_decision(a_id, since).await.expect("counts");
    assert_eq!(counts, [("allowed".to_owned(), 1)]);
    let series = store.audit_timeseries(a_id, since, 60).await.expect("series");
    assert_eq!(series.len(), 1);
    let tools = store.audit_top_tools(a_id, since, 10).await.expect("tools");
    assert_eq!(tools, [("read_file".to_owned(), 1)]);
    assert_eq!(
        store
            .purge_audit(a_id, now + Duration::days(1))
            .await
            .expect("purge"),
        1
    );
    let b_events = store.list_audit_events(b.account.id, &all).await.expect("list");
    assert_eq!(b_events.len(), 2, "b's events survive a's purge");

    let admin = NewAdminEvent {
        actor: Some(b.user.id),
        action: "grant.revoked".to_owned(),
        target_type: "grant".to_owned(),
        target_id: b.grant.id.to_string(),
        before_version: None,
        after_version: None,
        detail: json!({"name": b.grant.name}),
    };
    store
        .insert_admin_event(b.account.id, admin)
        .await
        .expect("insert");
    let b_admin = store
        .list_admin_events(b.account.id, 10, None)
        .await
        .expect("list");
    assert_eq!(b_admin.len(), 1);
    assert!(
        store
            .list_admin_events(a_id, 10, None)
            .await
            .expect("list")
            .is_empty()
    );
    let before_b = store
        .list_admin_events(a_id, 10, Some(b_admin[0].id + 1))
        .await
        .expect("list");
    assert!(before_b.is_empty());
}

pub async fn tenants_cannot_see_or_change_each_others_settings_and_deliveries(store: &dyn Store) {
    let a = setup(store, "acme").await;
    let b = setup(store, "globex").await;
    let (a_id, now) = (a.account.id, base_time());
    let patch = AccountSettingsPatch {
        audit_retention_days: Some(90),
        webhook: Some(Some(("https://b.example.com/hook".to_owned(), vec![1]))),
    };
    store
        .update_account_settings(b.account.id, patch)
        .await
        .expect("update");
    let a_settings = store.get_account_settings(a_id).await.expect("get");
    assert_eq!(
        (a_settings.audit_retention_days, a_settings.webhook_url),
        (30, None)
    );

    let b_delivery = store
        .insert_webhook_delivery(
            b.account.id,
            NewWebhookDelivery {
                event_type: "approval.requested".to_owned(),
                payload: json!({"approval": "b"}),
            },
            now,
        )
        .await
        .expect("insert");
    assert!(
        store
            .list_webhook_deliveries(a_id, 10)
            .await
            .expect("list")
            .is_empty()
    );
    let attempt = WebhookAttempt {
        succeeded: true,
        status_code: Some(200),
        error: None,
        next_attempt_at: None,
    };
    expect_not_found(
        store.record_webhook_attempt(a_id, b_delivery, attempt, now).await,
        "record an attempt of b's delivery",
    );
    let b_deliveries = store
        .list_webhook_deliveries(b.account.id, 10)
        .await
        .expect("list");
    assert_eq!(
        b_deliveries
            .iter()
            .map(|delivery| (delivery.id, delivery.status, delivery.attempts))
            .collect::<Vec<_>>(),
        [(b_delivery, WebhookDeliveryStatus::Pending, 0)]
    );
}
