//! Servers: create, find by slug or id, list, patch.

use toolgate_domain::{AccountId, ServerId};

use super::fixtures::{expect_conflict, expect_not_found, new_server, server, signup, slug};
use crate::{ServerPatch, Store};

pub async fn servers_are_created_and_found_by_slug_or_id(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let new = new_server("files");
    let created = store
        .create_server(account.id, new.clone())
        .await
        .expect("create");
    assert_eq!(created.id, new.id, "the caller chooses the id");
    assert_eq!(created.account_id, account.id);
    assert_eq!(
        (&created.slug, &created.name, &created.url),
        (&new.slug, &new.name, &new.url)
    );
    assert_eq!(created.headers_sealed, Some(vec![1, 2, 3]));
    assert_eq!(created.header_names, vec!["Authorization".to_owned()]);
    assert!(!created.log_argument_values);
    assert_eq!(created.created_at, created.updated_at);

    let by_slug = store
        .find_server(account.id, "files")
        .await
        .expect("find")
        .expect("by slug");
    let by_id = store
        .find_server(account.id, &new.id.to_string())
        .await
        .expect("find")
        .expect("by id");
    let got = store
        .get_server(account.id, new.id)
        .await
        .expect("get")
        .expect("by get");
    for found in [&by_slug, &by_id, &got] {
        assert_eq!(
            (found.id, &found.slug, &found.url),
            (created.id, &created.slug, &created.url)
        );
        assert_eq!(
            (&found.headers_sealed, &found.header_names),
            (&created.headers_sealed, &created.header_names)
        );
        assert_eq!(
            (found.created_at, found.updated_at),
            (created.created_at, created.updated_at)
        );
    }
    assert!(
        store
            .find_server(account.id, "nope")
            .await
            .expect("find")
            .is_none()
    );
    assert!(
        store
            .find_server(account.id, &ServerId::new().to_string())
            .await
            .expect("find")
            .is_none()
    );
    assert!(
        store
            .get_server(account.id, ServerId::new())
            .await
            .expect("get")
            .is_none()
    );

    // A slug shaped like an id is still found by its slug.
    let id_shaped = ServerId::new().to_string();
    let odd = server(store, account.id, &id_shaped).await;
    let found = store.find_server(account.id, &id_shaped).await.expect("find");
    assert_eq!(found.map(|server| server.id), Some(odd.id));
}

pub async fn server_slugs_are_unique_per_account(store: &dyn Store) {
    let (_, acme) = signup(store, "acme").await;
    let (_, globex) = signup(store, "globex").await;
    let first = server(store, acme.id, "files").await;
    expect_conflict(
        store.create_server(acme.id, new_server("files")).await,
        "\"files\"",
    );
    let other_account = server(store, globex.id, "files").await;
    assert_ne!(first.id, other_account.id);

    let mut same_id = new_server("other");
    same_id.id = first.id;
    expect_conflict(store.create_server(acme.id, same_id).await, "");
    assert_eq!(store.list_servers(acme.id).await.expect("list").len(), 1);
}

pub async fn servers_are_listed_in_creation_order(store: &dyn Store) {
    let (_, acme) = signup(store, "acme").await;
    let (_, globex) = signup(store, "globex").await;
    let mut created = Vec::new();
    for slug_text in ["zeta", "alpha", "mid"] {
        created.push(server(store, acme.id, slug_text).await);
    }
    server(store, globex.id, "elsewhere").await;
    // Creation order, ties broken by slug.
    created.sort_by(|left, right| (left.created_at, &left.slug).cmp(&(right.created_at, &right.slug)));
    let listed = store.list_servers(acme.id).await.expect("list");
    let listed_ids: Vec<_> = listed.iter().map(|server| server.id).collect();
    assert_eq!(
        listed_ids,
        created.iter().map(|server| server.id).collect::<Vec<_>>()
    );
    assert!(listed.iter().all(|server| server.account_id == acme.id));
}

pub async fn server_patches_change_only_what_they_name(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let created = server(store, account.id, "files").await;

    let renamed = ServerPatch {
        name: Some("Files".to_owned()),
        ..ServerPatch::default()
    };
    let renamed = store
        .update_server(account.id, created.id, renamed)
        .await
        .expect("rename");
    assert_eq!(renamed.name, "Files");
    assert_eq!((&renamed.url, &renamed.slug), (&created.url, &created.slug));
    assert_eq!(
        (&renamed.headers_sealed, &renamed.header_names),
        (&created.headers_sealed, &created.header_names)
    );
    assert_eq!(renamed.created_at, created.created_at);
    assert!(renamed.updated_at >= created.updated_at);

    let moved = ServerPatch {
        url: Some("https://new.example.com/mcp".to_owned()),
        log_argument_values: Some(true),
        ..ServerPatch::default()
    };
    let moved = store
        .update_server(account.id, created.id, moved)
        .await
        .expect("move");
    assert_eq!(
        (moved.name.as_str(), moved.url.as_str()),
        ("Files", "https://new.example.com/mcp")
    );
    assert!(moved.log_argument_values);
    assert_eq!(moved.headers_sealed, created.headers_sealed);

    let new_headers = Some(Some((
        vec![9, 9],
        vec!["X-Api-Key".to_owned(), "X-Team".to_owned()],
    )));
    let patch = ServerPatch {
        headers: new_headers,
        ..ServerPatch::default()
    };
    let with_headers = store
        .update_server(account.id, created.id, patch)
        .await
        .expect("headers");
    assert_eq!(with_headers.headers_sealed, Some(vec![9, 9]));
    assert_eq!(
        with_headers.header_names,
        vec!["X-Api-Key".to_owned(), "X-Team".to_owned()]
    );
    assert!(with_headers.log_argument_values, "untouched");

    let patch = ServerPatch {
        headers: Some(None),
        ..ServerPatch::default()
    };
    let without = store
        .update_server(account.id, created.id, patch)
        .await
        .expect("remove headers");
    assert_eq!(without.headers_sealed, None);
    assert!(without.header_names.is_empty());

    let unchanged = store
        .update_server(account.id, created.id, ServerPatch::default())
        .await
        .expect("empty");
    assert_eq!(
        (unchanged.name.as_str(), unchanged.headers_sealed),
        ("Files", None)
    );

    let stored = store
        .get_server(account.id, created.id)
        .await
        .expect("get")
        .expect("server");
    assert_eq!(
        (stored.name, stored.url, stored.log_argument_values),
        (moved.name, moved.url, true)
    );
    assert_eq!(stored.slug, slug("files"), "the slug never changes");
}

pub async fn updating_an_unknown_server_is_not_found(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let patch = ServerPatch {
        name: Some("x".to_owned()),
        ..ServerPatch::default()
    };
    expect_not_found(
        store.update_server(account.id, ServerId::new(), patch).await,
        "update",
    );
    expect_not_found(
        store
            .update_server(account.id, ServerId::new(), ServerPatch::default())
            .await,
        "empty patch",
    );
    expect_not_found(
        store.create_server(AccountId::new(), new_server("files")).await,
        "unknown account",
    );
}
