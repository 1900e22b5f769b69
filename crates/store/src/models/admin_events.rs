//! Admin events: who changed what in the dashboard or the API (ARCHITECTURE.md §9).

use serde_json::Value;
use time::OffsetDateTime;
use toolgate_domain::{AccountId, UserId};

#[derive(Debug, Clone, PartialEq)]
pub struct NewAdminEvent {
    pub actor: Option<UserId>,
    /// `"server.created"`, `"policy.saved"`, `"grant.revoked"`, `"approval.approved"`, …
    pub action: String,
    /// `"server"`, `"policy"`, `"grant"`, `"approval"`, …
    pub target_type: String,
    pub target_id: String,
    pub before_version: Option<i64>,
    pub after_version: Option<i64>,
    /// Names only, never secrets (header names, not values).
    pub detail: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AdminEvent {
    /// Increases with every insert: a cursor for paging.
    pub id: i64,
    pub account_id: AccountId,
    /// `None` when unknown, or when the user was deleted since.
    pub actor: Option<UserId>,
    /// The actor's current email, when the actor is known.
    pub actor_email: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before_version: Option<i64>,
    pub after_version: Option<i64>,
    pub detail: Value,
    pub time: OffsetDateTime,
}
