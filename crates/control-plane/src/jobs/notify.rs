//! Listens to change events and queues webhooks: `approval.requested` when a gateway worker asks for an
//! approval, `approval.approved` / `approval.denied` when a person decides. (Expiry is queued by
//! [`super::sweep`].) Subscribes before the router is returned, so no event of this process is missed;
//! events lost to lag are logged.

use tokio::sync::broadcast::error::RecvError;
use toolgate_cluster::ChangeEvent;
use toolgate_domain::{AccountId, ApprovalId};

use crate::service::webhooks::{self, ApprovalEvent};
use crate::state::AppState;

pub fn spawn(state: &AppState) {
    let mut events = state.subscribe();
    let weak = state.downgrade();
    let shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        loop {
            let received = tokio::select! {
                () = shutdown.cancelled() => break,
                received = events.recv() => received,
            };
            let (account, approval, requested) = match received {
                Ok(ChangeEvent::ApprovalRequested { account, approval }) => (account, approval, true),
                Ok(ChangeEvent::ApprovalDecided { account, approval }) => (account, approval, false),
                Ok(_) => continue,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "webhook notifier fell behind; some approval webhooks may be missing"
                    );
                    continue;
                }
                Err(RecvError::Closed) => break,
            };
            let Some(state) = weak.upgrade() else { break };
            handle(&state, account, approval, requested).await;
        }
        tracing::debug!("webhook notifier stopped");
    });
}

async fn handle(state: &AppState, account: AccountId, approval: ApprovalId, requested: bool) {
    let event = if requested {
        ApprovalEvent::Requested
    } else {
        match state.store.get_approval(account, approval).await {
            Ok(Some(found)) => match ApprovalEvent::of_decision(found.status) {
                Some(event) => event,
                None => return,
            },
            Ok(None) => return,
            Err(error) => {
                tracing::error!(%error, %approval, "cannot read a decided approval; its webhook is not sent");
                return;
            }
        }
    };
    if let Err(error) = webhooks::enqueue(state, account, approval, event).await {
        tracing::error!(%error, %approval, event = event.event_type(), "cannot queue an approval webhook");
    }
}
