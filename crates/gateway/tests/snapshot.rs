//! The snapshot cache against a real SQLite store: change events apply to the next lookup, the TTL
//! heals a lost event (stale-while-revalidate still reloads), and a load that raced an event does not
//! cache what it read before the event.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use toolgate_cluster::memory::MemoryEvents;
use toolgate_cluster::{ChangeEvent, Events};
use toolgate_domain::{AccountId, SecretKey, ServerId, Slug, TokenHash};
use toolgate_gateway::snapshot::{MAX_MISSING_TOKENS, SnapshotCache};
use toolgate_store::{Grant, NewAccount, NewGrant, NewServer, NewUser, ServerPatch, SqliteStore, Store};

struct World {
    store: Arc<dyn Store>,
    events: MemoryEvents,
    account: AccountId,
    grant: Grant,
    token: TokenHash,
    _folder: tempfile::TempDir,
}

async fn world() -> World {
    let folder = tempfile::tempdir().expect("temporary folder");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&folder.path().join("snapshot.db"))
            .await
            .expect("sqlite store"),
    );
    let (_, account) = store
        .create_user_with_account(
            NewUser {
                email: "snap@example.com".into(),
                password_hash: "$argon2id$v=19$test".into(),
            },
            NewAccount {
                slug: Slug::parse("snap").expect("slug"),
                name: "Snap".into(),
            },
        )
        .await
        .expect("account");
    let server = store
        .create_server(
            account.id,
            NewServer {
                id: ServerId::new(),
                slug: Slug::parse("sys").expect("slug"),
                name: "Sys".into(),
                url: "http://127.0.0.1:9/mcp".into(),
                headers_sealed: None,
                header_names: Vec::new(),
            },
        )
        .await
        .expect("server");
    let token = TokenHash::of("tg_snapshot_test_token_0123456789abcdefghijkl");
    let grant = store
        .create_grant(
            account.id,
            NewGrant {
                server_id: server.id,
                policy_id: None,
                name: "agent".into(),
                token_hash: token,
                token_prefix: "tg_snap".into(),
                expires_at: None,
            },
        )
        .await
        .expect("grant");
    World {
        store,
        events: MemoryEvents::new(),
        account: account.id,
        grant,
        token,
        _folder: folder,
    }
}

impl World {
    /// Revokes the grant in the store only: no change event is published.
    async fn revoke_without_event(&self) {
        self.store
            .revoke_grant(self.account, self.grant.id, OffsetDateTime::now_utc())
            .await
            .expect("revoke");
    }
}

fn cache(world: &World, ttl: Duration) -> SnapshotCache {
    SnapshotCache::new(
        world.store.clone(),
        &world.events,
        SecretKey::from_bytes([3; 32]),
        ttl,
    )
}

async fn revoked(cache: &SnapshotCache, world: &World) -> bool {
    cache
        .grant(world.account, world.token)
        .await
        .expect("lookup")
        .expect("grant exists")
        .revoked
}

/// Whether the cache finds a grant for `hash` under `account`.
async fn finds(cache: &SnapshotCache, account: AccountId, hash: TokenHash) -> bool {
    cache.grant(account, hash).await.expect("lookup").is_some()
}

#[tokio::test]
async fn an_event_applies_to_the_next_lookup() {
    let world = world().await;
    let cache = cache(&world, Duration::from_secs(3600));
    assert!(!revoked(&cache, &world).await);
    world.revoke_without_event().await;
    // Without an event the snapshot stands (no SQL on the request path)…
    assert!(!revoked(&cache, &world).await);
    world
        .events
        .publish(ChangeEvent::GrantChanged {
            account: world.account,
            grant: world.grant.id,
        })
        .await
        .expect("publish");
    // …and the next lookup after the event sees the change.
    assert!(revoked(&cache, &world).await);
}

#[tokio::test]
async fn the_ttl_heals_a_lost_event_and_keeps_healing() {
    let world = world().await;
    let ttl = Duration::from_millis(50);
    let cache = cache(&world, ttl);
    assert!(!revoked(&cache, &world).await);
    world.revoke_without_event().await;
    tokio::time::sleep(ttl * 3).await;
    // The first lookup past the TTL reloads (the others meanwhile would be served the stale one).
    assert!(revoked(&cache, &world).await);
    // The reloaded snapshot is itself reloaded after its TTL (the earlier claim does not block it):
    // a rotation without an event retires the old token.
    world
        .store
        .rotate_grant(
            world.account,
            world.grant.id,
            TokenHash::of("tg_rotated_token_0123456789abcdefghijklmnopq"),
            "tg_rota",
        )
        .await
        .expect("rotate");
    assert!(finds(&cache, world.account, world.token).await);
    tokio::time::sleep(ttl * 3).await;
    assert!(!finds(&cache, world.account, world.token).await);
}

#[tokio::test]
async fn a_lookup_for_a_missing_grant_is_remembered_briefly_and_never_crosses_accounts() {
    let world = world().await;
    let cache = cache(&world, Duration::from_secs(3600));
    let unknown = TokenHash::of("tg_no_such_token_0123456789abcdefghijklmnopq");
    assert!(!finds(&cache, world.account, unknown).await);
    assert!(
        !finds(&cache, AccountId::new(), world.token).await,
        "another account's lookup never finds this account's grant"
    );
    assert!(!revoked(&cache, &world).await);
}

/// Registers one more server under the world's account.
async fn add_server(world: &World, slug: &str) -> ServerId {
    world
        .store
        .create_server(
            world.account,
            NewServer {
                id: ServerId::new(),
                slug: Slug::parse(slug).expect("slug"),
                name: slug.into(),
                url: "http://127.0.0.1:9/mcp".into(),
                headers_sealed: None,
                header_names: Vec::new(),
            },
        )
        .await
        .expect("server")
        .id
}

/// Points a server at another port in the store only: no change event is published.
async fn move_without_event(world: &World, server: ServerId, port: u16) {
    let patch = ServerPatch {
        url: Some(format!("http://127.0.0.1:{port}/mcp")),
        ..ServerPatch::default()
    };
    world
        .store
        .update_server(world.account, server, patch)
        .await
        .expect("update server");
}

async fn port_of(cache: &SnapshotCache, slug: &str) -> Option<u16> {
    cache
        .server("snap", slug)
        .await
        .expect("lookup")
        .expect("server exists")
        .uri
        .port_u16()
}

#[tokio::test]
async fn a_server_event_drops_that_server_only_and_a_resync_drops_all() {
    let world = world().await;
    let (first, second) = (
        add_server(&world, "first").await,
        add_server(&world, "second").await,
    );
    let cache = cache(&world, Duration::from_secs(3600));
    assert_eq!(port_of(&cache, "first").await, Some(9));
    assert_eq!(port_of(&cache, "second").await, Some(9));
    move_without_event(&world, first, 10).await;
    move_without_event(&world, second, 11).await;
    assert_eq!(
        port_of(&cache, "first").await,
        Some(9),
        "no event: the snapshot stands"
    );

    world
        .events
        .publish(ChangeEvent::ServerChanged {
            account: world.account,
            server: first,
        })
        .await
        .expect("publish");
    assert_eq!(port_of(&cache, "first").await, Some(10));
    assert_eq!(
        port_of(&cache, "second").await,
        Some(9),
        "another server's snapshot is kept"
    );

    world.events.publish(ChangeEvent::Resync).await.expect("publish");
    assert_eq!(port_of(&cache, "second").await, Some(11));
    // Unknown slugs, under a known account or not, find nothing.
    assert!(cache.server("snap", "missing").await.expect("lookup").is_none());
    assert!(cache.server("nobody", "first").await.expect("lookup").is_none());
}

#[tokio::test]
async fn a_flood_of_unknown_tokens_is_remembered_only_up_to_a_bound() {
    let world = world().await;
    let cache = cache(&world, Duration::from_secs(3600));
    let flood = MAX_MISSING_TOKENS + 200;
    for index in 0..flood {
        let made_up = TokenHash::of(&format!("tg_made_up_token_{index:08}_0123456789abcdefghij"));
        assert!(!finds(&cache, world.account, made_up).await);
    }
    assert_eq!(cache.remembered_missing_tokens(), MAX_MISSING_TOKENS);
    // The real token is found all the same, and remembered in its own map.
    assert!(!revoked(&cache, &world).await);

    // Once the remembered ones have expired, the next unknown token sweeps them out.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let late = TokenHash::of("tg_made_up_token_after_the_flood_0123456789abcdef");
    assert!(!finds(&cache, world.account, late).await);
    assert_eq!(cache.remembered_missing_tokens(), 1);
}
