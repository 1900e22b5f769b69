//! Approval webhooks end to end: a real receiver on loopback, the control plane's jobs on a quick
//! schedule.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use toolgate_cluster::{ChangeEvent, Events};
use toolgate_control_plane::{JobsConfig, RetryPolicy};
use toolgate_store::Store;

use crate::helpers::{Tenant, TestApp, eventually, fast_jobs};
use crate::receiver::{Received, Receiver};

async fn set_webhook(app: &TestApp, tenant: &Tenant, url: &str) -> String {
    let answer = app
        .patch(&tenant.path("/settings"), tenant, json!({"webhook_url": url}))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["webhook_secret"].as_str().expect("secret").to_owned()
}

async fn wait_for(receiver: &Receiver, count: usize) -> Vec<Received> {
    eventually("webhook deliveries", || async {
        let received = receiver.received().await;
        (received.len() >= count).then_some(received)
    })
    .await
}

#[tokio::test]
async fn requested_and_approved_events_are_signed_and_carry_no_arguments() {
    let app = TestApp::with(fast_jobs(), true).await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let setup = app.setup(&tenant).await;
    let receiver = Receiver::start(0).await;
    let secret = set_webhook(&app, &tenant, &receiver.url).await;

    let approval = app
        .request_approval(&tenant, &setup, time::Duration::minutes(10))
        .await;
    let received = wait_for(&receiver, 1).await;
    let requested = &received[0];
    assert!(requested.signature_valid(&secret), "the signature checks out");
    assert!(
        !requested.signature_valid("whsec_other"),
        "and only with the right secret"
    );
    assert_eq!(requested.header("x-toolgate-event"), "approval.requested");
    assert_eq!(requested.header("content-type"), "application/json");
    let timestamp: i64 = requested
        .header("x-toolgate-timestamp")
        .parse()
        .expect("unix seconds");
    assert!((OffsetDateTime::now_utc().unix_timestamp() - timestamp).abs() < 60);
    assert!(!requested.header("x-toolgate-delivery").is_empty());
    let body = requested.json();
    assert_eq!(body["type"], "approval.requested");
    assert_eq!(
        body["account"],
        json!({"id": tenant.account_id.to_string(), "slug": "acme"})
    );
    let shown = &body["approval"];
    assert_eq!(shown["id"], approval.id.to_string());
    assert_eq!(shown["status"], "pending");
    assert_eq!(shown["tool"], "kill_process");
    assert_eq!(shown["server"], "tools");
    assert_eq!(shown["grant"], "agent");
    assert_eq!(
        shown["url"],
        format!("http://cp.example/a/acme/approvals/{}", approval.id)
    );
    assert!(shown["expires_at"].is_string() && shown["decided_at"].is_null());
    assert!(body.get("arguments").is_none() && shown.get("arguments").is_none());
    assert!(body["id"].as_str().is_some_and(|id| !id.is_empty()));

    let decided = app
        .post(
            &tenant.path(&format!("/approvals/{}/approve", approval.id)),
            &tenant,
            json!({"note": "go ahead"}),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
    let received = wait_for(&receiver, 2).await;
    let approved = &received[1];
    assert!(approved.signature_valid(&secret));
    assert_eq!(approved.header("x-toolgate-event"), "approval.approved");
    let body = approved.json();
    assert_eq!(body["approval"]["status"], "approved");
    assert_eq!(body["approval"]["note"], "go ahead");
    assert!(body["approval"]["decided_at"].is_string());
    assert_ne!(
        approved.header("x-toolgate-delivery"),
        received[0].header("x-toolgate-delivery")
    );

    let deliveries = eventually("both deliveries recorded", || async {
        let deliveries = app.get(&tenant.path("/webhook-deliveries"), &tenant).await;
        let items = deliveries.body["items"].as_array().cloned().unwrap_or_default();
        let done = items.len() == 2 && items.iter().all(|item| item["status"] == "delivered");
        done.then_some(deliveries)
    })
    .await;
    let items = deliveries.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["event_type"], "approval.approved");
    assert_eq!(items[1]["event_type"], "approval.requested");
    for item in items {
        assert_eq!(item["status"], "delivered");
        assert_eq!(item["attempts"], 1);
        assert_eq!(item["last_status_code"], 204);
        assert!(item["delivered_at"].is_string());
    }
    assert_eq!(deliveries.body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_denial_is_sent_too() {
    let app = TestApp::with(fast_jobs(), true).await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let setup = app.setup(&tenant).await;
    let receiver = Receiver::start(0).await;
    let secret = set_webhook(&app, &tenant, &receiver.url).await;
    let approval = app
        .request_approval(&tenant, &setup, time::Duration::minutes(10))
        .await;
    wait_for(&receiver, 1).await;
    app.post(
        &tenant.path(&format!("/approvals/{}/deny", approval.id)),
        &tenant,
        json!({"note": "not today"}),
    )
    .await;
    let received = wait_for(&receiver, 2).await;
    assert_eq!(received[1].header("x-toolgate-event"), "approval.denied");
    assert!(received[1].signature_valid(&secret));
    assert_eq!(received[1].json()["approval"]["note"], "not today");
}

#[tokio::test]
async fn a_failing_receiver_gets_the_event_on_the_third_attempt() {
    let app = TestApp::with(fast_jobs(), true).await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let setup = app.setup(&tenant).await;
    let receiver = Receiver::start(2).await;
    let secret = set_webhook(&app, &tenant, &receiver.url).await;
    app.request_approval(&tenant, &setup, time::Duration::minutes(10))
        .await;

    let received = wait_for(&receiver, 1).await;
    assert_eq!(receiver.calls(), 3, "two failures, then the delivery");
    assert!(received[0].signature_valid(&secret));
    assert_eq!(received[0].header("x-toolgate-event"), "approval.requested");
    let item = eventually("the delivery marked delivered", || async {
        let deliveries = app.get(&tenant.path("/webhook-deliveries"), &tenant).await;
        let item = deliveries.body["items"][0].clone();
        (item["status"] == "delivered").then_some(item)
    })
    .await;
    assert_eq!(item["attempts"], 3);
    assert_eq!(item["last_status_code"], 204);
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_is_given_up_and_the_failure_is_listed() {
    let jobs = JobsConfig {
        webhooks: RetryPolicy {
            max_attempts: 3,
            ..fast_jobs().webhooks
        },
        ..fast_jobs()
    };
    let app = TestApp::with(jobs, true).await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let setup = app.setup(&tenant).await;
    let receiver = Receiver::start(usize::MAX).await;
    set_webhook(&app, &tenant, &receiver.url).await;
    app.request_approval(&tenant, &setup, time::Duration::minutes(10))
        .await;

    let item = eventually("the delivery given up", || async {
        let deliveries = app.get(&tenant.path("/webhook-deliveries"), &tenant).await;
        let item = deliveries.body["items"][0].clone();
        (item["status"] == "failed").then_some(item)
    })
    .await;
    assert_eq!(item["attempts"], 3);
    assert_eq!(item["last_status_code"], 500);
    assert!(
        item["last_error"].as_str().expect("error").contains("HTTP 500"),
        "{item}"
    );
    assert_eq!(item["next_attempt_at"], Value::Null);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(receiver.calls(), 3, "no attempt after giving up");
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_with_the_error_listed() {
    let app = TestApp::with(fast_jobs(), true).await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let setup = app.setup(&tenant).await;
    // Nothing listens on the discard port.
    set_webhook(&app, &tenant, "http://127.0.0.1:9/hook").await;
    app.request_approval(&tenant, &setup, time::Duration::minutes(10))
        .await;
    let item = eventually("a failed attempt", || async {
        let deliveries = app.get(&tenant.path("/webhook-deliveries"), &tenant).await;
        let item = deliveries.body["items"][0].clone();
        (item["attempts"].as_i64().unwrap_or(0) >= 1).then_some(item)
    })
    .await;
    assert_eq!(item["status"], "pending");
    assert_eq!(item["last_status_code"], Value::Null);
    assert!(
        item["last_error"].as_str().is_some_and(|error| !error.is_empty()),
        "{item}"
    );
    assert!(item["next_attempt_at"].is_string());
}

#[tokio::test]
async fn nothing_is_queued_without_a_webhook_and_other_tenants_see_nothing() {
    let app = TestApp::with(fast_jobs(), true).await;
    let ann = app.signup("ann@example.com", "Acme").await;
    let bob = app.signup("bob@example.com", "Bobco").await;
    let setup = app.setup(&ann).await;
    app.request_approval(&ann, &setup, time::Duration::minutes(10))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let deliveries = app
        .store
        .list_webhook_deliveries(ann.account_id, 10)
        .await
        .expect("list");
    assert!(deliveries.is_empty());

    let receiver = Receiver::start(0).await;
    set_webhook(&app, &ann, &receiver.url).await;
    app.request_approval(&ann, &setup, time::Duration::minutes(10))
        .await;
    wait_for(&receiver, 1).await;
    let theirs = app.get(&bob.path("/webhook-deliveries"), &bob).await;
    assert_eq!(theirs.body["items"], json!([]));
    let foreign = app.get(&ann.path("/webhook-deliveries"), &bob).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let bad = app
        .call(
            Method::GET,
            &ann.path("/webhook-deliveries?limit=0"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_sweeper_expires_approvals_wakes_held_calls_and_sends_the_webhook() {
    let app = TestApp::with(fast_jobs(), true).await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let setup = app.setup(&tenant).await;
    let receiver = Receiver::start(0).await;
    let secret = set_webhook(&app, &tenant, &receiver.url).await;
    let mut events = app.events.subscribe();
    let approval = app
        .request_approval(&tenant, &setup, time::Duration::milliseconds(200))
        .await;

    let received = wait_for(&receiver, 2).await;
    let kinds: Vec<&str> = received
        .iter()
        .map(|request| request.header("x-toolgate-event"))
        .collect();
    assert_eq!(kinds, ["approval.requested", "approval.expired"]);
    assert!(received[1].signature_valid(&secret));
    assert_eq!(received[1].json()["approval"]["status"], "expired");
    let stored = app
        .store
        .get_approval(tenant.account_id, approval.id)
        .await
        .expect("get")
        .expect("approval");
    assert_eq!(stored.status, toolgate_store::ApprovalStatus::Expired);

    let woke = eventually("an ApprovalDecided event", || {
        let mut found = None;
        while let Ok(event) = events.try_recv() {
            if event
                == (ChangeEvent::ApprovalDecided {
                    account: tenant.account_id,
                    approval: approval.id,
                })
            {
                found = Some(());
            }
        }
        async move { found }
    })
    .await;
    let () = woke;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.received().await.len(), 2, "the expiry is reported once");
}

#[tokio::test]
async fn an_approval_that_expires_while_approvals_are_listed_still_gets_its_webhook() {
    // The sweeper runs only every 2 s: the approval expires, and is read, long before it runs.
    let jobs = JobsConfig {
        sweep_every: std::time::Duration::from_secs(2),
        ..fast_jobs()
    };
    let app = TestApp::with(jobs, true).await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let setup = app.setup(&tenant).await;
    let receiver = Receiver::start(0).await;
    let secret = set_webhook(&app, &tenant, &receiver.url).await;
    let approval = app
        .request_approval_with(
            &tenant,
            &setup,
            time::Duration::milliseconds(300),
            Some(json!({"pid": 4242})),
        )
        .await;
    let open = app
        .get(&tenant.path(&format!("/approvals/{}", approval.id)), &tenant)
        .await;
    assert_eq!(open.body["status"], "pending", "{}", open.text);
    assert_eq!(open.body["arguments"], json!({"pid": 4242}), "shown while open");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;

    // Every view says expired, without the arguments, and none of them marks it expired.
    let one = app
        .get(&tenant.path(&format!("/approvals/{}", approval.id)), &tenant)
        .await;
    assert_eq!(one.body["status"], "expired", "{}", one.text);
    assert_eq!(one.body["arguments"], Value::Null);
    let all = app.get(&tenant.path("/approvals"), &tenant).await;
    assert_eq!(all.body["items"][0]["status"], "expired");
    assert_eq!(all.body["items"][0]["arguments"], Value::Null);
    let pending = app.get(&tenant.path("/approvals?status=pending"), &tenant).await;
    assert_eq!(pending.body["items"], json!([]), "{}", pending.text);
    let expired = app.get(&tenant.path("/approvals?status=expired"), &tenant).await;
    assert_eq!(expired.body["items"][0]["id"], approval.id.to_string());
    let decided = app
        .post(
            &tenant.path(&format!("/approvals/{}/approve", approval.id)),
            &tenant,
            json!({}),
        )
        .await;
    assert_eq!(decided.status, StatusCode::CONFLICT, "{}", decided.text);
    assert!(decided.text.contains("expired"));
    let stored = app
        .store
        .get_approval(tenant.account_id, approval.id)
        .await
        .expect("get")
        .expect("approval");
    assert_eq!(
        stored.status,
        toolgate_store::ApprovalStatus::Pending,
        "left to the sweeper"
    );

    let received = wait_for(&receiver, 2).await;
    assert_eq!(received[1].header("x-toolgate-event"), "approval.expired");
    assert!(received[1].signature_valid(&secret));
    assert_eq!(received[1].json()["approval"]["id"], approval.id.to_string());
    assert!(
        !String::from_utf8_lossy(&received[1].body).contains("4242"),
        "no argument values"
    );
}
