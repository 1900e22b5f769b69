use axum::http::{Method, StatusCode};
use serde_json::json;
use toolgate_cluster::ChangeEvent;

use crate::helpers::{TestApp, tool};

#[tokio::test]
async fn create_list_get_and_patch_without_ever_showing_header_values() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let base = format!("/api/v1/accounts/{}/servers", tenant.slug);
    let body = json!({
        "name": "System Tools",
        "url": "http://127.0.0.1:9100/mcp",
        "headers": {"Authorization": "Bearer sk-very-secret-1", "X-Team": "team-secret-2"}
    });
    let created = app.post(&base, &tenant.token, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["slug"], "system-tools");
    assert_eq!(created.body["name"], "System Tools");
    assert_eq!(created.body["url"], "http://127.0.0.1:9100/mcp");
    assert_eq!(created.body["header_names"], json!(["Authorization", "X-Team"]));
    assert_eq!(created.body["log_argument_values"], false);
    assert_eq!(
        created.body["gateway_url"],
        "http://gw.example/mcp/acme/system-tools"
    );
    let id = created.body["id"].as_str().expect("id").to_owned();

    let list = app.get(&base, &tenant.token).await;
    assert_eq!(list.body["items"].as_array().expect("items").len(), 1);
    assert_eq!(list.body["next_cursor"], serde_json::Value::Null);
    for key in ["system-tools", id.as_str()] {
        let one = app.get(&format!("{base}/{key}"), &tenant.token).await;
        assert_eq!((one.status, &one.body["id"]), (StatusCode::OK, &json!(id)));
    }
    let missing = app.get(&format!("{base}/nope"), &tenant.token).await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );

    let patch =
        json!({"name": "Sys", "log_argument_values": true, "headers": {"X-Api-Key": "sk-very-secret-3"}});
    let patched = app
        .call(
            Method::PATCH,
            &format!("{base}/system-tools"),
            Some(&tenant.token),
            Some(patch),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.body["name"], "Sys");
    assert_eq!(patched.body["slug"], "system-tools");
    assert_eq!(patched.body["log_argument_values"], true);
    assert_eq!(patched.body["header_names"], json!(["X-Api-Key"]));

    // The gateway gets the values, sealed for this server.
    app.post(&format!("{base}/system-tools/sync"), &tenant.token, json!({}))
        .await;
    let calls = app.catalog.calls.lock().expect("lock").clone();
    assert_eq!(
        calls,
        vec![(
            "http://127.0.0.1:9100/mcp".to_owned(),
            vec![("X-Api-Key".to_owned(), "sk-very-secret-3".to_owned())]
        )]
    );

    let removed = app
        .call(
            Method::PATCH,
            &format!("{base}/system-tools"),
            Some(&tenant.token),
            Some(json!({"headers": null})),
        )
        .await;
    assert_eq!(removed.body["header_names"], json!([]));
    let unchanged = app
        .call(
            Method::PATCH,
            &format!("{base}/system-tools"),
            Some(&tenant.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (unchanged.status, &unchanged.body["name"]),
        (StatusCode::OK, &json!("Sys"))
    );
    let slug_change = app
        .call(
            Method::PATCH,
            &format!("{base}/system-tools"),
            Some(&tenant.token),
            Some(json!({"slug": "x"})),
        )
        .await;
    assert_eq!(slug_change.status, StatusCode::UNPROCESSABLE_ENTITY);

    let transcript = app.transcript.lock().expect("lock").clone();
    for secret in ["sk-very-secret-1", "team-secret-2", "sk-very-secret-3"] {
        assert!(!transcript.contains(secret), "{secret} leaked");
    }
    let events = app.drain_events();
    assert!(
        events
            .iter()
            .any(|event| matches!(event, ChangeEvent::ServerChanged { .. }))
    );
}

#[tokio::test]
async fn validates_fields_and_refuses_slug_clashes() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let base = format!("/api/v1/accounts/{}/servers", tenant.slug);
    let bad = json!({"name": "", "slug": "Bad Slug", "url": "ftp://x", "headers": {"Host": "x", "X-Ok": "a\nb", "bad name": "v"}});
    let response = app.post(&base, &tenant.token, bad).await;
    assert_eq!(
        (response.status, response.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
    let mut paths = response.field_paths();
    paths.sort();
    assert_eq!(
        paths,
        [
            "headers.Host",
            "headers.X-Ok",
            "headers.bad name",
            "name",
            "slug",
            "url"
        ]
    );
    let wrong_type = app
        .post(
            &base,
            &tenant.token,
            json!({"name": "A", "url": "http://127.0.0.1/", "headers": {"X": 1}}),
        )
        .await;
    assert_eq!(wrong_type.field_paths(), ["headers.X"]);

    let first = app
        .post(
            &base,
            &tenant.token,
            json!({"name": "Files", "url": "http://127.0.0.1:1/"}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let clash = app
        .post(
            &base,
            &tenant.token,
            json!({"name": "Other", "slug": "files", "url": "http://127.0.0.1:1/"}),
        )
        .await;
    assert_eq!((clash.status, clash.code()), (StatusCode::CONFLICT, "conflict"));
}

#[tokio::test]
async fn sync_stores_the_catalog_and_reports_upstream_failures() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    app.server(&tenant, "Tools").await;
    let base = format!("/api/v1/accounts/{}/servers/tools", tenant.slug);

    *app.catalog.tools.lock().expect("lock") = Ok(vec![
        tool("run_shell", "Runs a command"),
        tool("list_files", "Lists files"),
        json!({"name": "bad name!", "inputSchema": {"type": "object"}}),
    ]);
    let synced = app.post(&format!("{base}/sync"), &tenant.token, json!({})).await;
    assert_eq!(synced.status, StatusCode::OK, "{}", synced.text);
    let items = synced.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["name"], "run_shell");
    assert_eq!(items[0]["description"], "Runs a command");
    assert_eq!(items[0]["input_schema"]["type"], "object");
    assert_eq!(items[0]["changed"], false);
    assert_eq!(items[0]["risk"], serde_json::Value::Null);
    assert_eq!(items[0]["definition_hash"].as_str().expect("hash").len(), 64);
    assert_eq!(synced.body["skipped"][0]["index"], 2);

    // The upstream changes one definition: it is flagged until accepted.
    *app.catalog.tools.lock().expect("lock") = Ok(vec![
        tool("run_shell", "Runs ANY command"),
        tool("list_files", "Lists files"),
    ]);
    let resynced = app.post(&format!("{base}/sync"), &tenant.token, json!({})).await;
    assert_eq!(resynced.body["items"][0]["changed"], true);
    assert_eq!(resynced.body["items"][1]["changed"], false);
    let listed = app.get(&format!("{base}/tools"), &tenant.token).await;
    assert_eq!(listed.body["items"][0]["changed"], true);
    let accepted = app
        .post(
            &format!("{base}/tools/run_shell/accept"),
            &tenant.token,
            json!({}),
        )
        .await;
    assert_eq!(
        (accepted.status, &accepted.body["changed"]),
        (StatusCode::OK, &json!(false))
    );
    let unknown = app
        .post(&format!("{base}/tools/nope/accept"), &tenant.token, json!({}))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    *app.catalog.tools.lock().expect("lock") = Err("connection refused (127.0.0.1:9)".into());
    let failed = app.post(&format!("{base}/sync"), &tenant.token, json!({})).await;
    assert_eq!(
        (failed.status, failed.code()),
        (StatusCode::BAD_GATEWAY, "upstream_error")
    );
    assert!(
        failed.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("connection refused")
    );
    // Sync with no body works too (the catalog is kept after a failure).
    let listed = app
        .call(Method::GET, &format!("{base}/tools"), Some(&tenant.token), None)
        .await;
    assert_eq!(listed.body["items"].as_array().expect("items").len(), 2);
}
