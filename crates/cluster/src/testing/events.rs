//! The events behaviour suite. A shared bus (Redis) carries other tests' events too, so every
//! behaviour publishes under a fresh account and ignores events that are not its own.

use std::time::Duration;

use std::sync::atomic::Ordering;

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
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

/// Once [`crate::Events::delivered`] has counted an event, a subscriber receives it without waiting:
/// the request path reads the count instead of the channel, so an event counted before it is in the
/// channel would be missed.
pub async fn the_delivered_count_grows_once_an_event_can_be_received(harness: &EventHarness) {
    let account = AccountId::new();
    let delivered = harness.events.delivered();
    let mut receiver = harness.events.subscribe();
    let sent = samples(account);
    for event in &sent {
        let before = delivered.load(Ordering::Acquire);
        publish(harness, event.clone()).await;
        assert!(
            delivered.load(Ordering::Acquire) > before,
            "publishing {event:?} did not grow the delivered count"
        );
    }
    let mut received = Vec::new();
    loop {
        match receiver.try_recv() {
            Ok(event) if account_of(&event) == Some(account) => received.push(event),
            Ok(_) | Err(TryRecvError::Lagged(_)) => {}
            Err(TryRecvError::Empty | TryRecvError::Closed) => break,
        }
    }
    assert_eq!(received, sent, "every counted event is receivable at once");
}

/// Checks [`the_delivered_count_grows_once_an_event_can_be_received`] for an event that reaches
/// `receiving` from another process (`publishing`, on the same bus).
pub async fn a_relayed_event_is_counted_once_it_can_be_received(
    publishing: &EventHarness,
    receiving: &EventHarness,
) {
    let account = AccountId::new();
    let delivered = receiving.events.delivered();
    let mut receiver = receiving.events.subscribe();
    let event = ChangeEvent::GrantChanged {
        account,
        grant: GrantId::new(),
    };
    let before = delivered.load(Ordering::Acquire);
    publish(publishing, event.clone()).await;
    let started = std::time::Instant::now();
    loop {
        // Other tests share the bus: drain whatever is counted, looking for this test's event.
        let counted = delivered.load(Ordering::Acquire);
        if counted > before {
            loop {
                match receiver.try_recv() {
                    Ok(received) if received == event => return,
                    Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
        }
        assert!(
            started.elapsed() < RECEIVE_DEADLINE,
            "the event was not counted and receivable within {RECEIVE_DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

pub async fn publishing_without_subscribers_is_ok(harness: &EventHarness) {
    for event in samples(AccountId::new()) {
        publish(harness, event).await;
    }
}
