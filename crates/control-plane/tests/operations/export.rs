//! `GET …/audit/export?format=csv|jsonl`: every matching event, streamed.

use axum::http::StatusCode;
use serde_json::Value;
use time::OffsetDateTime;
use toolgate_store::{NewAuditEvent, Store};

use crate::helpers::{Setup, Tenant, TestApp};

fn event(
    tenant: &Tenant,
    setup: Option<&Setup>,
    tool: &str,
    decision: &str,
    minutes_ago: i64,
) -> NewAuditEvent {
    NewAuditEvent {
        account_id: tenant.account_id,
        server_id: setup.map(|setup| setup.server),
        grant_id: setup.map(|setup| setup.grant),
        session: Some("session-1".into()),
        method: "tools/call".into(),
        tool: Some(tool.into()),
        decision: decision.into(),
        rule: Some("/tools/run_shell/deny_if/0".into()),
        reason: Some("He said \"no\", twice\nand =SUM(A1)".into()),
        argument_keys: vec!["command".into(), "cwd".into()],
        arguments: None,
        upstream_status: (decision == "allowed").then_some(200),
        latency_ms: Some(12.5),
        time: OffsetDateTime::now_utc() - time::Duration::minutes(minutes_ago),
    }
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

#[tokio::test]
async fn csv_and_json_lines_with_filters() {
    let app = TestApp::new().await;
    let ann = app.signup("ann@example.com", "Acme").await;
    let bob = app.signup("bob@example.com", "Bobco").await;
    let setup = app.setup(&ann).await;
    app.store
        .insert_audit_events(
            [
                event(&ann, Some(&setup), "run_shell", "denied", 30),
                event(&ann, Some(&setup), "read_file", "allowed", 20),
                event(&ann, None, "run_shell", "allowed", 10),
                event(&bob, None, "bobs_tool", "allowed", 5),
            ]
            .into(),
        )
        .await
        .expect("insert");

    let csv = app.get(&ann.path("/audit/export?format=csv"), &ann).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let disposition = csv.headers["content-disposition"].to_str().expect("ascii");
    assert!(
        disposition.starts_with("attachment; filename=\"toolgate-audit-acme-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let mut rows = csv.text.split("\r\n");
    assert_eq!(
        rows.next(),
        Some(
            "id,time,server,grant,grant_id,session,method,tool,decision,rule,reason,argument_keys,arguments,upstream_status,latency_ms"
        )
    );
    let body: Vec<&str> = rows.filter(|row| !row.is_empty()).collect();
    // The quoted reason holds a line break, so rows are split on CRLF only.
    assert_eq!(body.len(), 3, "{}", csv.text);
    assert!(
        body[0].contains(",run_shell,allowed,"),
        "newest first: {}",
        body[0]
    );
    assert!(body[2].contains(",tools,agent,"), "{}", body[2]);
    assert!(
        body[2].contains(",\"He said \"\"no\"\", twice\nand =SUM(A1)\",command;cwd,,,12.5"),
        "{}",
        body[2]
    );
    assert!(!csv.text.contains("bobs_tool"));

    let jsonl = app.get(&ann.path("/audit/export?format=jsonl"), &ann).await;
    assert_eq!(jsonl.status, StatusCode::OK);
    assert_eq!(jsonl.headers["content-type"], "application/x-ndjson");
    let events = lines(&jsonl.text);
    assert_eq!(events.len(), 3);
    assert_eq!(events[2]["server"], "tools");
    assert_eq!(events[2]["grant"], "agent");
    assert_eq!(events[2]["argument_keys"], serde_json::json!(["command", "cwd"]));
    // The same objects as GET …/audit.
    let listed = app.get(&ann.path("/audit"), &ann).await;
    assert_eq!(listed.body["items"].as_array().expect("items"), &events);

    let filtered = [
        ("decision=denied", 1),
        ("tool=run_shell", 2),
        ("server=tools", 2),
        (&*format!("grant={}&decision=allowed", setup.grant), 1),
        ("since=2000-01-01T00:00:00Z", 3),
        ("until=2000-01-01T00:00:00Z", 0),
    ];
    for (query, count) in filtered {
        let answer = app
            .get(&ann.path(&format!("/audit/export?format=jsonl&{query}")), &ann)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{query}");
        assert_eq!(lines(&answer.text).len(), count, "{query}");
    }
    let default_is_csv = app.get(&ann.path("/audit/export"), &ann).await;
    assert!(default_is_csv.text.starts_with("id,time,"));
}

#[tokio::test]
async fn bad_filters_are_refused_before_the_download_starts() {
    let app = TestApp::new().await;
    let ann = app.signup("ann@example.com", "Acme").await;
    let bob = app.signup("bob@example.com", "Bobco").await;
    let cases = [
        ("format=xml", StatusCode::BAD_REQUEST),
        ("decision=maybe", StatusCode::BAD_REQUEST),
        ("since=yesterday", StatusCode::BAD_REQUEST),
        ("limit=5", StatusCode::BAD_REQUEST),
        ("server=nope", StatusCode::NOT_FOUND),
        ("grant=nope", StatusCode::NOT_FOUND),
    ];
    for (query, status) in cases {
        let answer = app.get(&ann.path(&format!("/audit/export?{query}")), &ann).await;
        assert_eq!(answer.status, status, "{query}: {}", answer.text);
        assert!(answer.body["error"]["code"].is_string(), "{query}");
    }
    let foreign = app.get(&ann.path("/audit/export"), &bob).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn exports_every_page() {
    let app = TestApp::new().await;
    let ann = app.signup("ann@example.com", "Acme").await;
    let batch: Vec<NewAuditEvent> = (0..2_345)
        .map(|index| event(&ann, None, &format!("tool_{index}"), "allowed", 0))
        .collect();
    app.store.insert_audit_events(batch.into()).await.expect("insert");
    let jsonl = app.get(&ann.path("/audit/export?format=jsonl"), &ann).await;
    let events = lines(&jsonl.text);
    assert_eq!(events.len(), 2_345);
    let mut ids: Vec<i64> = events
        .iter()
        .map(|event| event["id"].as_i64().expect("id"))
        .collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first, no repeats"
    );
    ids.dedup();
    assert_eq!(ids.len(), 2_345);
    let csv = app
        .get(&ann.path("/audit/export?format=csv&tool=tool_7"), &ann)
        .await;
    assert_eq!(csv.text.matches("\r\n").count(), 2, "{}", csv.text);
}
