//! Users, accounts, memberships and API tokens.

use toolgate_domain::{AccountId, Role, TokenHash, UserId};

use super::fixtures::{expect_conflict, expect_not_found, new_account, new_user, signup};
use crate::Store;

pub async fn ping_answers(store: &dyn Store) {
    store.ping().await.expect("ping");
}

pub async fn signup_creates_user_account_and_owner_membership(store: &dyn Store) {
    let (user, account) = signup(store, "acme").await;
    assert_eq!(user.email, "acme@example.com");
    assert_eq!(user.password_hash, "$argon2id$v=19$fake");
    assert_eq!(account.slug.as_str(), "acme");
    assert_eq!(account.name, "acme inc");

    let found = store
        .find_user_by_email("acme@example.com")
        .await
        .expect("find")
        .expect("the user");
    assert_eq!(
        (found.id, &found.email, found.created_at),
        (user.id, &user.email, user.created_at)
    );
    let any_case = store.find_user_by_email("ACME@Example.com").await.expect("find");
    assert_eq!(
        any_case.map(|found| found.id),
        Some(user.id),
        "emails compare case-insensitively"
    );
    assert!(
        store
            .find_user_by_email("nobody@example.com")
            .await
            .expect("find")
            .is_none()
    );

    let by_slug = store
        .find_account_by_slug("acme")
        .await
        .expect("find")
        .expect("the account");
    assert_eq!(
        (by_slug.id, &by_slug.name, by_slug.created_at),
        (account.id, &account.name, account.created_at)
    );
    assert!(store.find_account_by_slug("nope").await.expect("find").is_none());
    let by_id = store
        .get_account(account.id)
        .await
        .expect("get")
        .expect("the account");
    assert_eq!((by_id.id, &by_id.slug), (account.id, &account.slug));
    assert!(store.get_account(AccountId::new()).await.expect("get").is_none());

    let memberships = store.list_memberships(user.id).await.expect("memberships");
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].account.id, account.id);
    assert_eq!(memberships[0].account.slug, account.slug);
    assert_eq!(memberships[0].role, Role::Owner);
    assert!(
        store
            .list_memberships(UserId::new())
            .await
            .expect("memberships")
            .is_empty()
    );
}

pub async fn signup_with_a_taken_email_conflicts_and_creates_nothing(store: &dyn Store) {
    signup(store, "acme").await;
    let taken = store
        .create_user_with_account(new_user("acme@example.com"), new_account("other"))
        .await;
    expect_conflict(taken, "email");
    let taken_in_other_case = store
        .create_user_with_account(new_user("ACME@example.com"), new_account("other"))
        .await;
    expect_conflict(taken_in_other_case, "email");
    assert!(
        store.find_account_by_slug("other").await.expect("find").is_none(),
        "the account was rolled back"
    );
}

pub async fn signup_with_a_taken_account_slug_conflicts_and_creates_nothing(store: &dyn Store) {
    signup(store, "acme").await;
    let taken = store
        .create_user_with_account(new_user("new@example.com"), new_account("acme"))
        .await;
    expect_conflict(taken, "\"acme\"");
    assert!(
        store
            .find_user_by_email("new@example.com")
            .await
            .expect("find")
            .is_none(),
        "the user was rolled back"
    );
    // The email is free again, so signing up with another slug works.
    store
        .create_user_with_account(new_user("new@example.com"), new_account("new"))
        .await
        .expect("signup");
}

pub async fn api_tokens_find_their_user(store: &dyn Store) {
    let (alice, _) = signup(store, "alice").await;
    let (bob, _) = signup(store, "bob").await;
    let alice_token = TokenHash::of("tgk_alice");
    store
        .create_api_token(alice.id, alice_token, "tgk_alic")
        .await
        .expect("create token");
    store
        .create_api_token(alice.id, TokenHash::of("tgk_alice_2"), "tgk_alic")
        .await
        .expect("second token");
    store
        .create_api_token(bob.id, TokenHash::of("tgk_bob"), "tgk_bob")
        .await
        .expect("create token");

    let owner = store
        .find_user_by_api_token(alice_token)
        .await
        .expect("find")
        .expect("the user");
    assert_eq!(owner.id, alice.id);
    let owner = store
        .find_user_by_api_token(TokenHash::of("tgk_bob"))
        .await
        .expect("find");
    assert_eq!(owner.map(|user| user.id), Some(bob.id));
    assert!(
        store
            .find_user_by_api_token(TokenHash::of("tgk_nobody"))
            .await
            .expect("find")
            .is_none()
    );

    expect_conflict(
        store.create_api_token(bob.id, alice_token, "tgk_alic").await,
        "token",
    );
    expect_not_found(
        store
            .create_api_token(UserId::new(), TokenHash::of("tgk_x"), "tgk_x")
            .await,
        "unknown user",
    );
}

pub async fn memberships_are_found_by_slug_or_id(store: &dyn Store) {
    let (alice, acme) = signup(store, "acme").await;
    let (bob, globex) = signup(store, "globex").await;

    let by_slug = store
        .find_membership(alice.id, "acme")
        .await
        .expect("find")
        .expect("member");
    assert_eq!((by_slug.account.id, by_slug.role), (acme.id, Role::Owner));
    let by_id = store
        .find_membership(alice.id, &acme.id.to_string())
        .await
        .expect("find");
    assert_eq!(by_id.map(|membership| membership.account.id), Some(acme.id));

    for key in [
        "globex".to_owned(),
        globex.id.to_string(),
        "nope".to_owned(),
        AccountId::new().to_string(),
    ] {
        let found = store.find_membership(alice.id, &key).await.expect("find");
        assert!(found.is_none(), "alice is no member of {key}");
    }
    let bobs = store.list_memberships(bob.id).await.expect("memberships");
    assert_eq!(
        bobs.iter()
            .map(|membership| membership.account.id)
            .collect::<Vec<_>>(),
        vec![globex.id]
    );

    // A slug shaped like an id is still found by its slug.
    let id_shaped = AccountId::new().to_string();
    let (carol, odd) = signup(store, &id_shaped).await;
    let found = store.find_membership(carol.id, &id_shaped).await.expect("find");
    assert_eq!(found.map(|membership| membership.account.id), Some(odd.id));

    let alices = store.list_memberships(alice.id).await.expect("memberships");
    assert_eq!(alices.len(), 1);
}
