use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, tool};

#[tokio::test]
async fn register_shows_header_names_only_and_errors_at_fields() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;

    let invalid = ann
        .submit(
            &format!("/a/{slug}/servers/new"),
            &format!("/a/{slug}/servers"),
            &[
                ("name", ""),
                ("url", "ftp://example.com"),
                ("header_name", "Bad Name"),
                ("header_value", "kept-value"),
            ],
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.text.contains("id=\"name-error\""), "{}", invalid.text);
    assert!(invalid.text.contains("header-error-0"), "error at the header row");
    assert!(
        invalid.text.contains("value=\"kept-value\""),
        "typed input is not lost"
    );

    let server = ann.add_server(&slug, "System tools").await;
    assert_eq!(server, "system-tools");
    let page = ann.get(&format!("/a/{slug}/servers/{server}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("X-Api-Key"));
    assert!(
        !page.text.contains("upstream-secret-value"),
        "values are never shown"
    );
    assert!(page.text.contains("http://gw.example/mcp/acme/system-tools"));
    assert!(page.text.contains("No tools yet"));

    // Same slug again: the error is at the slug field.
    let clash = ann
        .submit(
            &format!("/a/{slug}/servers/new"),
            &format!("/a/{slug}/servers"),
            &[
                ("name", "Other"),
                ("slug", "system-tools"),
                ("url", "http://127.0.0.1:9/mcp"),
            ],
        )
        .await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(clash.text.contains("id=\"slug-error\""));
}

#[tokio::test]
async fn sync_shows_risk_and_changed_tools_can_be_accepted() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let server = ann.add_server(&slug, "Files").await;
    let page_path = format!("/a/{slug}/servers/{server}");
    let token = ann.csrf_token(&slug).await;

    *app.catalog.tools.lock().expect("lock") = Ok(vec![
        tool("run_shell", "Runs a shell command"),
        json!({"name": "list_files", "description": "Lists files", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true}}),
    ]);
    let tested = ann
        .post_form(&format!("{page_path}/test"), &[("csrf_token", &token)])
        .await;
    assert_eq!(tested.status, StatusCode::OK);
    assert!(tested.text.contains("Connected"), "{}", tested.text);
    let sent = app
        .catalog
        .headers_seen
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("call");
    assert_eq!(
        sent,
        vec![("X-Api-Key".to_owned(), "upstream-secret-value".to_owned())],
        "headers unsealed for the upstream"
    );

    let synced = ann
        .post_form(&format!("{page_path}/sync"), &[("csrf_token", &token)])
        .await;
    assert_eq!(synced.status, StatusCode::SEE_OTHER);
    let page = ann.get(synced.location()).await;
    assert!(
        page.text.contains("Synced: the upstream lists 2 tools."),
        "{}",
        page.text
    );
    assert!(page.text.contains("run_shell"));
    assert!(page.text.contains("Execute ·"), "risk badge: {}", page.text);
    assert!(page.text.contains("Read · Low"));
    assert!(!page.text.contains("Changed</span>"));

    *app.catalog.tools.lock().expect("lock") = Ok(vec![tool("run_shell", "Runs ANY shell command as root")]);
    ann.post_form(&format!("{page_path}/sync"), &[("csrf_token", &token)])
        .await;
    let page = ann.get(&page_path).await;
    assert!(page.text.contains("Changed</span>"));
    assert!(page.text.contains("diff-del"), "{}", page.text);
    assert!(page.text.contains("Runs ANY shell command as root"));

    let accepted = ann
        .post_form(
            &format!("{page_path}/tools/run_shell/accept"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    let page = ann.get(accepted.location()).await;
    assert!(page.text.contains("Accepted the current definition of run_shell"));
    assert!(!page.text.contains("Changed</span>"));

    let missing = ann
        .post_form(
            &format!("{page_path}/tools/nope/accept"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    *app.catalog.tools.lock().expect("lock") = Err("connection refused".into());
    let failed = ann
        .post_form(&format!("{page_path}/sync"), &[("csrf_token", &token)])
        .await;
    assert_eq!(failed.status, StatusCode::BAD_GATEWAY);
    assert!(failed.text.contains("Sync failed"), "{}", failed.text);
    assert!(failed.text.contains("connection refused"));
}

#[tokio::test]
async fn headers_are_replaced_or_removed() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let server = ann.add_server(&slug, "Files").await;
    let page_path = format!("/a/{slug}/servers/{server}");
    let token = ann.csrf_token(&slug).await;
    let action = format!("{page_path}/headers");

    let replaced = ann
        .post_form(
            &action,
            &[
                ("csrf_token", &token),
                ("header_name", "Authorization"),
                ("header_value", "Bearer new"),
            ],
        )
        .await;
    assert_eq!(replaced.status, StatusCode::SEE_OTHER, "{}", replaced.text);
    let page = ann.get(&page_path).await;
    assert!(page.text.contains("Authorization") && !page.text.contains("X-Api-Key"));

    let nothing = ann
        .post_form(
            &action,
            &[("csrf_token", &token), ("header_name", ""), ("header_value", "")],
        )
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nothing.text.contains("Remove all headers"));

    let bad = ann
        .post_form(
            &action,
            &[
                ("csrf_token", &token),
                ("header_name", "Host"),
                ("header_value", "x"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("header-error-0"), "{}", bad.text);

    let removed = ann
        .post_form(
            &action,
            &[
                ("csrf_token", &token),
                ("header_name", ""),
                ("header_value", ""),
                ("remove_all", "on"),
            ],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let page = ann.get(&page_path).await;
    assert!(!page.text.contains("Authorization</span>"));
}
