//! Approvals: created pending, found by id, reused by retries, listed with paging.

use time::Duration;
use toolgate_domain::ids::ApprovalId;
use toolgate_domain::{GrantId, ServerId};

use super::fixtures::{
    approval, base_time, expect_conflict, expect_not_found, grant, micros, new_approval, policy, server,
    setup,
};
use crate::{ApprovalStatus, Store};

pub async fn approvals_are_created_pending_and_found_by_id(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    let new = new_approval(&acme, "run_shell", "hash-1", now);
    let created = store
        .create_approval(acme.account.id, new.clone())
        .await
        .expect("create");
    assert_eq!(
        (
            created.id,
            created.account_id,
            created.server_id,
            created.grant_id
        ),
        (new.id, acme.account.id, acme.server.id, acme.grant.id)
    );
    assert_eq!(
        (
            created.tool.as_str(),
            created.arguments_hash.as_str(),
            &created.arguments_sealed
        ),
        ("run_shell", "hash-1", &new.arguments_sealed)
    );
    assert_eq!((created.policy_id, created.policy_version), (acme.policy.id, 1));
    assert_eq!(created.status, ApprovalStatus::Pending);
    assert_eq!(
        (created.created_at, created.expires_at),
        (micros(now), micros(now + Duration::minutes(10)))
    );
    assert_eq!(
        (
            &created.note,
            created.decided_by,
            created.decided_at,
            created.used_at
        ),
        (&None, None, None, None)
    );
    assert!(created.is_pending(now) && !created.is_usable(now));

    let got = store.get_approval(acme.account.id, new.id).await.expect("get");
    assert_eq!(got.as_ref(), Some(&created));
    assert!(
        store
            .get_approval(acme.account.id, ApprovalId::new())
            .await
            .expect("get")
            .is_none()
    );
    expect_conflict(
        store.create_approval(acme.account.id, new.clone()).await,
        "already exists",
    );
}

pub async fn approvals_need_a_server_grant_and_policy_of_their_own(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    let other_server = server(store, acme.account.id, "mail").await;
    let other_policy = policy(store, acme.account.id, other_server.id, "default").await;
    let other_grant = grant(store, acme.account.id, other_server.id, None, "tg_mail").await;

    let mut unknown_grant = new_approval(&acme, "run_shell", "h", now);
    unknown_grant.grant_id = GrantId::new();
    expect_not_found(
        store.create_approval(acme.account.id, unknown_grant).await,
        "unknown grant",
    );
    let mut grant_of_another_server = new_approval(&acme, "run_shell", "h", now);
    grant_of_another_server.grant_id = other_grant.id;
    expect_not_found(
        store
            .create_approval(acme.account.id, grant_of_another_server)
            .await,
        "grant of another server",
    );
    let mut policy_of_another_server = new_approval(&acme, "run_shell", "h", now);
    policy_of_another_server.policy_id = other_policy.id;
    expect_not_found(
        store
            .create_approval(acme.account.id, policy_of_another_server)
            .await,
        "policy of another server",
    );
    let mut unknown_server = new_approval(&acme, "run_shell", "h", now);
    unknown_server.server_id = ServerId::new();
    expect_not_found(
        store.create_approval(acme.account.id, unknown_server).await,
        "unknown server",
    );
    let listed = store
        .list_approvals(acme.account.id, None, 10, None)
        .await
        .expect("list");
    assert!(listed.is_empty(), "nothing was created: {listed:?}");
}

pub async fn a_retry_finds_its_reusable_approval(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    let older = approval(store, &acme, "run_shell", now).await;
    let newer = approval(store, &acme, "run_shell", now + Duration::seconds(1)).await;
    let later = now + Duration::seconds(5);
    let find = |tool: &'static str, hash: &'static str, version: i64, at| {
        store.find_reusable_approval(acme.account.id, acme.grant.id, tool, hash, version, at)
    };

    let found = find("run_shell", "hash-1", 1, later).await.expect("find");
    assert_eq!(found.map(|approval| approval.id), Some(newer.id), "the newest");
    for (tool, hash, version) in [
        ("run_shell", "hash-2", 1),
        ("other", "hash-1", 1),
        ("run_shell", "hash-1", 2),
    ] {
        let found = find(tool, hash, version, later).await.expect("find");
        assert!(found.is_none(), "{tool} {hash} v{version}");
    }
    let other_grant = store
        .find_reusable_approval(acme.account.id, GrantId::new(), "run_shell", "hash-1", 1, later)
        .await
        .expect("find");
    assert!(other_grant.is_none());

    store
        .decide_approval(
            acme.account.id,
            newer.id,
            false,
            None,
            Some("no".to_owned()),
            later,
        )
        .await
        .expect("deny");
    let found = find("run_shell", "hash-1", 1, later).await.expect("find");
    assert_eq!(
        found.map(|approval| approval.id),
        Some(older.id),
        "denied is of no use"
    );
    store
        .decide_approval(acme.account.id, older.id, true, None, None, later)
        .await
        .expect("approve");
    let found = find("run_shell", "hash-1", 1, later).await.expect("find");
    assert_eq!(
        found.map(|approval| (approval.id, approval.status)),
        Some((older.id, ApprovalStatus::Approved)),
        "approved and unused"
    );
    let expiry = micros(older.expires_at);
    let at_expiry = find("run_shell", "hash-1", 1, expiry).await.expect("find");
    assert!(at_expiry.is_none(), "expired at its expiry");
    assert!(
        store
            .consume_approval(acme.account.id, older.id, later)
            .await
            .expect("consume")
    );
    let found = find("run_shell", "hash-1", 1, later).await.expect("find");
    assert!(found.is_none(), "used is of no use");
}

pub async fn approvals_are_listed_newest_first_by_status_with_paging(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    let mut created = Vec::new();
    for second in 0..5 {
        created.push(approval(store, &acme, "run_shell", now + Duration::seconds(second)).await);
    }
    // Two at the same instant: the id breaks the tie.
    created.push(approval(store, &acme, "run_shell", now + Duration::seconds(4)).await);
    let mut expected: Vec<_> = created
        .iter()
        .map(|approval| (approval.created_at, approval.id))
        .collect();
    expected.sort();
    expected.reverse();
    let expected: Vec<_> = expected.into_iter().map(|(_, id)| id).collect();
    let ids = |approvals: Vec<crate::Approval>| {
        approvals
            .into_iter()
            .map(|approval| approval.id)
            .collect::<Vec<_>>()
    };

    let all = store
        .list_approvals(acme.account.id, None, 100, None)
        .await
        .expect("list");
    assert_eq!(ids(all), expected);
    let first_page = store
        .list_approvals(acme.account.id, None, 4, None)
        .await
        .expect("list");
    assert_eq!(ids(first_page), expected[..4]);
    let second_page = store
        .list_approvals(acme.account.id, None, 4, Some(expected[3]))
        .await
        .expect("list");
    assert_eq!(ids(second_page), expected[4..]);
    let past_the_end = store
        .list_approvals(acme.account.id, None, 4, Some(expected[5]))
        .await
        .expect("list");
    assert!(past_the_end.is_empty());

    let later = now + Duration::seconds(30);
    store
        .decide_approval(acme.account.id, created[1].id, true, None, None, later)
        .await
        .expect("approve");
    store
        .decide_approval(acme.account.id, created[3].id, true, None, None, later)
        .await
        .expect("approve");
    let approved = store
        .list_approvals(acme.account.id, Some(ApprovalStatus::Approved), 100, None)
        .await
        .expect("list");
    assert_eq!(ids(approved), [created[3].id, created[1].id]);
    let approved_after = store
        .list_approvals(
            acme.account.id,
            Some(ApprovalStatus::Approved),
            100,
            Some(created[3].id),
        )
        .await
        .expect("list");
    assert_eq!(ids(approved_after), [created[1].id]);
    let pending = store
        .list_approvals(acme.account.id, Some(ApprovalStatus::Pending), 100, None)
        .await
        .expect("list");
    assert_eq!(pending.len(), 4);
    let none_used = store
        .list_approvals(acme.account.id, Some(ApprovalStatus::Used), 100, None)
        .await
        .expect("list");
    assert!(none_used.is_empty());
}
