//! Dashboard login sessions: by token hash, until they expire, with their user.

use time::{Duration, OffsetDateTime};
use toolgate_domain::{TokenHash, UserId};

use super::fixtures::{expect_conflict, expect_not_found, micros, signup};
use crate::Store;

pub async fn users_are_found_by_id(store: &dyn Store) {
    let (alice, _) = signup(store, "alice").await;
    let (bob, _) = signup(store, "bob").await;
    let found = store.get_user(alice.id).await.expect("get").expect("alice");
    assert_eq!(
        (found.id, &found.email, &found.password_hash, found.created_at),
        (alice.id, &alice.email, &alice.password_hash, alice.created_at)
    );
    let found = store.get_user(bob.id).await.expect("get");
    assert_eq!(found.map(|user| user.email), Some(bob.email));
    assert!(store.get_user(UserId::new()).await.expect("get").is_none());
}

pub async fn sessions_find_their_user_until_they_expire(store: &dyn Store) {
    let (alice, _) = signup(store, "alice").await;
    let (bob, _) = signup(store, "bob").await;
    let before = micros(OffsetDateTime::now_utc());
    let expires_at = before + Duration::hours(12) + Duration::nanoseconds(123_456_789);
    let hash = TokenHash::of("session-alice");
    store
        .create_session(hash, alice.id, "csrf-alice", expires_at)
        .await
        .expect("create");
    store
        .create_session(TokenHash::of("session-bob"), bob.id, "csrf-bob", expires_at)
        .await
        .expect("create");

    let now = OffsetDateTime::now_utc();
    let (session, user) = store
        .find_session(hash, now)
        .await
        .expect("find")
        .expect("a live session");
    assert_eq!(
        (session.user_id, session.csrf_token.as_str()),
        (alice.id, "csrf-alice")
    );
    assert_eq!(session.expires_at, micros(expires_at));
    assert!(
        before <= session.created_at && session.created_at <= now,
        "created now: {session:?}"
    );
    assert_eq!(
        (user.id, &user.email, &user.password_hash, user.created_at),
        (alice.id, &alice.email, &alice.password_hash, alice.created_at)
    );

    let stored_expiry = session.expires_at;
    let just_before = store
        .find_session(hash, stored_expiry - Duration::microseconds(1))
        .await
        .expect("find");
    assert!(just_before.is_some(), "alive until its expiry");
    let at_expiry = store.find_session(hash, stored_expiry).await.expect("find");
    assert!(at_expiry.is_none(), "expired at the expiry itself");
    let later = store
        .find_session(hash, stored_expiry + Duration::days(1))
        .await
        .expect("find");
    assert!(later.is_none());

    let bobs = store
        .find_session(TokenHash::of("session-bob"), now)
        .await
        .expect("find");
    assert_eq!(bobs.map(|(_, user)| user.id), Some(bob.id));
    let unknown = store
        .find_session(TokenHash::of("session-nobody"), now)
        .await
        .expect("find");
    assert!(unknown.is_none());
}

pub async fn deleting_a_session_logs_out_and_is_idempotent(store: &dyn Store) {
    let (alice, _) = signup(store, "alice").await;
    let expires_at = OffsetDateTime::now_utc() + Duration::hours(1);
    let (laptop, phone) = (TokenHash::of("session-laptop"), TokenHash::of("session-phone"));
    for hash in [laptop, phone] {
        store
            .create_session(hash, alice.id, "csrf", expires_at)
            .await
            .expect("create");
    }

    store.delete_session(laptop).await.expect("log out");
    let now = OffsetDateTime::now_utc();
    assert!(store.find_session(laptop, now).await.expect("find").is_none());
    assert!(
        store.find_session(phone, now).await.expect("find").is_some(),
        "other sessions of the user stay"
    );
    store.delete_session(laptop).await.expect("log out again");
    store
        .delete_session(TokenHash::of("session-nobody"))
        .await
        .expect("log out an unknown session");

    // The hash is free again once its session is gone.
    store
        .create_session(laptop, alice.id, "csrf-2", expires_at)
        .await
        .expect("create again");
    let (session, _) = store
        .find_session(laptop, now)
        .await
        .expect("find")
        .expect("the new session");
    assert_eq!(session.csrf_token, "csrf-2");
}

pub async fn expired_sessions_are_removed(store: &dyn Store) {
    let (alice, _) = signup(store, "alice").await;
    let now = micros(OffsetDateTime::now_utc());
    let sessions = [
        ("session-expired", now - Duration::minutes(1)),
        ("session-expiring-now", now),
        ("session-alive", now + Duration::microseconds(1)),
        ("session-tomorrow", now + Duration::days(1)),
    ];
    for (token, expires_at) in sessions {
        store
            .create_session(TokenHash::of(token), alice.id, "csrf", expires_at)
            .await
            .expect("create");
    }

    assert_eq!(store.delete_expired_sessions(now).await.expect("sweep"), 2);
    assert_eq!(store.delete_expired_sessions(now).await.expect("sweep again"), 0);
    let before_expiry = now - Duration::hours(1);
    for (token, _) in &sessions[..2] {
        let found = store
            .find_session(TokenHash::of(token), before_expiry)
            .await
            .expect("find");
        assert!(found.is_none(), "{token} was removed");
    }
    for (token, _) in &sessions[2..] {
        let found = store
            .find_session(TokenHash::of(token), before_expiry)
            .await
            .expect("find");
        assert!(found.is_some(), "{token} stays");
    }
    let in_two_days = now + Duration::days(2);
    assert_eq!(
        store.delete_expired_sessions(in_two_days).await.expect("sweep"),
        2
    );
}

pub async fn sessions_reject_unknown_users_and_taken_hashes(store: &dyn Store) {
    let (alice, _) = signup(store, "alice").await;
    let (bob, _) = signup(store, "bob").await;
    let expires_at = OffsetDateTime::now_utc() + Duration::hours(1);
    let hash = TokenHash::of("session-alice");
    store
        .create_session(hash, alice.id, "csrf-alice", expires_at)
        .await
        .expect("create");

    expect_not_found(
        store
            .create_session(TokenHash::of("session-x"), UserId::new(), "csrf", expires_at)
            .await,
        "unknown user",
    );
    expect_conflict(
        store.create_session(hash, bob.id, "csrf-bob", expires_at).await,
        "session",
    );
    let (session, user) = store
        .find_session(hash, OffsetDateTime::now_utc())
        .await
        .expect("find")
        .expect("the first session");
    assert_eq!(
        (user.id, session.csrf_token.as_str()),
        (alice.id, "csrf-alice"),
        "a refused create changes nothing"
    );
}
