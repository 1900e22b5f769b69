//! Change events between the control plane and gateway workers (in process, or Redis pub/sub later).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
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
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ChangeEvent>;
}
