//! Persistence behind one trait. `sqlite` (all-in-one) and `postgres` (SaaS) implement [`Store`];
//! [`connect`] picks one from a database URL. One conformance suite (module `conformance`, feature
//! `conformance`) runs against every backend (`tests/sqlite.rs` and `tests/postgres/` through
//! `conformance_tests!`).
//!
//! Every method that touches tenant data takes the account id first, so no query can cross tenants.

#[cfg(feature = "conformance")]
pub mod conformance;
mod connect;
pub mod error;
pub mod models;
pub mod postgres;
pub mod sqlite;
#[cfg(feature = "conformance")]
pub mod test_database;

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use toolgate_domain::ids::ApprovalId;
use toolgate_domain::{AccountId, GrantId, PolicyId, ServerId, TokenHash, UserId};

pub use connect::connect;
pub use error::StoreError;
pub use models::*;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Is the database reachable? (for `/readyz`)
    async fn ping(&self) -> StoreResult<()>;

    // ---- users, accounts, API tokens -------------------------------------------------------

    /// Creates a user, an account and the user's owner membership in one transaction.
    /// `Conflict` when the email or the account slug is taken.
    async fn create_user_with_account(
        &self,
        user: NewUser,
        account: NewAccount,
    ) -> StoreResult<(User, Account)>;
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    async fn create_api_token(&self, user_id: UserId, hash: TokenHash, prefix: &str) -> StoreResult<()>;
    /// The user owning an API token (`tgk_…`), by the token's hash.
    async fn find_user_by_api_token(&self, hash: TokenHash) -> StoreResult<Option<User>>;
    async fn list_memberships(&self, user_id: UserId) -> StoreResult<Vec<Membership>>;
    /// The caller's membership in the account named by `key` (slug or id), if any.
    async fn find_membership(&self, user_id: UserId, key: &str) -> StoreResult<Option<Membership>>;
    /// For the gateway: an account by its slug.
    async fn find_account_by_slug(&self, slug: &str) -> StoreResult<Option<Account>>;
    /// An account by id (for background jobs, which know only ids).
    async fn get_account(&self, account_id: AccountId) -> StoreResult<Option<Account>>;
    /// A user by id.
    async fn get_user(&self, user_id: UserId) -> StoreResult<Option<User>>;

    // ---- dashboard sessions ----------------------------------------------------------------

    /// Stores a session by the hash of its cookie token. `NotFound` when the user does not exist;
    /// `Conflict` when the hash is already in use.
    async fn create_session(
        &self,
        hash: TokenHash,
        user_id: UserId,
        csrf_token: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The session and its user, if the session exists and has not expired at `now` (a session is
    /// expired at its `expires_at` itself).
    async fn find_session(
        &self,
        hash: TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(Session, User)>>;
    /// Ends a session (log out). Idempotent.
    async fn delete_session(&self, hash: TokenHash) -> StoreResult<()>;
    /// Removes expired sessions; returns how many.
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> StoreResult<u64>;

    // ---- servers and their tools -----------------------------------------------------------

    /// `Conflict` when the slug is taken in this account.
    async fn create_server(&self, account_id: AccountId, server: NewServer) -> StoreResult<Server>;
    async fn list_servers(&self, account_id: AccountId) -> StoreResult<Vec<Server>>;
    /// By slug or id.
    async fn find_server(&self, account_id: AccountId, key: &str) -> StoreResult<Option<Server>>;
    async fn get_server(&self, account_id: AccountId, server_id: ServerId) -> StoreResult<Option<Server>>;
    /// `NotFound` when the server is not in this account.
    async fn update_server(
        &self,
        account_id: AccountId,
        server_id: ServerId,
        patch: ServerPatch,
    ) -> StoreResult<Server>;
    /// Replaces the catalog with `tools` (in upstream order). A tool whose definition hash differs from
    /// its accepted hash is `changed`; a tool seen for the first time is accepted as it is.
    async fn replace_tools(
        &self,
        account_id: AccountId,
        server_id: ServerId,
        tools: Vec<NewTool>,
    ) -> StoreResult<Vec<Tool>>;
    async fn list_tools(&self, account_id: AccountId, server_id: ServerId) -> StoreResult<Vec<Tool>>;
    /// Marks the tool's current definition as accepted. `NotFound` if there is no such tool.
    async fn accept_tool(&self, account_id: AccountId, server_id: ServerId, name: &str) -> StoreResult<Tool>;

    // ---- policies ----------------------------------------------------------------------------

    /// Creates version 1. `Conflict` when the name is taken on this server.
    async fn create_policy(
        &self,
        account_id: AccountId,
        server_id: ServerId,
        policy: NewPolicy,
    ) -> StoreResult<Policy>;
    /// Saves `document` as the next version. `NotFound` when the policy is not in this account.
    async fn update_policy(
        &self,
        account_id: AccountId,
        policy_id: PolicyId,
        document: serde_json::Value,
        created_by: Option<UserId>,
    ) -> StoreResult<Policy>;
    /// On a server, by name or id.
    async fn find_policy(
        &self,
        account_id: AccountId,
        server_id: ServerId,
        key: &str,
    ) -> StoreResult<Option<Policy>>;
    async fn get_policy(&self, account_id: AccountId, policy_id: PolicyId) -> StoreResult<Option<Policy>>;
    async fn list_policies(&self, account_id: AccountId, server_id: ServerId) -> StoreResult<Vec<Policy>>;
    /// Newest first.
    async fn list_policy_versions(
        &self,
        account_id: AccountId,
        policy_id: PolicyId,
    ) -> StoreResult<Vec<PolicyVersion>>;

    // ---- grants ------------------------------------------------------------------------------

    async fn create_grant(&self, account_id: AccountId, grant: NewGrant) -> StoreResult<Grant>;
    async fn list_grants(&self, account_id: AccountId) -> StoreResult<Vec<Grant>>;
    async fn get_grant(&self, account_id: AccountId, grant_id: GrantId) -> StoreResult<Option<Grant>>;
    /// For the gateway: a grant of this account by its token's hash (revoked and expired ones too;
    /// the caller decides).
    async fn find_grant_by_token(&self, account_id: AccountId, hash: TokenHash)
    -> StoreResult<Option<Grant>>;
    /// Sets `revoked_at` (idempotent). `NotFound` when the grant is not in this account.
    async fn revoke_grant(
        &self,
        account_id: AccountId,
        grant_id: GrantId,
        at: OffsetDateTime,
    ) -> StoreResult<Grant>;
    /// Replaces the token hash and prefix. `NotFound` when the grant is not in this account.
    async fn rotate_grant(
        &self,
        account_id: AccountId,
        grant_id: GrantId,
        hash: TokenHash,
        prefix: &str,
    ) -> StoreResult<Grant>;
    async fn touch_grant(
        &self,
        account_id: AccountId,
        grant_id: GrantId,
        at: OffsetDateTime,
    ) -> StoreResult<()>;

    // ---- approvals ---------------------------------------------------------------------------
    // Every `now` is the caller's clock; an approval is expired at its `expires_at` itself.

    /// `NotFound` when the server, grant (of that server) or policy (of that server) is not in this
    /// account; `Conflict` when the id is taken.
    async fn create_approval(&self, account_id: AccountId, approval: NewApproval) -> StoreResult<Approval>;
    async fn get_approval(
        &self,
        account_id: AccountId,
        approval_id: ApprovalId,
    ) -> StoreResult<Option<Approval>>;
    /// The newest approval for this exact call that is still of use at `now`: pending, or approved and
    /// The newest approval for this exact call (grant, tool, arguments, policy version), whatever its
    /// status: lets the gateway tell an agent that its approval was denied or expired.
    async fn find_latest_approval(
        &self,
        account_id: AccountId,
        grant_id: GrantId,
        tool: &str,
        arguments_hash: &str,
        policy_version: i64,
    ) -> StoreResult<Option<Approval>>;
    /// not used yet, and not expired. A retry of the same call finds it instead of creating another.
    async fn find_reusable_approval(
        &self,
        account_id: AccountId,
        grant_id: GrantId,
        tool: &str,
        arguments_hash: &str,
        policy_version: i64,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Approval>>;
    /// Newest first (by creation time, then id), optionally only those with `status`; `before` is the last
    /// id of the previous page (an id of no approval of this account gives an empty page).
    async fn list_approvals(
        &self,
        account_id: AccountId,
        status: Option<ApprovalStatus>,
        limit: u32,
        before: Option<ApprovalId>,
    ) -> StoreResult<Vec<Approval>>;
    /// Approves or denies a pending approval that has not expired at `now`; a deny clears the sealed
    /// arguments. A pending approval past its expiry is marked `Expired` first. `NotFound` when it is not
    /// in this account (or `decided_by` is no user); `Conflict("the approval is no longer pending")`
    /// otherwise, so of two concurrent decisions exactly one wins.
    async fn decide_approval(
        &self,
        account_id: AccountId,
        approval_id: ApprovalId,
        approve: bool,
        decided_by: Option<UserId>,
        note: Option<String>,
        now: OffsetDateTime,
    ) -> StoreResult<Approval>;
    /// In one conditional update: an approved, unused approval that has not expired at `now` becomes
    /// `Used` and loses its sealed arguments. Whether it did: of concurrent consumers, exactly one gets
    /// `true`. `false` (not an error) for an approval of another account.
    async fn consume_approval(
        &self,
        account_id: AccountId,
        approval_id: ApprovalId,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// For the background sweeper, across accounts: pending approvals past their expiry become `Expired`
    /// and lose their sealed arguments; returns them (oldest first). Approved ones that expired unused keep
    /// their status but lose their sealed arguments too.
    async fn expire_approvals(&self, now: OffsetDateTime) -> StoreResult<Vec<Approval>>;

    // ---- audit events ------------------------------------------------------------------------

    /// One transaction for the whole batch, across accounts (each event names its account).
    /// `NotFound` (and nothing written) when an account does not exist. The batch is shared rather
    /// than borrowed so that a store may hand it to a thread of its own without copying it.
    async fn insert_audit_events(&self, events: Arc<[NewAuditEvent]>) -> StoreResult<()>;
    /// Newest (highest id) first.
    async fn list_audit_events(
        &self,
        account_id: AccountId,
        filter: &AuditFilter,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// Events at or after `since`, by decision (ordered by decision).
    async fn audit_counts_by_decision(
        &self,
        account_id: AccountId,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<(String, i64)>>;
    /// Events at or after `since`, by (bucket start, decision), ordered so. Buckets of `bucket_seconds`
    /// (at least 1) are aligned on the Unix epoch (UTC).
    async fn audit_timeseries(
        &self,
        account_id: AccountId,
        since: OffsetDateTime,
        bucket_seconds: u32,
    ) -> StoreResult<Vec<(OffsetDateTime, String, i64)>>;
    /// The most called tools since `since`, most first (ties by name).
    async fn audit_top_tools(
        &self,
        account_id: AccountId,
        since: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<(String, i64)>>;
    /// The rules behind the most refusals ([`REFUSED_DECISIONS`]) since `since`, most first (ties by
    /// rule).
    async fn audit_top_refused_rules(
        &self,
        account_id: AccountId,
        since: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<(String, i64)>>;
    /// Deletes the account's events strictly before `before`; returns how many.
    async fn purge_audit(&self, account_id: AccountId, before: OffsetDateTime) -> StoreResult<u64>;

    // ---- admin events ------------------------------------------------------------------------

    /// Recorded at the current time. `NotFound` when the account or the actor does not exist.
    async fn insert_admin_event(&self, account_id: AccountId, event: NewAdminEvent) -> StoreResult<()>;
    /// Newest (highest id) first; `before_id` is the last id of the previous page.
    async fn list_admin_events(
        &self,
        account_id: AccountId,
        limit: u32,
        before_id: Option<i64>,
    ) -> StoreResult<Vec<AdminEvent>>;

    // ---- account settings --------------------------------------------------------------------

    /// The defaults when the account never changed them.
    async fn get_account_settings(&self, account_id: AccountId) -> StoreResult<AccountSettings>;
    /// `NotFound` when the account does not exist.
    async fn update_account_settings(
        &self,
        account_id: AccountId,
        patch: AccountSettingsPatch,
    ) -> StoreResult<AccountSettings>;
    /// For the purge job: every account with its audit retention in days (by account id).
    async fn list_retention_settings(&self) -> StoreResult<Vec<(AccountId, i64)>>;

    // ---- webhook deliveries ------------------------------------------------------------------

    /// A pending delivery, due at `now`; returns its id. `NotFound` when the account does not exist.
    async fn insert_webhook_delivery(
        &self,
        account_id: AccountId,
        delivery: NewWebhookDelivery,
        now: OffsetDateTime,
    ) -> StoreResult<i64>;
    /// Across accounts: pending deliveries due at `now`, longest waiting first.
    async fn due_webhook_deliveries(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDelivery>>;
    /// Counts the attempt: delivered on success; otherwise pending until `next_attempt_at`, or failed
    /// when there is none. `NotFound` when the delivery is not in this account;
    /// `Conflict("the webhook delivery is no longer pending")` when it was delivered or given up.
    async fn record_webhook_attempt(
        &self,
        account_id: AccountId,
        delivery_id: i64,
        attempt: WebhookAttempt,
        now: OffsetDateTime,
    ) -> StoreResult<WebhookDelivery>;
    /// Newest first.
    async fn list_webhook_deliveries(
        &self,
        account_id: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDelivery>>;
}
