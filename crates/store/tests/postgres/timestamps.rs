//! SQLite and Postgres give the same answers for timestamps, at microsecond precision.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use toolgate_domain::{ServerId, Slug, TokenHash};
use toolgate_store::{NewAccount, NewGrant, NewServer, NewUser, SqliteStore, Store};

use toolgate_store::test_database::TestDatabase;

/// Instants with digits below the microsecond, before 1970 and 2000 (where rounding and truncation
/// differ), in another offset, and at the ends of the range.
fn instants() -> Vec<OffsetDateTime> {
    vec![
        datetime!(2025-01-31 13:00:00.123456789 +01:00),
        datetime!(1999-12-31 23:59:59.999999999 UTC),
        datetime!(1969-07-20 20:17:40.000000500 UTC),
        datetime!(2000-01-01 00:00:00 UTC),
        datetime!(0001-01-01 00:00:00.000001999 UTC),
        datetime!(9999-12-31 23:59:59.999999999 UTC),
        OffsetDateTime::now_utc(),
    ]
}

/// What a store answers for each instant: the grant's expiry, revocation and last use as stored, and
/// whether a session expiring then is alive just before (1 ns, which truncates to 1 µs before) and at it.
async fn answers(
    store: &dyn Store,
    instants: &[OffsetDateTime],
) -> Vec<(OffsetDateTime, OffsetDateTime, OffsetDateTime, bool, bool)> {
    let (user, account) = store
        .create_user_with_account(
            NewUser {
                email: "a@example.com".to_owned(),
                password_hash: "h".to_owned(),
            },
            NewAccount {
                slug: Slug::parse("acme").expect("slug"),
                name: "Acme".to_owned(),
            },
        )
        .await
        .expect("signup");
    let server = NewServer {
        id: ServerId::new(),
        slug: Slug::parse("files").expect("slug"),
        name: "files".to_owned(),
        url: "https://files.example.com/mcp".to_owned(),
        headers_sealed: None,
        header_names: Vec::new(),
    };
    let server = store.create_server(account.id, server).await.expect("server");
    let mut answers = Vec::new();
    for (index, &instant) in instants.iter().enumerate() {
        let token = format!("tg_{index}");
        let grant = NewGrant {
            server_id: server.id,
            policy_id: None,
            name: token.clone(),
            token_hash: TokenHash::of(&token),
            token_prefix: token.clone(),
            expires_at: Some(instant),
        };
        let grant = store.create_grant(account.id, grant).await.expect("grant");
        store
            .revoke_grant(account.id, grant.id, instant)
            .await
            .expect("revoke");
        store
            .touch_grant(account.id, grant.id, instant)
            .await
            .expect("touch");
        let stored = store
            .get_grant(account.id, grant.id)
            .await
            .expect("get")
            .expect("grant");

        let session = TokenHash::of(&format!("session-{index}"));
        store
            .create_session(session, user.id, "csrf", instant)
            .await
            .expect("session");
        let just_before = instant.checked_sub(Duration::nanoseconds(1)).unwrap_or(instant);
        let alive_before = store.find_session(session, just_before).await.expect("find");
        let alive_at = store.find_session(session, instant).await.expect("find");
        answers.push((
            stored.expires_at.expect("expiry"),
            stored.revoked_at.expect("revocation"),
            stored.last_used_at.expect("last use"),
            alive_before.is_some(),
            alive_at.is_some(),
        ));
    }
    answers
}

fn micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .expect("a valid nanosecond")
}

#[tokio::test]
async fn sqlite_and_postgres_keep_the_same_timestamps() {
    let database = TestDatabase::create().await;
    let postgres = database.migrated_store().await;
    let folder = tempfile::tempdir().expect("temporary folder");
    let sqlite = SqliteStore::open(&folder.path().join("toolgate.db"))
        .await
        .expect("open");

    let instants = instants();
    let from_postgres = answers(&postgres, &instants).await;
    let from_sqlite = answers(&sqlite, &instants).await;
    assert_eq!(from_postgres, from_sqlite);
    for (answer, &instant) in from_postgres.iter().zip(&instants) {
        let kept = micros(instant);
        assert_eq!((answer.0, answer.1, answer.2), (kept, kept, kept), "{instant}");
        let has_sub_microseconds = instant.nanosecond() % 1_000 != 0;
        assert_eq!(answer.3, !has_sub_microseconds, "{instant}: alive 1 ns before");
        assert!(!answer.4, "{instant}: expired at its expiry");
    }
}
