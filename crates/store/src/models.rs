//! One struct per table, as the rest of the system sees it.

mod admin_events;
mod approvals;
mod audit;
mod settings;
mod webhooks;

pub use admin_events::*;
pub use approvals::*;
pub use audit::{AuditEvent, AuditFilter, NewAuditEvent, REFUSED_DECISIONS};
pub(crate) use audit::{bucket_millis, from_unix_millis, unix_millis};
pub use settings::*;
pub use webhooks::*;

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use toolgate_domain::{AccountId, GrantId, PolicyId, Role, ServerId, Slug, TokenHash, UserId};

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    /// Already normalised (trimmed, lowercased).
    pub email: String,
    pub password_hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub slug: Slug,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A dashboard login session, stored by the hash of its cookie token.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: UserId,
    /// Sent back by the dashboard's forms and `fetch` calls on every cookie-authenticated write.
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub slug: Slug,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Membership {
    pub account: Account,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub id: ServerId,
    pub account_id: AccountId,
    pub slug: Slug,
    pub name: String,
    pub url: String,
    /// Sealed JSON object `{name: value}` (see `toolgate_domain::SecretKey`), or `None`.
    pub headers_sealed: Option<Vec<u8>>,
    /// The header names, in clear, for display.
    pub header_names: Vec<String>,
    pub log_argument_values: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewServer {
    /// Callers create the id so that sealed headers can bind it as associated data.
    pub id: ServerId,
    pub slug: Slug,
    pub name: String,
    pub url: String,
    pub headers_sealed: Option<Vec<u8>>,
    pub header_names: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ServerPatch {
    pub name: Option<String>,
    pub url: Option<String>,
    /// `Some(None)` removes all headers.
    pub headers: Option<Option<(Vec<u8>, Vec<String>)>>,
    pub log_argument_values: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Tool {
    pub server_id: ServerId,
    pub name: String,
    pub description: Option<String>,
    pub input_schema: Value,
    pub annotations: Option<Value>,
    /// Hex SHA-256 of the canonical definition.
    pub definition_hash: String,
    pub accepted_hash: String,
    /// The definition that was accepted, kept to show a diff when it changes.
    pub accepted_definition: Value,
    /// Position in the upstream's list.
    pub position: i64,
    pub synced_at: OffsetDateTime,
}

impl Tool {
    pub fn changed(&self) -> bool {
        self.definition_hash != self.accepted_hash
    }
}

#[derive(Debug, Clone)]
pub struct NewTool {
    pub name: String,
    pub description: Option<String>,
    pub input_schema: Value,
    pub annotations: Option<Value>,
    pub definition_hash: String,
    /// The whole definition as the upstream sent it.
    pub definition: Value,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub id: PolicyId,
    pub account_id: AccountId,
    pub server_id: ServerId,
    pub name: String,
    pub version: i64,
    pub document: Value,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewPolicy {
    pub name: String,
    pub document: Value,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone)]
pub struct PolicyVersion {
    pub policy_id: PolicyId,
    pub version: i64,
    pub document: Value,
    pub created_by: Option<UserId>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct Grant {
    pub id: GrantId,
    pub account_id: AccountId,
    pub server_id: ServerId,
    pub policy_id: Option<PolicyId>,
    pub name: String,
    pub token_hash: TokenHash,
    pub token_prefix: String,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
}

impl Grant {
    /// Usable now: not revoked and not expired.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expiry| expiry > now)
    }
}

#[derive(Debug, Clone)]
pub struct NewGrant {
    pub server_id: ServerId,
    pub policy_id: Option<PolicyId>,
    pub name: String,
    pub token_hash: TokenHash,
    pub token_prefix: String,
    pub expires_at: Option<OffsetDateTime>,
}
