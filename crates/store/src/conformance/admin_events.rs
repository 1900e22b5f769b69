//! Admin events: who changed what, newest first, with the actor's email.

use serde_json::json;
use toolgate_domain::{AccountId, UserId};

use super::fixtures::{expect_not_found, signup};
use crate::{NewAdminEvent, Store};

fn event(actor: Option<UserId>, action: &str, target_id: &str) -> NewAdminEvent {
    NewAdminEvent {
        actor,
        action: action.to_owned(),
        target_type: action.split('.').next().unwrap_or_default().to_owned(),
        target_id: target_id.to_owned(),
        before_version: None,
        after_version: None,
        detail: json!({}),
    }
}

pub async fn admin_events_are_listed_newest_first_with_their_actor(store: &dyn Store) {
    let (alice, account) = signup(store, "acme").await;
    let before = time::OffsetDateTime::now_utc();
    store
        .insert_admin_event(account.id, event(Some(alice.id), "server.created", "s1"))
        .await
        .expect("insert");
    let saved = NewAdminEvent {
        before_version: Some(1),
        after_version: Some(2),
        detail: json!({"name": "default", "header_names": ["Authorization"], "a": 1}),
        ..event(Some(alice.id), "policy.saved", "p1")
    };
    store
        .insert_admin_event(account.id, saved.clone())
        .await
        .expect("insert");
    store
        .insert_admin_event(account.id, event(None, "approval.expired", "a1"))
        .await
        .expect("insert");

    let events = store.list_admin_events(account.id, 10, None).await.expect("list");
    let actions: Vec<_> = events.iter().map(|event| event.action.as_str()).collect();
    assert_eq!(actions, ["approval.expired", "policy.saved", "server.created"]);
    let policy_saved = &events[1];
    assert_eq!(
        (
            policy_saved.account_id,
            policy_saved.actor,
            policy_saved.actor_email.as_deref()
        ),
        (account.id, Some(alice.id), Some("acme@example.com"))
    );
    assert_eq!(
        (policy_saved.target_type.as_str(), policy_saved.target_id.as_str()),
        ("policy", "p1")
    );
    assert_eq!(
        (policy_saved.before_version, policy_saved.after_version),
        (Some(1), Some(2))
    );
    assert_eq!(
        serde_json::to_string(&policy_saved.detail).expect("json"),
        r#"{"name":"default","header_names":["Authorization"],"a":1}"#,
        "key order kept"
    );
    assert!(before <= policy_saved.time && policy_saved.time <= time::OffsetDateTime::now_utc());
    assert_eq!((events[0].actor, events[0].actor_email.as_deref()), (None, None));

    let page = store.list_admin_events(account.id, 2, None).await.expect("list");
    assert_eq!(page.len(), 2);
    let rest = store
        .list_admin_events(account.id, 2, Some(page[1].id))
        .await
        .expect("list");
    assert_eq!(
        rest.iter().map(|event| event.id).collect::<Vec<_>>(),
        [events[2].id]
    );

    expect_not_found(
        store
            .insert_admin_event(account.id, event(Some(UserId::new()), "grant.revoked", "g1"))
            .await,
        "unknown actor",
    );
    expect_not_found(
        store
            .insert_admin_event(AccountId::new(), event(None, "grant.revoked", "g1"))
            .await,
        "unknown account",
    );
    assert_eq!(
        store
            .list_admin_events(account.id, 10, None)
            .await
            .expect("list")
            .len(),
        3
    );
}
