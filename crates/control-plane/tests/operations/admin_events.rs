//! `GET …/admin-events`: every change through the API is recorded with its actor, names only.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use toolgate_domain::{TokenHash, TokenKind};
use toolgate_store::Store;

use crate::helpers::{Tenant, TestApp};

async fn all_events(app: &TestApp, tenant: &Tenant) -> Vec<Value> {
    let answer = app.get(&tenant.path("/admin-events"), tenant).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["items"].as_array().expect("items").clone()
}

fn actions(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["action"].as_str().unwrap_or(""))
        .collect()
}

#[tokio::test]
async fn each_kind_of_change_is_recorded_newest_first() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    *app.catalog.0.lock().expect("lock") = vec![
        json!({"name": "kill_process", "description": "Kills a process", "inputSchema": {"type": "object"}}),
    ];
    let setup = app.setup(&tenant).await;
    let server_path = tenant.path("/servers/tools");
    let updated = app
        .patch(
            &server_path,
            &tenant,
            json!({"name": "Tools 2", "headers": {"X-Other": "another-secret-value"}}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let synced = app.post(&format!("{server_path}/sync"), &tenant, json!({})).await;
    assert_eq!(synced.status, StatusCode::OK, "{}", synced.text);
    let saved = app
        .call(
            Method::PUT,
            &tenant.path("/servers/tools/policies/open"),
            Some(&tenant.token),
            Some(json!({"document": {"version": "1", "default": "deny"}})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let grant = setup.grant.to_string();
    let rotated = app
        .post(
            &tenant.path(&format!("/grants/{grant}/rotate")),
            &tenant,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let revoked = app
        .call(
            Method::DELETE,
            &tenant.path(&format!("/grants/{grant}")),
            Some(&tenant.token),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text);
    // Revoking again changes nothing and records nothing.
    app.call(
        Method::DELETE,
        &tenant.path(&format!("/grants/{grant}")),
        Some(&tenant.token),
        None,
    )
    .await;
    let approval = app
        .request_approval(&tenant, &setup, time::Duration::minutes(5))
        .await;
    let decided = app
        .post(
            &tenant.path(&format!("/approvals/{}/deny", approval.id)),
            &tenant,
            json!({}),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
    let settings = app
        .patch(
            &tenant.path("/settings"),
            &tenant,
            json!({"audit_retention_days": 14}),
        )
        .await;
    assert_eq!(settings.status, StatusCode::OK);
    // A PATCH that changes nothing records nothing.
    let unchanged = app
        .patch(
            &tenant.path("/settings"),
            &tenant,
            json!({"audit_retention_days": 14}),
        )
        .await;
    assert_eq!(unchanged.status, StatusCode::OK);

    let events = all_events(&app, &tenant).await;
    assert_eq!(
        actions(&events),
        [
            "settings.updated",
            "approval.denied",
            "grant.revoked",
            "grant.rotated",
            "policy.saved",
            "server.synced",
            "server.updated",
            "grant.created",
            "policy.created",
            "server.created",
        ]
    );
    for event in &events {
        assert_eq!(event["actor"], "ann@example.com", "{event}");
        assert!(event["time"].is_string() && event["id"].is_i64());
    }
    let by_action = |action: &str| {
        events
            .iter()
            .find(|event| event["action"] == action)
            .cloned()
            .expect(action)
    };
    let policy_saved = by_action("policy.saved");
    assert_eq!(
        (
            &policy_saved["target_type"],
            &policy_saved["before_version"],
            &policy_saved["after_version"]
        ),
        (&json!("policy"), &json!(1), &json!(2))
    );
    assert_eq!(policy_saved["target_id"], setup.policy.to_string());
    let created = by_action("policy.created");
    assert_eq!(
        (&created["before_version"], &created["after_version"]),
        (&Value::Null, &json!(1))
    );
    let server_updated = by_action("server.updated");
    assert_eq!(server_updated["target_id"], setup.server.to_string());
    assert_eq!(server_updated["detail"]["header_names"], json!(["X-Other"]));
    assert_eq!(server_updated["detail"]["changed"], json!(["name", "headers"]));
    assert_eq!(
        by_action("server.created")["detail"]["header_names"],
        json!(["X-Api-Key"])
    );
    assert_eq!(by_action("server.synced")["detail"]["tools"], 1);
    assert_eq!(by_action("grant.revoked")["target_id"], grant);
    assert_eq!(by_action("approval.denied")["target_id"], approval.id.to_string());
    assert_eq!(
        by_action("settings.updated")["detail"]["audit_retention_days"],
        json!({"before": 30, "after": 14})
    );

    let transcript = app.transcript.lock().expect("lock").clone();
    assert!(!transcript.contains("upstream-secret-value") && !transcript.contains("another-secret-value"));
}

#[tokio::test]
async fn pages_with_a_cursor_and_rejects_bad_ones() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    app.setup(&tenant).await;
    let first = app.get(&tenant.path("/admin-events?limit=2"), &tenant).await;
    assert_eq!(
        actions(first.body["items"].as_array().expect("items")),
        ["grant.created", "policy.created"]
    );
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let second = app
        .get(
            &tenant.path(&format!("/admin-events?limit=2&cursor={cursor}")),
            &tenant,
        )
        .await;
    assert_eq!(
        actions(second.body["items"].as_array().expect("items")),
        ["server.created"]
    );
    assert_eq!(second.body["next_cursor"], Value::Null);

    for query in ["limit=0", "limit=201", "limit=x", "cursor=abc", "unknown=1"] {
        let answer = app
            .get(&tenant.path(&format!("/admin-events?{query}")), &tenant)
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}: {}", answer.text);
    }
}

#[tokio::test]
async fn tenants_see_only_their_own_events() {
    let app = TestApp::new().await;
    let ann = app.signup("ann@example.com", "Acme").await;
    let bob = app.signup("bob@example.com", "Bobco").await;
    app.setup(&ann).await;
    assert!(all_events(&app, &bob).await.is_empty());
    let foreign = app.get(&ann.path("/admin-events"), &bob).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    app.patch(&bob.path("/settings"), &bob, json!({"audit_retention_days": 3}))
        .await;
    let theirs = all_events(&app, &bob).await;
    assert_eq!(actions(&theirs), ["settings.updated"]);
    assert_eq!(theirs[0]["actor"], "bob@example.com");
    assert_eq!(all_events(&app, &ann).await.len(), 3);
}

#[tokio::test]
async fn changes_with_a_session_cookie_are_attributed_to_its_user() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let user = app
        .store
        .find_user_by_email("ann@example.com")
        .await
        .expect("find")
        .expect("user");
    let cookie = TokenKind::Session.generate();
    app.store
        .create_session(
            TokenHash::of(&cookie),
            user.id,
            "csrf-token-value",
            OffsetDateTime::now_utc() + time::Duration::hours(1),
        )
        .await
        .expect("session");
    let request = Request::builder()
        .method(Method::PATCH)
        .uri(tenant.path("/settings"))
        .header("cookie", format!("toolgate_session={cookie}"))
        .header("x-csrf-token", "csrf-token-value")
        .header("content-type", "application/json")
        .body(Body::from(json!({"audit_retention_days": 10}).to_string()))
        .expect("request");
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let events = all_events(&app, &tenant).await;
    assert_eq!(actions(&events), ["settings.updated"]);
    assert_eq!(events[0]["actor"], "ann@example.com");
}
