//! Persistence behind one trait. `sqlite` (all-in-one) and `postgres` (SaaS) implement [`Store`];
//! [`connect`] picks one from a database URL. One conformance suite (module `conformance`, feature
//! `conformance`) runs against every backend (`tests/sqlite.rs` and `tests/postgres.rs` through
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

use async_trait::async_trait;
use time::OffsetDateTime;
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
}
