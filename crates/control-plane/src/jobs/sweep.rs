//! The approval sweeper: pending approvals past their expiry become `expired` (in one store update,
//! so of several control planes exactly one reports each). For each: an `approval.expired` webhook, and
//! an `ApprovalDecided` event so that a call still held for it wakes up and answers at once.

use time::OffsetDateTime;
use toolgate_cluster::ChangeEvent;

use crate::service::webhooks::{self, ApprovalEvent};
use crate::state::AppState;

pub async fn run(state: &AppState) {
    let expired = match state.store.expire_approvals(OffsetDateTime::now_utc()).await {
        Ok(expired) => expired,
        Err(error) => {
            tracing::warn!(%error, "approval sweeper: cannot expire approvals; next run retries");
            return;
        }
    };
    for approval in expired {
        tracing::info!(approval = %approval.id, account = %approval.account_id, "approval expired");
        if let Err(error) =
            webhooks::enqueue(state, approval.account_id, approval.id, ApprovalEvent::Expired).await
        {
            tracing::error!(%error, approval = %approval.id, "cannot queue the approval.expired webhook");
        }
        state
            .publish(ChangeEvent::ApprovalDecided {
                account: approval.account_id,
                approval: approval.id,
            })
            .await;
    }
}
