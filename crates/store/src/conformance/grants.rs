//! Grants: tokens by hash, newest first, revoke, rotate, expiry, last use.

use time::{Duration, OffsetDateTime};
use toolgate_domain::{GrantId, PolicyId, ServerId, TokenHash};

use super::fixtures::{expect_conflict, expect_not_found, grant, micros, new_grant, policy, server, signup};
use crate::Store;

pub async fn grants_are_listed_newest_first_and_found_by_token(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let default = policy(store, account.id, files.id, "default").await;

    let first = grant(store, account.id, files.id, Some(default.id), "tg_first").await;
    assert_eq!(
        (first.account_id, first.server_id, first.policy_id),
        (account.id, files.id, Some(default.id))
    );
    assert_eq!(
        (first.name.as_str(), first.token_prefix.as_str()),
        ("agent with tg_first", "tg_first")
    );
    assert_eq!(first.token_hash, TokenHash::of("tg_first"));
    assert_eq!(
        (first.expires_at, first.revoked_at, first.last_used_at),
        (None, None, None)
    );
    assert!(first.is_active(OffsetDateTime::now_utc()));

    let expires_at = OffsetDateTime::now_utc() + Duration::days(30);
    let mut without_policy = new_grant(files.id, None, "tg_second");
    without_policy.expires_at = Some(expires_at);
    let second = store
        .create_grant(account.id, without_policy)
        .await
        .expect("create");
    assert_eq!(
        (second.policy_id, second.expires_at),
        (None, Some(micros(expires_at)))
    );
    let third = grant(store, account.id, files.id, None, "tg_third").await;

    let listed = store.list_grants(account.id).await.expect("list");
    let listed: Vec<_> = listed.iter().map(|grant| grant.id).collect();
    assert_eq!(listed, [third.id, second.id, first.id], "newest first");

    let got = store
        .get_grant(account.id, second.id)
        .await
        .expect("get")
        .expect("grant");
    assert_eq!(
        (got.name, got.created_at, got.expires_at),
        (second.name, second.created_at, second.expires_at)
    );
    let by_token = store
        .find_grant_by_token(account.id, TokenHash::of("tg_first"))
        .await
        .expect("find");
    assert_eq!(by_token.map(|grant| grant.id), Some(first.id));
    let unknown = store
        .find_grant_by_token(account.id, TokenHash::of("tg_nobody"))
        .await
        .expect("find");
    assert!(unknown.is_none());
    assert!(
        store
            .get_grant(account.id, GrantId::new())
            .await
            .expect("get")
            .is_none()
    );
}

pub async fn revoking_a_grant_is_idempotent(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let created = grant(store, account.id, files.id, None, "tg_token").await;

    let revoked_at = OffsetDateTime::now_utc();
    let revoked = store
        .revoke_grant(account.id, created.id, revoked_at)
        .await
        .expect("revoke");
    assert_eq!(revoked.revoked_at, Some(micros(revoked_at)));
    assert!(!revoked.is_active(OffsetDateTime::now_utc()));

    let again = store
        .revoke_grant(account.id, created.id, revoked_at + Duration::hours(1))
        .await;
    assert_eq!(
        again.expect("revoke again").revoked_at,
        Some(micros(revoked_at)),
        "the first revocation stays"
    );

    // The gateway still finds a revoked grant by its token, and decides.
    let found = store
        .find_grant_by_token(account.id, TokenHash::of("tg_token"))
        .await
        .expect("find");
    let found = found.expect("revoked grants are found too");
    assert!(!found.is_active(OffsetDateTime::now_utc()));
    let got = store
        .get_grant(account.id, created.id)
        .await
        .expect("get")
        .expect("grant");
    assert_eq!(got.revoked_at, Some(micros(revoked_at)));
}

pub async fn rotating_a_grant_replaces_its_token(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let created = grant(store, account.id, files.id, None, "tg_old").await;
    let other = grant(store, account.id, files.id, None, "tg_other").await;

    let rotated = store
        .rotate_grant(account.id, created.id, TokenHash::of("tg_new"), "tg_new")
        .await;
    let rotated = rotated.expect("rotate");
    assert_eq!(
        (rotated.id, rotated.created_at, &rotated.name),
        (created.id, created.created_at, &created.name)
    );
    assert_eq!(
        (rotated.token_hash, rotated.token_prefix.as_str()),
        (TokenHash::of("tg_new"), "tg_new")
    );

    assert!(
        store
            .find_grant_by_token(account.id, TokenHash::of("tg_old"))
            .await
            .expect("find")
            .is_none()
    );
    let found = store
        .find_grant_by_token(account.id, TokenHash::of("tg_new"))
        .await
        .expect("find");
    assert_eq!(found.map(|grant| grant.id), Some(created.id));

    let taken = store
        .rotate_grant(account.id, created.id, other.token_hash, "tg_other")
        .await;
    expect_conflict(taken, "token");
    let still = store
        .find_grant_by_token(account.id, TokenHash::of("tg_new"))
        .await
        .expect("find");
    assert_eq!(
        still.map(|grant| grant.id),
        Some(created.id),
        "a refused rotation changes nothing"
    );
}

pub async fn grant_expiry_decides_is_active(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let now = OffsetDateTime::now_utc();

    let mut expiring = new_grant(files.id, None, "tg_expiring");
    expiring.expires_at = Some(now + Duration::hours(1));
    let expiring = store.create_grant(account.id, expiring).await.expect("create");
    let expiry = expiring.expires_at.expect("an expiry");
    assert!(expiring.is_active(now));
    assert!(!expiring.is_active(expiry), "expired at the expiry itself");
    assert!(!expiring.is_active(now + Duration::hours(2)));

    let mut expired = new_grant(files.id, None, "tg_expired");
    expired.expires_at = Some(now - Duration::minutes(1));
    store.create_grant(account.id, expired).await.expect("create");
    let found = store
        .find_grant_by_token(account.id, TokenHash::of("tg_expired"))
        .await
        .expect("find");
    assert!(!found.expect("expired grants are found too").is_active(now));

    let forever = grant(store, account.id, files.id, None, "tg_forever").await;
    assert!(forever.is_active(now + Duration::days(3650)));
}

pub async fn touching_a_grant_records_the_latest_use(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let created = grant(store, account.id, files.id, None, "tg_token").await;
    let used_at = OffsetDateTime::now_utc();

    store
        .touch_grant(account.id, created.id, used_at)
        .await
        .expect("touch");
    let got = store
        .get_grant(account.id, created.id)
        .await
        .expect("get")
        .expect("grant");
    assert_eq!(got.last_used_at, Some(micros(used_at)));

    store
        .touch_grant(account.id, created.id, used_at - Duration::minutes(1))
        .await
        .expect("touch");
    let got = store
        .get_grant(account.id, created.id)
        .await
        .expect("get")
        .expect("grant");
    assert_eq!(
        got.last_used_at,
        Some(micros(used_at)),
        "a late, older write does not move it back"
    );

    store
        .touch_grant(account.id, created.id, used_at + Duration::minutes(1))
        .await
        .expect("touch");
    let got = store
        .get_grant(account.id, created.id)
        .await
        .expect("get")
        .expect("grant");
    assert_eq!(got.last_used_at, Some(micros(used_at + Duration::minutes(1))));
}

pub async fn grants_reject_unknown_servers_policies_and_taken_tokens(store: &dyn Store) {
    let (_, account) = signup(store, "acme").await;
    let files = server(store, account.id, "files").await;
    let shell = server(store, account.id, "shell").await;
    let shell_policy = policy(store, account.id, shell.id, "default").await;
    let existing = grant(store, account.id, files.id, None, "tg_taken").await;

    let unknown_server = new_grant(ServerId::new(), None, "tg_a");
    expect_not_found(
        store.create_grant(account.id, unknown_server).await,
        "unknown server",
    );
    let unknown_policy = new_grant(files.id, Some(PolicyId::new()), "tg_b");
    expect_not_found(
        store.create_grant(account.id, unknown_policy).await,
        "unknown policy",
    );
    let policy_of_other_server = new_grant(files.id, Some(shell_policy.id), "tg_c");
    expect_not_found(
        store.create_grant(account.id, policy_of_other_server).await,
        "policy of another server",
    );
    expect_conflict(
        store
            .create_grant(account.id, new_grant(files.id, None, "tg_taken"))
            .await,
        "token",
    );

    let now = OffsetDateTime::now_utc();
    expect_not_found(
        store.revoke_grant(account.id, GrantId::new(), now).await,
        "revoke",
    );
    expect_not_found(
        store
            .rotate_grant(account.id, GrantId::new(), TokenHash::of("tg_d"), "tg_d")
            .await,
        "rotate",
    );
    expect_not_found(store.touch_grant(account.id, GrantId::new(), now).await, "touch");

    let listed = store.list_grants(account.id).await.expect("list");
    assert_eq!(
        listed.iter().map(|grant| grant.id).collect::<Vec<_>>(),
        [existing.id],
        "nothing else was created"
    );
}
