use axum::http::StatusCode;
use serde_json::json;
use time::OffsetDateTime;
use toolgate_domain::{ApprovalId, TokenHash};
use toolgate_store::{ApprovalStatus, NewApproval, NewAuditEvent, NewGrant, NewPolicy, Store};

use crate::helpers::TestApp;

/// A server (through the form), a policy and a grant (through the store): answers the account, server
/// and grant rows.
async fn setup(
    app: &TestApp,
    browser: &mut crate::helpers::Browser<'_>,
    slug: &str,
) -> (
    toolgate_store::Account,
    toolgate_store::Server,
    toolgate_store::Grant,
    toolgate_store::Policy,
) {
    let server = browser.add_server(slug, "Files").await;
    let account = app
        .store
        .find_account_by_slug(slug)
        .await
        .expect("store")
        .expect("account");
    let server = app
        .store
        .find_server(account.id, &server)
        .await
        .expect("store")
        .expect("server");
    let policy = app
        .store
        .create_policy(
            account.id,
            server.id,
            NewPolicy {
                name: "agents".into(),
                document: json!({"version": "1", "default": "allow"}),
                created_by: None,
            },
        )
        .await
        .expect("policy");
    let grant = app
        .store
        .create_grant(
            account.id,
            NewGrant {
                server_id: server.id,
                policy_id: Some(policy.id),
                name: "Laptop agent".into(),
                token_hash: TokenHash::of("tg_test_token"),
                token_prefix: "tg_test".into(),
                expires_at: None,
            },
        )
        .await
        .expect("grant");
    (account, server, grant, policy)
}

#[tokio::test]
async fn pages_need_a_member_of_the_account() {
    let app = TestApp::new().await;
    let (_ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let mut anonymous = app.browser();
    for page in ["approvals", "activity"] {
        let answer = anonymous.get(&format!("/a/{slug}/{page}")).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert!(answer.location().starts_with("/login"), "{}", answer.location());
    }
    let (mut bob, _other) = app.signed_up("bob@example.com", "Bobco").await;
    for page in ["approvals", "approvals/pending", "approvals/count", "activity"] {
        let answer = bob.get(&format!("/a/{slug}/{page}")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{page}");
    }
}

#[tokio::test]
async fn approving_through_the_page_decides_the_approval() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let (account, server, grant, policy) = setup(&app, &mut ann, &slug).await;
    let now = OffsetDateTime::now_utc();
    let approval = app
        .store
        .create_approval(
            account.id,
            NewApproval {
                id: ApprovalId::new(),
                server_id: server.id,
                grant_id: grant.id,
                tool: "delete_file".into(),
                arguments_hash: "00".repeat(32),
                arguments_sealed: None,
                policy_id: policy.id,
                policy_version: policy.version,
                created_at: now,
                expires_at: now + time::Duration::minutes(10),
            },
        )
        .await
        .expect("approval");

    let page = ann.get(&format!("/a/{slug}/approvals")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("delete_file"));
    assert!(page.text.contains("Laptop agent"));
    assert!(page.text.contains("hx-trigger=\"every 2s\""));
    let count = ann.get(&format!("/a/{slug}/approvals/count")).await;
    assert!(count.text.contains(">1<"), "{}", count.text);
    let fragment = ann.get(&format!("/a/{slug}/approvals/pending")).await;
    assert!(
        fragment
            .text
            .contains(&format!("/approvals/{}/approve", approval.id))
    );
    assert!(!fragment.text.contains("<html"));

    let action = format!("/a/{slug}/approvals/{}/approve", approval.id);
    let decided = ann
        .submit(
            &format!("/a/{slug}/approvals"),
            &action,
            &[("note", "ok for today")],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text);
    assert!(decided.location().starts_with(&format!("/a/{slug}/approvals")));
    let stored = app
        .store
        .get_approval(account.id, approval.id)
        .await
        .expect("store")
        .expect("approval");
    assert_eq!(stored.status, ApprovalStatus::Approved);
    assert_eq!(stored.note.as_deref(), Some("ok for today"));

    let after = ann.get(decided.location()).await;
    assert!(after.text.contains("was approved"));
    let count = ann.get(&format!("/a/{slug}/approvals/count")).await;
    assert!(!count.text.contains("badge"));
    // A second decision is a conflict, not a 500.
    let again = ann
        .submit(&format!("/a/{slug}/approvals"), &action, &[("note", "")])
        .await;
    assert!(again.status.is_client_error(), "{}", again.text);
    assert!(again.text.contains("no longer pending"));
}

#[tokio::test]
async fn activity_lists_and_filters_events() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let (account, server, grant, _policy) = setup(&app, &mut ann, &slug).await;
    let now = OffsetDateTime::now_utc();
    let event = |tool: &str, decision: &str, rule: Option<&str>| NewAuditEvent {
        account_id: account.id,
        server_id: Some(server.id),
        grant_id: Some(grant.id),
        session: None,
        method: "tools/call".into(),
        tool: Some(tool.into()),
        decision: decision.into(),
        rule: rule.map(str::to_owned),
        reason: None,
        argument_keys: vec!["path".into()],
        arguments: None,
        upstream_status: None,
        latency_ms: Some(12.0),
        time: now - time::Duration::minutes(5),
    };
    app.store
        .insert_audit_events(
            [
                event("read_file", "allowed", None),
                event("read_file", "allowed", None),
                event("delete_file", "denied", Some("/rules/0")),
            ]
            .into(),
        )
        .await
        .expect("insert");

    let page = ann.get(&format!("/a/{slug}/activity")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("read_file"));
    assert!(page.text.contains("delete_file"));
    assert!(page.text.contains("<svg class=\"activity-chart\""));
    assert!(page.text.contains("<rect class=\"d-allowed\""));
    assert!(page.text.contains("/rules/0"));
    assert!(
        page.text
            .contains(&format!("/api/v1/accounts/{slug}/audit/export?format=csv"))
    );

    let filtered = ann
        .get(&format!("/a/{slug}/activity?decision=denied&tool=&server="))
        .await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.text);
    let log = &filtered.text[filtered.text.find("id=\"log-title\"").expect("log")..];
    assert!(log.contains("delete_file"));
    assert!(!log.contains("<code>read_file</code>"));
    assert!(
        crate::helpers::unescape(&filtered.text)
            .replace("&#38;", "&")
            .contains("format=jsonl&decision=denied")
    );

    let bad = ann.get(&format!("/a/{slug}/activity?since=yesterday")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
