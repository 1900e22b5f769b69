//! The events behaviour suite. A shared bus (Redis) carries other tests' events too, so every
//! behaviour publishes under a fresh account and ignores events that are not its own.

use std::time::Duration;

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use toolgate_domain::{AccountId, GrantId, PolicyId, ServerId};

use crate::events::ChangeEvent;
use crate::testing::EventHarness;

const RECEIVE_DEADLINE: Duration = Duration::from_secs(2);

fn account_of(event: &ChangeEvent) -> Option<AccountId> {
    match event {
        ChangeEvent::PolicySaved { account, .. }
        | ChangeEvent::GrantChanged { account, .. }
        | ChangeEvent::ServerChanged { account, .. }
        | ChangeEvent::ApprovalRequested { account, .. }
        | ChangeEvent::ApprovalDecided { account, .. } => Some(*account),
        ChangeEvent::Resync => None,
    }
}

/// The next event of `account`, skipping others'; panics after the deadline.
async fn next_own(receiver: &mut Receiver<ChangeEvent>, account: AccountId) -> ChangeEvent {
    let wait = async {
        loop {
            match receiver.recv().await {
                Ok(event) if account_of(&event) == Some(account) => return event,
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => panic!("event stream closed"),
            }
        }
    };
    match tokio::time::timeout(RECEIVE_DEADLINE, wait).await {
        Ok(event) => event,
        Err(_) => panic!("no event for {account} within {RECEIVE_DEADLINE:?}"),
    }
}

async fn publish(harness: &EventHarness, event: ChangeEvent) {
    if let Err(error) = harness.events.publish(event).await {
        panic!("publish failed: {error}");
    }
}

fn samples(account: AccountId) -> Vec<ChangeEvent> {
    let server = ServerId::new();
    vec![
        ChangeEvent::PolicySaved {
            account,
            server,
            policy: PolicyId::new(),
        },
        ChangeEvent::GrantChanged {
            account,
            grant: GrantId::new(),
        },
        ChangeEvent::ServerChanged { account, server },
    ]
}

pub async fn every_subscriber_receives_each_event_in_order(harness: &EventHarness) {
    let account = AccountId::new();
    let mut first = harness.events.subscribe();
    let mut second = harness.events.subscribe();
    let sent = samples(account);
    for event in &sent {
        publish(harness, event.clone()).await;
    }
    for receiver in [&mut first, &mut second] {
        for expected in &sent {
            assert_eq!(&next_own(receiver, account).await, expected);
        }
    }
}

pub async fn a_subscriber_sees_only_later_events(harness: &EventHarness) {
    let account = AccountId::new();
    let before = ChangeEvent::GrantChanged {
        account,
        grant: GrantId::new(),
    };
    let after = ChangeEvent::ServerChanged {
        account,
        server: ServerId::new(),
    };
    publish(harness, before).await;
    let mut receiver = harness.events.subscribe();
    publish(harness, after.clone()).await;
    assert_eq!(next_own(&mut receiver, account).await, after);
}

pub async fn publishing_without_subscribers_is_ok(harness: &EventHarness) {
    for event in samples(AccountId::new()) {
        publish(harness, event).await;
    }
}
