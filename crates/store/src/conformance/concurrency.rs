//! Concurrent writers on one store (several pooled connections, or processes sharing a database).

use time::Duration;

use super::fixtures::{approval, base_time, document, new_tool, policy, server, setup, signup};
use crate::{Store, StoreError};

pub async fn concurrent_saves_of_a_policy_get_distinct_versions(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let created = policy(store, account.id, files.id, "default").await;
    let save = |default: &'static str| store.update_policy(account.id, created.id, document(default), None);

    let saves = tokio::join!(save("allow"), save("deny"), save("allow"), save("deny"));
    let mut versions = [saves.0, saves.1, saves.2, saves.3].map(|saved| saved.expect("save").version);
    versions.sort_unstable();
    assert_eq!(versions, [2, 3, 4, 5], "every save got its own version");
    let history = store
        .list_policy_versions(account.id, created.id)
        .await
        .expect("versions");
    let listed: Vec<_> = history.iter().map(|version| version.version).collect();
    assert_eq!(listed, [5, 4, 3, 2, 1]);
}

pub async fn concurrent_syncs_of_a_catalog_all_succeed(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let sync = |revision| {
        let catalog = vec![new_tool("a", revision), new_tool("b", revision), new_tool("c", 1)];
        store.replace_tools(account.id, files.id, catalog)
    };

    let syncs = tokio::join!(sync(1), sync(2), sync(3), sync(4));
    for synced in [syncs.0, syncs.1, syncs.2, syncs.3] {
        let names: Vec<_> = synced.expect("sync").into_iter().map(|tool| tool.name).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
    let listed = store.list_tools(account.id, files.id).await.expect("list");
    assert_eq!(listed.len(), 3, "one catalog, not a mix: {listed:?}");
    assert_eq!(
        listed[0].definition_hash.strip_prefix("hash-a-"),
        listed[1].definition_hash.strip_prefix("hash-b-"),
        "a and b come from the same sync"
    );
}

pub async fn concurrent_consumes_of_an_approval_let_exactly_one_through(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    for round in 0..5 {
        let created = approval(store, &acme, "run_shell", now + Duration::seconds(round)).await;
        store
            .decide_approval(acme.account.id, created.id, true, None, None, now)
            .await
            .expect("approve");
        let consume = || store.consume_approval(acme.account.id, created.id, now + Duration::seconds(1));
        let consumed = tokio::join!(
            consume(),
            consume(),
            consume(),
            consume(),
            consume(),
            consume(),
            consume(),
            consume()
        );
        let winners = [
            consumed.0, consumed.1, consumed.2, consumed.3, consumed.4, consumed.5, consumed.6, consumed.7,
        ]
        .into_iter()
        .filter(|consumed| *consumed.as_ref().expect("consume"))
        .count();
        assert_eq!(
            winners, 1,
            "round {round}: exactly one consumer forwards the call"
        );
    }
}

pub async fn concurrent_decisions_of_an_approval_let_exactly_one_win(store: &dyn Store) {
    let acme = setup(store, "acme").await;
    let now = base_time();
    let created = approval(store, &acme, "run_shell", now).await;
    let decide = |approve: bool| {
        let note = Some(format!("approve: {approve}"));
        store.decide_approval(acme.account.id, created.id, approve, None, note, now)
    };
    let decided = tokio::join!(decide(true), decide(false), decide(true), decide(false));
    let mut winners = Vec::new();
    for result in [decided.0, decided.1, decided.2, decided.3] {
        match result {
            Ok(approval) => winners.push(approval),
            Err(StoreError::Conflict(message)) => assert_eq!(message, "the approval is no longer pending"),
            Err(error) => panic!("unexpected error: {error}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let stored = store
        .get_approval(acme.account.id, created.id)
        .await
        .expect("get")
        .expect("approval");
    assert_eq!(stored, winners[0], "the winner's decision is the one stored");
}
