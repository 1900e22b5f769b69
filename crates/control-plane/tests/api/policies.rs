use axum::http::{Method, StatusCode};
use serde_json::json;
use toolgate_cluster::ChangeEvent;

use crate::helpers::{TestApp, example_policy};

#[tokio::test]
async fn invalid_policies_answer_pointers_into_the_document() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    app.server(&tenant, "Tools").await;
    let base = format!("/api/v1/accounts/{}/servers/tools/policies", tenant.slug);
    let mut document = example_policy();
    document["tools"]["run_shell"]["require"][0]["conditions"][0]["op"] = json!("matches");
    document["tools"]["run_shell"]["deny_if"][0]["conditions"][0]["value"] = json!("(unclosed");
    document["surprise"] = json!(true);
    let response = app
        .post(
            &base,
            &tenant.token,
            json!({"name": "default", "document": document}),
        )
        .await;
    assert_eq!(
        (response.status, response.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_policy"),
        "{}",
        response.text
    );
    let mut paths = response.field_paths();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/surprise",
            "/tools/run_shell/deny_if/0/conditions/0/value",
            "/tools/run_shell/require/0/conditions/0/op",
        ]
    );
    let not_object = app
        .post(
            &base,
            &tenant.token,
            json!({"name": "default", "document": "allow all"}),
        )
        .await;
    assert_eq!(
        (not_object.status, not_object.field_paths()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec![String::new()])
    );
    let missing = app.post(&base, &tenant.token, json!({"name": "default"})).await;
    assert_eq!(
        (missing.status, missing.field_paths()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["document".to_owned()])
    );
    let list = app.get(&base, &tenant.token).await;
    assert_eq!(list.body["items"], json!([]), "nothing was saved");
}

#[tokio::test]
async fn create_update_get_and_versions() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let server = app.server(&tenant, "Tools").await;
    app.drain_events();
    let base = format!("/api/v1/accounts/{}/servers/tools/policies", tenant.slug);

    let created = app
        .post(
            &base,
            &tenant.token,
            json!({"name": "default", "document": example_policy()}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["name"], "default");
    assert_eq!(created.body["version"], 1);
    assert_eq!(created.body["server"], "tools");
    let id = created.body["id"].as_str().expect("id").to_owned();
    let events = app.drain_events();
    assert!(
        matches!(events.as_slice(), [ChangeEvent::PolicySaved { policy, server: server_id, .. }]
            if policy.to_string() == id && server_id.to_string() == server["id"].as_str().expect("id")),
        "{events:?}"
    );

    let clash = app
        .post(
            &base,
            &tenant.token,
            json!({"name": "default", "document": example_policy()}),
        )
        .await;
    assert_eq!((clash.status, clash.code()), (StatusCode::CONFLICT, "conflict"));

    let open = json!({"version": "1", "default": "allow"});
    for (index, key) in ["default", id.as_str()].iter().enumerate() {
        let saved = app
            .call(
                Method::PUT,
                &format!("{base}/{key}"),
                Some(&tenant.token),
                Some(json!({"document": open})),
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        assert_eq!(saved.body["version"], index + 2);
    }
    assert_eq!(app.drain_events().len(), 2);
    let invalid = app
        .call(
            Method::PUT,
            &format!("{base}/default"),
            Some(&tenant.token),
            Some(json!({"document": {"version": "2", "default": "allow"}})),
        )
        .await;
    assert_eq!(
        (invalid.status, invalid.field_paths()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["/version".to_owned()])
    );

    let current = app.get(&format!("{base}/default"), &tenant.token).await;
    assert_eq!(current.body["version"], 3);
    assert_eq!(current.body["document"], open);
    assert!(current.body["created_at"].as_str().expect("time").ends_with('Z'));
    let versions = app.get(&format!("{base}/default/versions"), &tenant.token).await;
    let items = versions.body["items"].as_array().expect("items");
    let numbers: Vec<i64> = items
        .iter()
        .map(|item| item["version"].as_i64().expect("n"))
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(items[2]["document"], example_policy());
    assert!(items[0]["created_by"].is_string());
    let list = app.get(&base, &tenant.token).await;
    assert_eq!(list.body["items"][0]["version"], 3);
    let missing = app.get(&format!("{base}/nope"), &tenant.token).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn simulate_answers_without_calling_anything() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    app.server(&tenant, "Tools").await;
    let base = format!("/api/v1/accounts/{}/servers/tools/policies", tenant.slug);
    app.post(
        &base,
        &tenant.token,
        json!({"name": "default", "document": example_policy()}),
    )
    .await;
    let simulate = format!("{base}/default/simulate");

    let allowed = app
        .post(
            &simulate,
            &tenant.token,
            json!({"tool": "run_shell", "arguments": {"command": "ls -la"}}),
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
    assert_eq!(allowed.body["decision"], "allowed");
    assert_eq!(allowed.body["limits"][0]["counter"], "all_calls");
    assert_eq!(allowed.body["limits"][0]["max"], 120);
    assert_eq!(allowed.body["limits"][0]["window_ms"], 60_000);
    assert_eq!(allowed.body["limits"][0]["scope"], "grant");

    let denied = app
        .post(
            &simulate,
            &tenant.token,
            json!({"tool": "run_shell", "arguments": {"command": "ls; rm -rf /"}}),
        )
        .await;
    assert_eq!(denied.body["decision"], "denied");
    assert_eq!(denied.body["reason"], "Shell metacharacters are not allowed.");
    assert_eq!(denied.body["rule"], "/tools/run_shell/deny_if/0");

    let default_deny = app
        .post(&simulate, &tenant.token, json!({"tool": "unknown_tool"}))
        .await;
    assert_eq!(
        (&default_deny.body["decision"], &default_deny.body["rule"]),
        (&json!("denied"), &json!("(default deny)"))
    );
    let hidden = app
        .post(
            &simulate,
            &tenant.token,
            json!({"tool": "debug_dump", "arguments": {}}),
        )
        .await;
    assert_eq!(hidden.body["decision"], "hidden");
    let approval = app
        .post(
            &simulate,
            &tenant.token,
            json!({"tool": "kill_process", "arguments": {"pid": 1}}),
        )
        .await;
    assert_eq!(approval.body["decision"], "approval_requested");
    assert_eq!(approval.body["approval"]["timeout_ms"], 600_000);

    let bad_arguments = app
        .post(
            &simulate,
            &tenant.token,
            json!({"tool": "run_shell", "arguments": [1]}),
        )
        .await;
    assert_eq!(
        (bad_arguments.status, bad_arguments.field_paths()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["arguments".to_owned()])
    );
    assert!(app.catalog.calls.lock().expect("lock").is_empty());
}
