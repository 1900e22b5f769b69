//! Approvals: calls held by the gateway until a person decides (ARCHITECTURE §8). The arguments are
//! shown to the approver while the approval is open (they are sealed at rest and dropped once it is
//! decided and used, denied or expired).
//!
//! Expiry is read from the clock, not written here: an approval past its `expires_at` is shown as
//! `expired` (and without its arguments) even while its stored status is still `pending`. Marking it
//! expired is the background sweeper's job alone (`crate::jobs::sweep`), because the sweeper is what
//! reports each expiry (the `approval.expired` webhook, the wake-up of held calls): an expiry written
//! by a read would never be reported.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde_json::{Value, json};
use time::OffsetDateTime;
use toolgate_cluster::ChangeEvent;
use toolgate_domain::{ApprovalId, ServerId, UserId};
use toolgate_policy::risk::{Risk, ToolDefinition, classify};
use toolgate_store::{Account, Approval, ApprovalStatus, Grant, NewAdminEvent, Server};

use crate::error::ApiError;
use crate::state::AppState;

/// An approval with what a person needs to decide it.
pub struct Described {
    pub approval: Approval,
    pub server: Option<Server>,
    pub grant: Option<Grant>,
    /// `None` once the arguments were dropped (decided and used, denied or expired).
    pub arguments: Option<Value>,
    pub risk: Option<Risk>,
}

impl Described {
    /// `pending` | `approved` | `denied` | `expired` | `used`, with expiry applied at `now`.
    pub fn status(&self, now: OffsetDateTime) -> &'static str {
        status_at(&self.approval, now).as_str()
    }
}

/// The approval's status with expiry applied at `now` (a pending approval past its expiry is expired,
/// whether or not the sweeper has marked it yet).
pub fn status_at(approval: &Approval, now: OffsetDateTime) -> ApprovalStatus {
    match approval.status {
        ApprovalStatus::Pending if approval.expires_at <= now => ApprovalStatus::Expired,
        status => status,
    }
}

/// A page of approvals. It may hold fewer than `limit` items (even none) while `next_cursor` is set:
/// the status filter is applied with expiry at the clock, after the stored page is read.
pub struct Listed {
    pub items: Vec<Described>,
    pub next_cursor: Option<String>,
}

pub fn parse_status(text: &str) -> Result<ApprovalStatus, ApiError> {
    text.parse::<ApprovalStatus>().map_err(|_| {
        ApiError::BadRequest(format!(
            "unknown status {text:?}: use pending, approved, denied, expired or used"
        ))
    })
}

fn parse_id(key: &str) -> Result<ApprovalId, ApiError> {
    key.parse::<ApprovalId>()
        .map_err(|_| ApiError::NotFound("approval"))
}

/// Newest first, optionally only those whose status at the clock is `status`; `before` is the
/// previous page's `next_cursor`.
pub async fn list(
    state: &AppState,
    account: &Account,
    status: Option<ApprovalStatus>,
    limit: u32,
    before: Option<&str>,
) -> Result<Listed, ApiError> {
    let before = before
        .filter(|cursor| !cursor.is_empty())
        .map(parse_id)
        .transpose()
        .map_err(|_| ApiError::BadRequest("invalid cursor".into()))?;
    let limit = limit.clamp(1, 200);
    // Stored as `pending` until the sweeper runs, an approval past its expiry is listed under
    // `expired`: that filter reads every status and keeps what is expired at the clock.
    let stored_status = match status {
        Some(ApprovalStatus::Expired) => None,
        other => other,
    };
    let approvals = state
        .store
        .list_approvals(account.id, stored_status, limit, before)
        .await?;
    let next_cursor = match approvals.len() == limit as usize {
        true => approvals.last().map(|last| last.id.to_string()),
        false => None,
    };
    let now = OffsetDateTime::now_utc();
    let wanted = approvals
        .into_iter()
        .filter(|approval| status.is_none_or(|wanted| status_at(approval, now) == wanted))
        .collect();
    let items = describe_all(state, account, wanted).await?;
    Ok(Listed { items, next_cursor })
}

pub async fn get(state: &AppState, account: &Account, key: &str) -> Result<Described, ApiError> {
    let id = parse_id(key)?;
    let approval = state
        .store
        .get_approval(account.id, id)
        .await?
        .ok_or(ApiError::NotFound("approval"))?;
    let mut described = describe_all(state, account, vec![approval]).await?;
    described.pop().ok_or(ApiError::NotFound("approval"))
}

/// Approves or denies a pending approval; 409 when it is no longer pending.
pub async fn decide(
    state: &AppState,
    account: &Account,
    user: UserId,
    key: &str,
    approve: bool,
    note: Option<String>,
) -> Result<Described, ApiError> {
    let id = parse_id(key)?;
    let note = note
        .map(|note| note.trim().to_owned())
        .filter(|note| !note.is_empty());
    if note.as_ref().is_some_and(|note| note.chars().count() > 1000) {
        return Err(ApiError::BadRequest(
            "the note may have at most 1000 characters".into(),
        ));
    }
    let now = OffsetDateTime::now_utc();
    let current = state
        .store
        .get_approval(account.id, id)
        .await?
        .ok_or(ApiError::NotFound("approval"))?;
    // The store would mark a pending approval past its expiry as expired here, unreported; leave
    // that to the sweeper (which sends `approval.expired`). The same `now` for both checks: the store
    // never sees it expired.
    if status_at(&current, now) == ApprovalStatus::Expired {
        return Err(ApiError::Conflict("the approval has expired".into()));
    }
    let approval = state
        .store
        .decide_approval(account.id, id, approve, Some(user), note.clone(), now)
        .await?;
    state
        .publish(ChangeEvent::ApprovalDecided {
            account: account.id,
            approval: approval.id,
        })
        .await;
    let action = if approve {
        "approval.approved"
    } else {
        "approval.denied"
    };
    let event = NewAdminEvent {
        actor: Some(user),
        action: action.to_owned(),
        target_type: "approval".to_owned(),
        target_id: id.to_string(),
        before_version: None,
        after_version: None,
        detail: json!({"tool": approval.tool, "note": note}),
    };
    if let Err(error) = state.store.insert_admin_event(account.id, event).await {
        tracing::error!(%error, "could not record the admin event of an approval decision");
    }
    let mut described = describe_all(state, account, vec![approval]).await?;
    described.pop().ok_or(ApiError::NotFound("approval"))
}

async fn describe_all(
    state: &AppState,
    account: &Account,
    approvals: Vec<Approval>,
) -> Result<Vec<Described>, ApiError> {
    let servers: HashMap<ServerId, Server> = state
        .store
        .list_servers(account.id)
        .await?
        .into_iter()
        .map(|server| (server.id, server))
        .collect();
    let now = OffsetDateTime::now_utc();
    let mut catalogs: HashMap<ServerId, HashMap<String, Risk>> = HashMap::new();
    let mut described = Vec::with_capacity(approvals.len());
    for approval in approvals {
        if let Entry::Vacant(slot) = catalogs.entry(approval.server_id) {
            let tools = state.store.list_tools(account.id, approval.server_id).await?;
            let risks = tools
                .iter()
                .map(|tool| {
                    let definition = ToolDefinition {
                        name: &tool.name,
                        description: tool.description.as_deref(),
                        input_schema: Some(&tool.input_schema),
                        annotations: tool.annotations.as_ref(),
                    };
                    (tool.name.clone(), classify(&definition))
                })
                .collect();
            slot.insert(risks);
        }
        let risk = catalogs
            .get(&approval.server_id)
            .and_then(|risks| risks.get(&approval.tool))
            .cloned();
        let grant = state.store.get_grant(account.id, approval.grant_id).await?;
        // Past its expiry the call can no longer be approved nor forwarded: its arguments are not shown
        // (the sweeper drops them from the store).
        let open = approval.expires_at > now;
        let arguments = approval
            .arguments_sealed
            .as_ref()
            .filter(|_| open)
            .and_then(|sealed| {
                let opened = state
                    .secret
                    .open(sealed, format!("approval-arguments:{}", approval.id).as_bytes())
                    .ok()?;
                serde_json::from_slice(&opened).ok()
            });
        described.push(Described {
            server: servers.get(&approval.server_id).cloned(),
            grant,
            arguments,
            risk,
            approval,
        });
    }
    Ok(described)
}
