//! Approvals: a call held for a human decision (ARCHITECTURE.md §8).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::OffsetDateTime;
use toolgate_domain::ids::ApprovalId;
use toolgate_domain::{AccountId, GrantId, PolicyId, ServerId, UserId};

use crate::StoreError;

/// Where an approval is in its life: `Pending` → `Approved` → `Used`, or `Pending` → `Denied` /
/// `Expired`. Stored as the lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Denied,
    Expired,
    Used,
}

impl ApprovalStatus {
    pub const ALL: [ApprovalStatus; 5] = [
        ApprovalStatus::Pending,
        ApprovalStatus::Approved,
        ApprovalStatus::Denied,
        ApprovalStatus::Expired,
        ApprovalStatus::Used,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Denied => "denied",
            ApprovalStatus::Expired => "expired",
            ApprovalStatus::Used => "used",
        }
    }
}

impl fmt::Display for ApprovalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApprovalStatus {
    type Err = StoreError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ApprovalStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown approval status {text:?}")))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    pub id: ApprovalId,
    pub account_id: AccountId,
    pub server_id: ServerId,
    pub grant_id: GrantId,
    pub tool: String,
    /// Hex SHA-256 of the canonical arguments: a retry must match it exactly.
    pub arguments_hash: String,
    /// The arguments, sealed by the caller (to show the approver). Cleared once the approval is used,
    /// denied or expired.
    pub arguments_sealed: Option<Vec<u8>>,
    pub policy_id: PolicyId,
    pub policy_version: i64,
    pub status: ApprovalStatus,
    /// The approver's note (shown to the agent on a deny).
    pub note: Option<String>,
    pub decided_by: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub used_at: Option<OffsetDateTime>,
}

impl Approval {
    /// Still waiting for a decision at `now` (an approval is expired at its `expires_at` itself).
    pub fn is_pending(&self, now: OffsetDateTime) -> bool {
        self.status == ApprovalStatus::Pending && self.expires_at > now
    }

    /// Approved, not used yet, and not expired at `now`: the identical call may be forwarded once.
    pub fn is_usable(&self, now: OffsetDateTime) -> bool {
        self.status == ApprovalStatus::Approved && self.used_at.is_none() && self.expires_at > now
    }
}

#[derive(Debug, Clone)]
pub struct NewApproval {
    /// Chosen by the caller, so that the sealed arguments can bind it as associated data.
    pub id: ApprovalId,
    pub server_id: ServerId,
    pub grant_id: GrantId,
    pub tool: String,
    pub arguments_hash: String,
    pub arguments_sealed: Option<Vec<u8>>,
    pub policy_id: PolicyId,
    pub policy_version: i64,
    /// The caller's clock, as `expires_at` (and every `now` of the approval methods).
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}
