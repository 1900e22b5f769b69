//! Change events between the control plane and gateway workers (in process, or Redis pub/sub later).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use toolgate_domain::{AccountId, ApprovalId, GrantId, PolicyId, ServerId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeEvent {
    PolicySaved {
        account: AccountId,
        server: ServerId,
        policy: PolicyId,
    },
    GrantChanged {
        account: AccountId,
        grant: GrantId,
    },
    ServerChanged {
        account: AccountId,
        server: ServerId,
    },
    /// A call needs a person's approval (the control plane notifies the account's webhook).
    ApprovalRequested {
        account: AccountId,
        approval: ApprovalId,
    },
    /// An approval was approved or denied (held calls wake up; the webhook is notified).
    ApprovalDecided {
        account: AccountId,
        approval: ApprovalId,
    },
    /// A listener fell behind or reconnected: drop every cached snapshot.
    Resync,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum EventsError {
    #[error("event bus unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Events: Send + Sync + 'static {
    async fn publish(&self, event: ChangeEvent) -> Result<(), EventsError>;
    /// A stream of every event published from now on (by any process). A receiver that lags gets
    /// `RecvError::Lagged` and must treat it as [`ChangeEvent::Resync`].
    fn subscribe(&self) -> broadcast::Receiver<ChangeEvent>;
    /// How many events this process's subscribers have been sent so far, counted once each could be
    /// received: a subscriber that finds it unchanged since it last drained its receiver has nothing
    /// to receive, and need not touch the channel (one atomic read on the request path).
    fn delivered(&self) -> Arc<AtomicU64>;
}

/// This process's end of the events: a broadcast channel to its subscribers that counts what it sent
/// ([`Events::delivered`]). Every [`Events`] implementation delivers through one.
#[derive(Debug, Clone)]
pub struct LocalDelivery {
    sender: broadcast::Sender<ChangeEvent>,
    delivered: Arc<AtomicU64>,
}

impl LocalDelivery {
    /// A capacity of 0 is raised to 1 (tokio refuses 0).
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self {
            sender,
            delivered: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Sends `event` to every subscriber of this process, then counts it: counted after the send, a
    /// subscriber that sees the count finds the event in its receiver.
    pub fn send(&self, event: ChangeEvent) {
        // `send` fails only when nobody subscribes; an event nobody waits for is not an error.
        let _ = self.sender.send(event);
        self.delivered.fetch_add(1, Ordering::Release);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.sender.subscribe()
    }

    pub fn delivered(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.delivered)
    }
}
