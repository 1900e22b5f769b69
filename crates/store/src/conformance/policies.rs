//! Policies: version 1 on create, a new immutable version on every save.

use toolgate_domain::{PolicyId, ServerId};

use super::fixtures::{document, expect_conflict, expect_not_found, policy, server, signup};
use crate::{NewPolicy, Store};

pub async fn a_new_policy_is_version_one(store: &dyn Store) {
    let (user, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let new = NewPolicy {
        name: "default".to_owned(),
        document: document("deny"),
        created_by: Some(user.id),
    };
    let created = store
        .create_policy(account.id, files.id, new)
        .await
        .expect("create");
    assert_eq!((created.version, created.name.as_str()), (1, "default"));
    assert_eq!((created.account_id, created.server_id), (account.id, files.id));
    assert_eq!(created.document, document("deny"));
    assert_eq!(created.created_at, created.updated_at);

    let versions = store
        .list_policy_versions(account.id, created.id)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 1);
    assert_eq!((versions[0].policy_id, versions[0].version), (created.id, 1));
    assert_eq!(versions[0].document, document("deny"));
    assert_eq!(versions[0].created_by, Some(user.id));
    assert_eq!(versions[0].created_at, created.created_at);

    let got = store
        .get_policy(account.id, created.id)
        .await
        .expect("get")
        .expect("policy");
    let by_name = store
        .find_policy(account.id, files.id, "default")
        .await
        .expect("find")
        .expect("by name");
    let by_id = store
        .find_policy(account.id, files.id, &created.id.to_string())
        .await
        .expect("find");
    let by_id = by_id.expect("by id");
    for found in [&got, &by_name, &by_id] {
        assert_eq!(
            (found.id, found.version, &found.document),
            (created.id, 1, &created.document)
        );
        assert_eq!(
            (found.created_at, found.updated_at),
            (created.created_at, created.updated_at)
        );
    }
    assert!(
        store
            .find_policy(account.id, files.id, "nope")
            .await
            .expect("find")
            .is_none()
    );
    assert!(
        store
            .find_policy(account.id, files.id, &PolicyId::new().to_string())
            .await
            .expect("find")
            .is_none()
    );
}

pub async fn saving_a_policy_adds_versions_newest_first(store: &dyn Store) {
    let (user, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let created = policy(store, account.id, files.id, "default").await;

    let second = store
        .update_policy(account.id, created.id, document("allow"), Some(user.id))
        .await;
    let second = second.expect("save");
    assert_eq!((second.id, second.version), (created.id, 2));
    assert_eq!(second.document, document("allow"));
    assert_eq!(second.created_at, created.created_at);
    assert!(second.updated_at >= created.updated_at);
    let third = store
        .update_policy(account.id, created.id, document("deny"), None)
        .await
        .expect("save");
    assert_eq!(third.version, 3);

    let versions = store
        .list_policy_versions(account.id, created.id)
        .await
        .expect("versions");
    let summary: Vec<_> = versions
        .iter()
        .map(|version| (version.version, version.created_by))
        .collect();
    assert_eq!(summary, [(3, None), (2, Some(user.id)), (1, None)]);
    assert_eq!(versions[1].document, document("allow"));
    assert_eq!(versions[0].created_at, third.updated_at);

    let current = store
        .get_policy(account.id, created.id)
        .await
        .expect("get")
        .expect("policy");
    assert_eq!((current.version, current.document), (3, document("deny")));
}

pub async fn policy_names_are_unique_per_server(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let shell = server(store, account.id, "shell").await;
    let first = policy(store, account.id, files.id, "default").await;
    let again = NewPolicy {
        name: "default".to_owned(),
        document: document("allow"),
        created_by: None,
    };
    expect_conflict(
        store.create_policy(account.id, files.id, again).await,
        "\"default\"",
    );
    policy(store, account.id, shell.id, "default").await;
    policy(store, account.id, files.id, "beta").await;

    let listed = store.list_policies(account.id, files.id).await.expect("list");
    let listed: Vec<_> = listed.iter().map(|policy| policy.name.as_str()).collect();
    assert_eq!(listed, ["beta", "default"], "by name");
    let versions = store
        .list_policy_versions(account.id, first.id)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 1, "the refused create left nothing behind");
    let current = store
        .get_policy(account.id, first.id)
        .await
        .expect("get")
        .expect("policy");
    assert_eq!(current.document, document("deny"));
}

pub async fn policies_of_unknown_servers_or_ids_are_not_found(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let shell = server(store, account.id, "shell").await;
    let on_files = policy(store, account.id, files.id, "default").await;

    let new = NewPolicy {
        name: "x".to_owned(),
        document: document("deny"),
        created_by: None,
    };
    expect_not_found(
        store.create_policy(account.id, ServerId::new(), new).await,
        "create on unknown server",
    );
    expect_not_found(
        store
            .update_policy(account.id, PolicyId::new(), document("deny"), None)
            .await,
        "update",
    );
    assert!(
        store
            .get_policy(account.id, PolicyId::new())
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        store
            .list_policy_versions(account.id, PolicyId::new())
            .await
            .expect("versions")
            .is_empty()
    );
    assert!(
        store
            .list_policies(account.id, ServerId::new())
            .await
            .expect("list")
            .is_empty()
    );
    assert!(
        store
            .list_policies(account.id, shell.id)
            .await
            .expect("list")
            .is_empty()
    );
    // A policy is found on its own server only.
    let elsewhere = store
        .find_policy(account.id, shell.id, &on_files.id.to_string())
        .await
        .expect("find");
    assert!(elsewhere.is_none());
    assert!(
        store
            .find_policy(account.id, shell.id, "default")
            .await
            .expect("find")
            .is_none()
    );
}
