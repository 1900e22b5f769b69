//! The tool catalog: upstream order, change detection, accepting a changed definition.

use toolgate_domain::ServerId;

use super::fixtures::{expect_not_found, new_tool, server, signup};
use crate::{Store, Tool};

fn names(tools: &[Tool]) -> Vec<&str> {
    tools.iter().map(|tool| tool.name.as_str()).collect()
}

pub async fn replace_tools_keeps_the_upstream_order(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let upstream = vec![new_tool("zeta", 1), new_tool("alpha", 1), new_tool("mid", 1)];
    let saved = store
        .replace_tools(account.id, files.id, upstream.clone())
        .await
        .expect("replace");
    assert_eq!(names(&saved), ["zeta", "alpha", "mid"]);
    for (position, (tool, sent)) in saved.iter().zip(&upstream).enumerate() {
        assert_eq!(tool.position, i64::try_from(position).expect("small"));
        assert_eq!(tool.server_id, files.id);
        assert_eq!(
            (&tool.description, &tool.input_schema),
            (&sent.description, &sent.input_schema)
        );
        assert_eq!(tool.annotations, sent.annotations);
        assert_eq!(tool.definition_hash, sent.definition_hash);
        assert_eq!(
            tool.accepted_hash, sent.definition_hash,
            "a new tool is accepted as it is"
        );
        assert_eq!(tool.accepted_definition, sent.definition);
        assert!(!tool.changed());
    }
    let listed = store.list_tools(account.id, files.id).await.expect("list");
    assert_eq!(names(&listed), ["zeta", "alpha", "mid"]);
    assert_eq!(listed[0].synced_at, saved[0].synced_at);

    let without_annotations = {
        let mut tool = new_tool("beta", 1);
        tool.annotations = None;
        tool.description = None;
        tool
    };
    let resynced = vec![new_tool("alpha", 1), without_annotations, new_tool("zeta", 1)];
    store
        .replace_tools(account.id, files.id, resynced)
        .await
        .expect("replace");
    let listed = store.list_tools(account.id, files.id).await.expect("list");
    assert_eq!(
        names(&listed),
        ["alpha", "beta", "zeta"],
        "mid is gone, positions follow the new order"
    );
    assert_eq!(
        listed.iter().map(|tool| tool.position).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert_eq!((&listed[1].annotations, &listed[1].description), (&None, &None));
    assert!(listed[1].synced_at >= saved[0].synced_at);
}

pub async fn changed_definitions_are_detected_until_accepted(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    store
        .replace_tools(account.id, files.id, vec![new_tool("a", 1), new_tool("b", 1)])
        .await
        .expect("sync");

    let saved = store
        .replace_tools(account.id, files.id, vec![new_tool("a", 2), new_tool("b", 1)])
        .await;
    let saved = saved.expect("sync");
    assert!(saved[0].changed(), "a's definition changed upstream");
    assert_eq!(saved[0].definition_hash, "hash-a-2");
    assert_eq!(saved[0].accepted_hash, "hash-a-1");
    assert_eq!(
        saved[0].accepted_definition,
        new_tool("a", 1).definition,
        "kept to show a diff"
    );
    assert_eq!(
        saved[0].description,
        new_tool("a", 2).description,
        "the catalog shows the current definition"
    );
    assert!(!saved[1].changed());

    // Still changed after another sync: syncing never accepts by itself.
    store
        .replace_tools(account.id, files.id, vec![new_tool("a", 2)])
        .await
        .expect("sync");
    let listed = store.list_tools(account.id, files.id).await.expect("list");
    assert_eq!(names(&listed), ["a"]);
    assert!(listed[0].changed());

    let accepted = store
        .accept_tool(account.id, files.id, "a")
        .await
        .expect("accept");
    assert!(!accepted.changed());
    assert_eq!(accepted.accepted_hash, "hash-a-2");
    assert_eq!(accepted.accepted_definition, new_tool("a", 2).definition);
    let listed = store.list_tools(account.id, files.id).await.expect("list");
    assert!(!listed[0].changed());
    assert_eq!(listed[0].accepted_definition, new_tool("a", 2).definition);

    // Accepting an unchanged tool changes nothing.
    let again = store
        .accept_tool(account.id, files.id, "a")
        .await
        .expect("accept");
    assert_eq!(again.accepted_hash, "hash-a-2");

    // Going back to the old definition is a change too.
    let reverted = store
        .replace_tools(account.id, files.id, vec![new_tool("a", 1)])
        .await
        .expect("sync");
    assert!(reverted[0].changed());
    assert_eq!(reverted[0].accepted_hash, "hash-a-2");
}

pub async fn a_removed_tool_comes_back_as_new(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    store
        .replace_tools(account.id, files.id, vec![new_tool("a", 1)])
        .await
        .expect("sync");
    let changed = store
        .replace_tools(account.id, files.id, vec![new_tool("a", 2)])
        .await
        .expect("sync");
    assert!(changed[0].changed());

    let emptied = store
        .replace_tools(account.id, files.id, Vec::new())
        .await
        .expect("sync");
    assert!(emptied.is_empty());
    assert!(
        store
            .list_tools(account.id, files.id)
            .await
            .expect("list")
            .is_empty()
    );

    let back = store
        .replace_tools(account.id, files.id, vec![new_tool("a", 2)])
        .await
        .expect("sync");
    assert!(
        !back[0].changed(),
        "a tool seen again after removal is accepted as it is"
    );
    assert_eq!(back[0].accepted_hash, "hash-a-2");
}

pub async fn duplicate_tool_names_keep_the_first(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let upstream = vec![new_tool("a", 1), new_tool("b", 1), new_tool("a", 2)];
    let saved = store
        .replace_tools(account.id, files.id, upstream)
        .await
        .expect("sync");
    assert_eq!(names(&saved), ["a", "b"]);
    assert_eq!(saved[0].definition_hash, "hash-a-1");
    assert_eq!((saved[0].position, saved[1].position), (0, 1));
}

pub async fn tools_of_unknown_servers_and_names_are_not_found(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    store
        .replace_tools(account.id, files.id, vec![new_tool("a", 1)])
        .await
        .expect("sync");

    expect_not_found(
        store
            .replace_tools(account.id, ServerId::new(), vec![new_tool("a", 1)])
            .await,
        "replace",
    );
    assert!(
        store
            .list_tools(account.id, ServerId::new())
            .await
            .expect("list")
            .is_empty()
    );
    expect_not_found(
        store.accept_tool(account.id, files.id, "missing").await,
        "accept missing tool",
    );
    expect_not_found(
        store.accept_tool(account.id, ServerId::new(), "a").await,
        "accept on unknown server",
    );

    let other = server(store, account.id, "other").await;
    assert!(
        store
            .list_tools(account.id, other.id)
            .await
            .expect("list")
            .is_empty(),
        "catalogs are per server"
    );
    expect_not_found(
        store.accept_tool(account.id, other.id, "a").await,
        "accept on another server",
    );
}
