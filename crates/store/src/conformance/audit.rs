//! Audit events: batches across accounts, filters, paging, aggregates and purge.

use serde_json::json;
use time::{Duration, OffsetDateTime};
use toolgate_domain::AccountId;

use super::fixtures::{audit_event, base_time, expect_not_found, grant_audit_event, micros, setup};
use crate::{AuditEvent, AuditFilter, NewAuditEvent, Store};

fn filter(limit: u32) -> AuditFilter {
    AuditFilter {
        limit,
        ..AuditFilter::default()
    }
}

async fn list(store: &dyn Store, account_id: AccountId, filter: AuditFilter) -> Vec<AuditEvent> {
    store.list_audit_events(account_id, &filter).await.expect("list")
}

fn tools(events: &[AuditEvent]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event.tool.as_deref().unwrap_or("-"))
        .collect()
}

pub async fn audit_events_are_stored_whole_and_listed_newest_first(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let globex = setup(store, "globex").await;
    let now = base_time();
    let full = NewAuditEvent {
        session: Some("session-1".to_owned()),
        rule: Some("/tools/run_shell/deny_if/0".to_owned()),
        reason: Some("no rm -rf".to_owned()),
        argument_keys: vec!["command".to_owned(), "cwd".to_owned()],
        arguments: Some(json!({"command": "ls", "cwd": "/tmp"})),
        upstream_status: Some(200),
        latency_ms: Some(12.5),
        ..grant_audit_event(&acme, "run_shell", "denied", now)
    };
    let batch = vec![
        full.clone(),
        audit_event(globex.account.id, "read_file", "allowed", now),
        NewAuditEvent {
            method: "tools/list".to_owned(),
            tool: None,
            ..audit_event(acme.account.id, "", "allowed", now + Duration::seconds(1))
        },
    ];
    store.insert_audit_events(batch.into()).await.expect("insert");
    store
        .insert_audit_events(Vec::new().into())
        .await
        .expect("an empty batch");

    let events = list(store, acme.account.id, filter(100)).await;
    assert_eq!(events.len(), 2);
    assert!(events[0].id > events[1].id, "newest first");
    assert_eq!(
        (events[0].method.as_str(), events[0].tool.as_deref()),
        ("tools/list", None)
    );
    let stored = &events[1];
    let expected = AuditEvent {
        id: stored.id,
        account_id: acme.account.id,
        server_id: Some(acme.server.id),
        grant_id: Some(acme.grant.id),
        session: full.session,
        method: full.method,
        tool: full.tool,
        decision: full.decision,
        rule: full.rule,
        reason: full.reason,
        argument_keys: full.argument_keys,
        arguments: full.arguments,
        upstream_status: full.upstream_status,
        latency_ms: full.latency_ms,
        time: micros(now),
    };
    assert_eq!(stored, &expected);
    assert_eq!(
        serde_json::to_string(&stored.arguments).expect("json"),
        r#"{"command":"ls","cwd":"/tmp"}"#,
        "key order kept"
    );
    let globex_events = list(store, globex.account.id, filter(100)).await;
    assert_eq!(tools(&globex_events), ["read_file"]);
    assert_eq!(globex_events[0].argument_keys, Vec::<String>::new());
    assert_eq!(
        (globex_events[0].server_id, globex_events[0].arguments.as_ref()),
        (None, None)
    );

    let more = vec![audit_event(acme.account.id, "later", "allowed", now)];
    store.insert_audit_events(more.into()).await.expect("insert");
    let events = list(store, acme.account.id, filter(1)).await;
    assert_eq!(tools(&events), ["later"], "by id: the last written comes first");
    assert!(list(store, acme.account.id, filter(0)).await.is_empty());
}

pub async fn a_large_audit_batch_is_written_in_one_go_or_not_at_all(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    let batch: Vec<_> = (0..1_234)
        .map(|index| audit_event(acme.account.id, &format!("tool_{index}"), "allowed", now))
        .collect();
    store.insert_audit_events(batch.into()).await.expect("insert");
    let events = list(store, acme.account.id, filter(2_000)).await;
    assert_eq!(events.len(), 1_234);
    let newest_first: Vec<String> = (0..1_234).rev().map(|index| format!("tool_{index}")).collect();
    assert!(tools(&events) == newest_first, "every event's id in batch order");

    let mut with_unknown_account: Vec<_> = (0..700)
        .map(|index| audit_event(acme.account.id, &format!("again_{index}"), "allowed", now))
        .collect();
    with_unknown_account.push(audit_event(AccountId::new(), "ghost", "allowed", now));
    expect_not_found(
        store.insert_audit_events(with_unknown_account.into()).await,
        "an event of no account",
    );
    let events = list(store, acme.account.id, filter(2_000)).await;
    assert_eq!(events.len(), 1_234, "the whole batch was refused");
}

pub async fn audit_filters_and_paging_narrow_the_list(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    let at = |seconds: i64| now + Duration::seconds(seconds);
    let batch = vec![
        grant_audit_event(&acme, "run_shell", "denied", at(0)),
        grant_audit_event(&acme, "read_file", "allowed", at(1)),
        audit_event(acme.account.id, "run_shell", "allowed", at(2)),
        grant_audit_event(&acme, "run_shell", "allowed", at(3)),
        grant_audit_event(&acme, "read_file", "rate_limited", at(4)),
    ];
    store.insert_audit_events(batch.into()).await.expect("insert");
    let all = list(store, acme.account.id, filter(100)).await;
    assert_eq!(all.len(), 5);

    let by_server = AuditFilter {
        server_id: Some(acme.server.id),
        ..filter(100)
    };
    assert_eq!(list(store, acme.account.id, by_server).await.len(), 4);
    let by_grant = AuditFilter {
        grant_id: Some(acme.grant.id),
        tool: Some("run_shell".to_owned()),
        ..filter(100)
    };
    let events = list(store, acme.account.id, by_grant).await;
    assert_eq!(
        events
            .iter()
            .map(|event| event.decision.as_str())
            .collect::<Vec<_>>(),
        ["allowed", "denied"]
    );
    let by_decision = AuditFilter {
        decision: Some("allowed".to_owned()),
        ..filter(100)
    };
    assert_eq!(
        tools(&list(store, acme.account.id, by_decision).await),
        ["run_shell", "run_shell", "read_file"]
    );
    let by_time = AuditFilter {
        since: Some(at(1)),
        until: Some(at(3)),
        ..filter(100)
    };
    let events = list(store, acme.account.id, by_time).await;
    assert_eq!(
        events.iter().map(|event| event.time).collect::<Vec<_>>(),
        [micros(at(2)), micros(at(1))],
        "since inclusive, until exclusive"
    );

    let first_page = list(store, acme.account.id, filter(2)).await;
    let second_page = list(
        store,
        acme.account.id,
        AuditFilter {
            before_id: first_page.last().map(|event| event.id),
            ..filter(2)
        },
    )
    .await;
    let third_page = list(
        store,
        acme.account.id,
        AuditFilter {
            before_id: second_page.last().map(|event| event.id),
            ..filter(2)
        },
    )
    .await;
    let paged: Vec<_> = [first_page, second_page, third_page]
        .into_iter()
        .flatten()
        .map(|event| event.id)
        .collect();
    assert_eq!(paged, all.iter().map(|event| event.id).collect::<Vec<_>>());
}

pub async fn audit_aggregates_count_by_decision_time_tool_and_rule(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let bucket_start = OffsetDateTime::from_unix_timestamp(1_740_830_400).expect("time"); // a whole hour
    let at = |seconds: i64| bucket_start + Duration::seconds(seconds);
    let refused = |tool: &str, decision: &str, rule: Option<&str>, seconds| NewAuditEvent {
        rule: rule.map(str::to_owned),
        ..audit_event(acme.account.id, tool, decision, at(seconds))
    };
    let batch = vec![
        audit_event(acme.account.id, "too_old", "denied", at(-1)),
        audit_event(acme.account.id, "read_file", "allowed", at(0)),
        audit_event(acme.account.id, "read_file", "allowed", at(59)),
        refused("run_shell", "denied", Some("/tools/run_shell"), 30),
        refused("run_shell", "denied", Some("/tools/run_shell"), 61),
        refused("send_mail", "rate_limited", Some("/all_tools/limits/0"), 62),
        refused("delete_file", "hidden", Some("/hide/0"), 63),
        refused("run_shell", "approval_denied", Some("/tools/run_shell"), 64),
        refused("wire", "approval_expired", Some("/tools/wire"), 65),
        refused("run_shell", "denied", None, 66),
        refused("read_file", "allowed", Some("/tools/read_file"), 120),
        refused("read_file", "approved", Some("/tools/read_file"), 121),
        NewAuditEvent {
            method: "tools/list".to_owned(),
            tool: None,
            ..audit_event(acme.account.id, "", "allowed", at(122))
        },
    ];
    store.insert_audit_events(batch.into()).await.expect("insert");
    let since = at(0);

    let counts = store
        .audit_counts_by_decision(acme.account.id, since)
        .await
        .expect("counts");
    let expected = [
        ("allowed", 4),
        ("approval_denied", 1),
        ("approval_expired", 1),
        ("approved", 1),
        ("denied", 3),
        ("hidden", 1),
        ("rate_limited", 1),
    ];
    assert_eq!(
        counts,
        expected.map(|(decision, count)| (decision.to_owned(), count))
    );

    let series = store
        .audit_timeseries(acme.account.id, since, 60)
        .await
        .expect("series");
    let minute = |index: i64| bucket_start + Duration::minutes(index);
    let expected = [
        (minute(0), "allowed", 2),
        (minute(0), "denied", 1),
        (minute(1), "approval_denied", 1),
        (minute(1), "approval_expired", 1),
        (minute(1), "denied", 2),
        (minute(1), "hidden", 1),
        (minute(1), "rate_limited", 1),
        (minute(2), "allowed", 2),
        (minute(2), "approved", 1),
    ];
    assert_eq!(
        series,
        expected.map(|(bucket, decision, count)| (bucket, decision.to_owned(), count))
    );
    let hourly = store
        .audit_timeseries(acme.account.id, since, 3_600)
        .await
        .expect("series");
    assert!(
        hourly.iter().all(|(bucket, _, _)| *bucket == bucket_start),
        "{hourly:?}"
    );

    let top_tools = store
        .audit_top_tools(acme.account.id, since, 3)
        .await
        .expect("top tools");
    assert_eq!(
        top_tools,
        [
            ("read_file".to_owned(), 4),
            ("run_shell".to_owned(), 4),
            ("delete_file".to_owned(), 1)
        ],
        "most first, ties by name; tools/list has no tool"
    );
    let top_rules = store
        .audit_top_refused_rules(acme.account.id, since, 10)
        .await
        .expect("top rules");
    assert_eq!(
        top_rules,
        [
            ("/tools/run_shell".to_owned(), 3),
            ("/all_tools/limits/0".to_owned(), 1),
            ("/hide/0".to_owned(), 1),
            ("/tools/wire".to_owned(), 1),
        ],
        "refusals only, with a rule"
    );
    let top_rule = store
        .audit_top_refused_rules(acme.account.id, since, 1)
        .await
        .expect("top rules");
    assert_eq!(top_rule.len(), 1);
    let future = store
        .audit_counts_by_decision(acme.account.id, at(3_600))
        .await
        .expect("counts");
    assert!(future.is_empty());
}

pub async fn purging_audit_removes_only_older_events_of_the_account(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let globex = setup(store, "globex").await;
    let now = base_time();
    let at = |days: i64| now + Duration::days(days);
    let batch = vec![
        audit_event(acme.account.id, "a", "allowed", at(-40)),
        audit_event(acme.account.id, "b", "allowed", at(-31)),
        audit_event(acme.account.id, "c", "allowed", at(-30)),
        audit_event(acme.account.id, "d", "allowed", at(0)),
        audit_event(globex.account.id, "e", "allowed", at(-40)),
    ];
    store.insert_audit_events(batch.into()).await.expect("insert");
    let highest = list(store, acme.account.id, filter(1)).await[0].id;

    let purged = store.purge_audit(acme.account.id, at(-30)).await.expect("purge");
    assert_eq!(purged, 2);
    assert_eq!(
        tools(&list(store, acme.account.id, filter(100)).await),
        ["d", "c"]
    );
    assert_eq!(tools(&list(store, globex.account.id, filter(100)).await), ["e"]);
    assert_eq!(
        store.purge_audit(acme.account.id, at(-30)).await.expect("purge"),
        0
    );

    store
        .purge_audit(acme.account.id, at(1))
        .await
        .expect("purge all");
    let after = vec![audit_event(acme.account.id, "f", "allowed", at(0))];
    store.insert_audit_events(after.into()).await.expect("insert");
    let events = list(store, acme.account.id, filter(100)).await;
    assert_eq!(tools(&events), ["f"]);
    assert!(events[0].id > highest, "ids are never reused");
}

/// Time bounds are exact to the microsecond even inside one millisecond (SQLite narrows by `time_ms`
/// first), for the list, the aggregates and the purge.
pub async fn audit_time_bounds_are_exact_within_a_millisecond(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let millisecond = time::macros::datetime!(2025-03-01 12:00:00.123 UTC);
    let at = |micros: i64| millisecond + Duration::microseconds(micros);
    let mut refused = audit_event(acme.account.id, "middle", "denied", at(500));
    refused.rule = Some("/tools/middle".to_owned());
    let batch = vec![
        audit_event(acme.account.id, "early", "allowed", at(200)),
        refused,
        audit_event(acme.account.id, "late", "allowed", at(900)),
    ];
    store.insert_audit_events(batch.into()).await.expect("insert");

    let between = AuditFilter {
        since: Some(at(500)),
        until: Some(at(900)),
        ..filter(100)
    };
    assert_eq!(tools(&list(store, acme.account.id, between).await), ["middle"]);
    let after_early = AuditFilter {
        since: Some(at(201)),
        ..filter(100)
    };
    assert_eq!(
        tools(&list(store, acme.account.id, after_early).await),
        ["late", "middle"]
    );
    let counts = store
        .audit_counts_by_decision(acme.account.id, at(501))
        .await
        .expect("counts");
    assert_eq!(counts, [("allowed".to_owned(), 1)]);
    let top = store
        .audit_top_tools(acme.account.id, at(900), 10)
        .await
        .expect("top tools");
    assert_eq!(top, [("late".to_owned(), 1)]);
    let rules_from = |micros| store.audit_top_refused_rules(acme.account.id, at(micros), 10);
    assert_eq!(
        rules_from(500).await.expect("top rules"),
        [("/tools/middle".to_owned(), 1)]
    );
    assert!(rules_from(501).await.expect("top rules").is_empty());
    let series = store
        .audit_timeseries(acme.account.id, at(201), 60)
        .await
        .expect("series");
    let counted: i64 = series.iter().map(|(_, _, count)| count).sum();
    assert_eq!(counted, 2);

    assert_eq!(
        store.purge_audit(acme.account.id, at(500)).await.expect("purge"),
        1,
        "only the event before the bound, not the one at it"
    );
    assert_eq!(
        tools(&list(store, acme.account.id, filter(100)).await),
        ["late", "middle"]
    );
}
