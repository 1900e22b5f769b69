//! Tenant isolation: account B's ids and keys, used with account A's id, find nothing and change nothing.

use time::OffsetDateTime;
use toolgate_domain::TokenHash;

use super::fixtures::{document, expect_not_found, grant, new_grant, new_tool, policy, server, signup, slug};
use crate::{Account, Grant, NewPolicy, Policy, Server, ServerPatch, Store, User};

/// An account with the same-named things as every other tenant: a server `files` with one tool, a policy
/// `default` and a grant.
struct Tenant {
    user: User,
    account: Account,
    server: Server,
    policy: Policy,
    grant: Grant,
    token: String,
}

async fn tenant(store: &dyn Store, name: &str) -> Tenant {
    let (user, account) = signup(store, name).await;
    let server = server(store, account.id, "files").await;
    store
        .replace_tools(account.id, server.id, vec![new_tool("run_shell", 1)])
        .await
        .expect("sync");
    let policy = policy(store, account.id, server.id, "default").await;
    let token = format!("tg_{name}");
    let grant = grant(store, account.id, server.id, Some(policy.id), &token).await;
    Tenant {
        user,
        account,
        server,
        policy,
        grant,
        token,
    }
}

pub async fn tenants_cannot_see_or_change_each_others_servers_and_tools(store: &dyn Store) {
    let a = tenant(store, "acme").await;
    let b = tenant(store, "globex").await;
    let (a_id, b_server) = (a.account.id, b.server.id);

    assert!(
        store
            .find_server(a_id, &b_server.to_string())
            .await
            .expect("find")
            .is_none()
    );
    let same_slug = store
        .find_server(a_id, "files")
        .await
        .expect("find")
        .expect("a's own server");
    assert_eq!(same_slug.id, a.server.id);
    assert!(store.get_server(a_id, b_server).await.expect("get").is_none());
    let listed = store.list_servers(a_id).await.expect("list");
    assert_eq!(
        listed.iter().map(|server| server.id).collect::<Vec<_>>(),
        [a.server.id]
    );

    let rename = ServerPatch {
        name: Some("stolen".to_owned()),
        headers: Some(None),
        ..ServerPatch::default()
    };
    expect_not_found(
        store.update_server(a_id, b_server, rename).await,
        "update b's server",
    );
    let untouched = store
        .get_server(b.account.id, b_server)
        .await
        .expect("get")
        .expect("b's server");
    assert_eq!(
        (untouched.name.as_str(), untouched.headers_sealed),
        ("files server", Some(vec![1, 2, 3]))
    );

    expect_not_found(
        store.replace_tools(a_id, b_server, Vec::new()).await,
        "replace b's tools",
    );
    assert!(store.list_tools(a_id, b_server).await.expect("list").is_empty());
    expect_not_found(
        store.accept_tool(a_id, b_server, "run_shell").await,
        "accept b's tool",
    );
    assert_eq!(
        store
            .list_tools(b.account.id, b_server)
            .await
            .expect("list")
            .len(),
        1,
        "b's catalog is intact"
    );

    let new = NewPolicy {
        name: "mine".to_owned(),
        document: document("allow"),
        created_by: Some(a.user.id),
    };
    expect_not_found(
        store.create_policy(a_id, b_server, new).await,
        "policy on b's server",
    );
    let on_b_server = new_grant(b_server, None, "tg_sneaky");
    expect_not_found(store.create_grant(a_id, on_b_server).await, "grant on b's server");
    let with_b_policy = new_grant(a.server.id, Some(b.policy.id), "tg_sneaky");
    expect_not_found(
        store.create_grant(a_id, with_b_policy).await,
        "grant with b's policy",
    );
}

pub async fn tenants_cannot_see_or_change_each_others_policies(store: &dyn Store) {
    let a = tenant(store, "acme").await;
    let b = tenant(store, "globex").await;
    let (a_id, b_policy) = (a.account.id, b.policy.id);

    assert!(
        store
            .find_policy(a_id, b.server.id, "default")
            .await
            .expect("find")
            .is_none()
    );
    assert!(
        store
            .find_policy(a_id, b.server.id, &b_policy.to_string())
            .await
            .expect("find")
            .is_none()
    );
    assert!(
        store
            .find_policy(a_id, a.server.id, &b_policy.to_string())
            .await
            .expect("find")
            .is_none()
    );
    let own = store
        .find_policy(a_id, a.server.id, "default")
        .await
        .expect("find")
        .expect("a's policy");
    assert_eq!(own.id, a.policy.id);
    assert!(store.get_policy(a_id, b_policy).await.expect("get").is_none());
    assert!(
        store
            .list_policies(a_id, b.server.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(
        store
            .list_policy_versions(a_id, b_policy)
            .await
            .expect("versions")
            .is_empty()
    );

    expect_not_found(
        store.update_policy(a_id, b_policy, document("allow"), None).await,
        "save b's policy",
    );
    let untouched = store
        .get_policy(b.account.id, b_policy)
        .await
        .expect("get")
        .expect("b's policy");
    assert_eq!((untouched.version, untouched.document), (1, document("deny")));
    let versions = store
        .list_policy_versions(b.account.id, b_policy)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 1);
}

pub async fn tenants_cannot_see_or_change_each_others_grants(store: &dyn Store) {
    let a = tenant(store, "acme").await;
    let b = tenant(store, "globex").await;
    let (a_id, b_grant) = (a.account.id, b.grant.id);
    let now = OffsetDateTime::now_utc();

    assert!(store.get_grant(a_id, b_grant).await.expect("get").is_none());
    let b_token = TokenHash::of(&b.token);
    assert!(
        store
            .find_grant_by_token(a_id, b_token)
            .await
            .expect("find")
            .is_none()
    );
    let listed = store.list_grants(a_id).await.expect("list");
    assert_eq!(
        listed.iter().map(|grant| grant.id).collect::<Vec<_>>(),
        [a.grant.id]
    );

    expect_not_found(store.revoke_grant(a_id, b_grant, now).await, "revoke b's grant");
    expect_not_found(
        store
            .rotate_grant(a_id, b_grant, TokenHash::of("tg_mine"), "tg_mine")
            .await,
        "rotate",
    );
    expect_not_found(store.touch_grant(a_id, b_grant, now).await, "touch b's grant");

    let untouched = store
        .find_grant_by_token(b.account.id, b_token)
        .await
        .expect("find")
        .expect("b's grant");
    assert_eq!(untouched.id, b_grant);
    assert!(untouched.is_active(now));
    assert_eq!(untouched.last_used_at, None);
    assert!(
        store
            .find_grant_by_token(b.account.id, TokenHash::of("tg_mine"))
            .await
            .expect("find")
            .is_none()
    );
}

pub async fn members_see_only_their_accounts(store: &dyn Store) {
    let a = tenant(store, "acme").await;
    let b = tenant(store, "globex").await;
    for key in [b.account.slug.to_string(), b.account.id.to_string()] {
        assert!(
            store
                .find_membership(a.user.id, &key)
                .await
                .expect("find")
                .is_none(),
            "{key}"
        );
    }
    let own = store
        .find_membership(a.user.id, "acme")
        .await
        .expect("find")
        .expect("a's membership");
    assert_eq!(own.account.id, a.account.id);
    let listed = store.list_memberships(a.user.id).await.expect("list");
    assert_eq!(
        listed
            .iter()
            .map(|membership| membership.account.id)
            .collect::<Vec<_>>(),
        [a.account.id]
    );
    assert_eq!(slug("globex"), b.account.slug);
}
