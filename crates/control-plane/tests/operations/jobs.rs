//! The periodic jobs: audit retention and session cleanup (the sweeper is in `webhooks`).

use serde_json::json;
use time::OffsetDateTime;
use toolgate_domain::TokenHash;
use toolgate_store::{AuditFilter, NewAuditEvent, Store};

use crate::helpers::{TestApp, eventually, fast_jobs};

fn event(account: toolgate_domain::AccountId, tool: &str, days_ago: i64) -> NewAuditEvent {
    NewAuditEvent {
        account_id: account,
        server_id: None,
        grant_id: None,
        session: None,
        method: "tools/call".into(),
        tool: Some(tool.into()),
        decision: "allowed".into(),
        rule: None,
        reason: None,
        argument_keys: Vec::new(),
        arguments: None,
        upstream_status: None,
        latency_ms: None,
        time: OffsetDateTime::now_utc() - time::Duration::days(days_ago),
    }
}

#[tokio::test]
async fn retention_purges_each_account_by_its_own_setting() {
    let app = TestApp::with(fast_jobs(), true).await;
    let ann = app.signup("ann@example.com", "Acme").await;
    let bob = app.signup("bob@example.com", "Bobco").await;
    let set = app
        .patch(&ann.path("/settings"), &ann, json!({"audit_retention_days": 1}))
        .await;
    assert_eq!(set.status, axum::http::StatusCode::OK);
    app.store
        .insert_audit_events(
            [
                event(ann.account_id, "old", 2),
                event(ann.account_id, "new", 0),
                event(bob.account_id, "bobs_old", 2),
            ]
            .into(),
        )
        .await
        .expect("insert");
    let filter = AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    };
    let left = eventually("the purge", || async {
        let left = app
            .store
            .list_audit_events(ann.account_id, &filter)
            .await
            .expect("list");
        (left.len() == 1).then_some(left)
    })
    .await;
    assert_eq!(left[0].tool.as_deref(), Some("new"));
    let bobs = app
        .store
        .list_audit_events(bob.account_id, &filter)
        .await
        .expect("list");
    assert_eq!(bobs.len(), 1, "30 days by default");
}

#[tokio::test]
async fn expired_sessions_are_deleted() {
    let app = TestApp::with(fast_jobs(), true).await;
    app.signup("ann@example.com", "Acme").await;
    let user = app
        .store
        .find_user_by_email("ann@example.com")
        .await
        .expect("find")
        .expect("user");
    let now = OffsetDateTime::now_utc();
    app.store
        .create_session(
            TokenHash::of("tgs_old"),
            user.id,
            "csrf",
            now - time::Duration::minutes(1),
        )
        .await
        .expect("session");
    app.store
        .create_session(
            TokenHash::of("tgs_live"),
            user.id,
            "csrf",
            now + time::Duration::hours(1),
        )
        .await
        .expect("session");
    eventually("the cleanup", || async {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions")
            .fetch_one(app.store.pool())
            .await
            .expect("count");
        (count == 1).then_some(())
    })
    .await;
}

#[tokio::test]
async fn jobs_stop_with_the_router() {
    let tasks = || tokio::runtime::Handle::current().metrics().num_alive_tasks();
    let quiet = TestApp::new().await;
    let before = tasks();
    let busy = TestApp::with(fast_jobs(), true).await;
    let running = tasks();
    assert!(
        running >= before + 5,
        "the notifier and four periodic jobs: {before} → {running}"
    );
    drop(busy);
    eventually("the jobs to stop", || async {
        (tasks() + 5 <= running).then_some(())
    })
    .await;
    drop(quiet);
}
