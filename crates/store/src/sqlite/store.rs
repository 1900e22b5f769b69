//! [`Store`] for [`SqliteStore`]: each method is written in the module of its table.

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use toolgate_domain::{AccountId, GrantId, PolicyId, ServerId, TokenHash, UserId};

use super::{SqliteStore, accounts, grants, policies, servers, sessions, tools};
use crate::{
    Account, Grant, Membership, NewAccount, NewGrant, NewPolicy, NewServer, NewTool, NewUser, Policy,
    PolicyVersion, Server, ServerPatch, Session, Store, StoreResult, Tool, User,
};

#[async_trait]
impl Store for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_user_with_account(
        &self,
        user: NewUser,
        account: NewAccount,
    ) -> StoreResult<(User, Account)> {
        accounts::create_user_with_account(&self.pool, user, account).await
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        accounts::find_user_by_email(&self.pool, email).await
    }

    async fn create_api_token(&self, user_id: UserId, hash: TokenHash, prefix: &str) -> StoreResult<()> {
        accounts::create_api_token(&self.pool, user_id, hash, prefix).await
    }

    async fn find_user_by_api_token(&self, hash: TokenHash) -> StoreResult<Option<User>> {
        accounts::find_user_by_api_token(&self.pool, hash).await
    }

    async fn list_memberships(&self, user_id: UserId) -> StoreResult<Vec<Membership>> {
        accounts::list_memberships(&self.pool, user_id).await
    }

    async fn find_membership(&self, user_id: UserId, key: &str) -> StoreResult<Option<Membership>> {
        accounts::find_membership(&self.pool, user_id, key).await
    }

    async fn find_account_by_slug(&self, slug: &str) -> StoreResult<Option<Account>> {
        accounts::find_account_by_slug(&self.pool, slug).await
    }

    async fn get_user(&self, user_id: UserId) -> StoreResult<Option<User>> {
        accounts::get_user(&self.pool, user_id).await
    }

    async fn create_session(
        &self,
        hash: TokenHash,
        user_id: UserId,
        csrf_token: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        sessions::create_session(&self.pool, hash, user_id, csrf_token, expires_at).await
    }

    async fn find_session(
        &self,
        hash: TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(Session, User)>> {
        sessions::find_session(&self.pool, hash, now).await
    }

    async fn delete_session(&self, hash: TokenHash) -> StoreResult<()> {
        sessions::delete_session(&self.pool, hash).await
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        sessions::delete_expired_sessions(&self.pool, now).await
    }

    async fn create_server(&self, account_id: AccountId, server: NewServer) -> StoreResult<Server> {
        servers::create_server(&self.pool, account_id, server).await
    }

    async fn list_servers(&self, account_id: AccountId) -> StoreResult<Vec<Server>> {
        servers::list_servers(&self.pool, account_id).await
    }

    async fn find_server(&self, account_id: AccountId, key: &str) -> StoreResult<Option<Server>> {
        servers::find_server(&self.pool, account_id, key).await
    }

    async fn get_server(&self, account_id: AccountId, server_id: ServerId) -> StoreResult<Option<Server>> {
        servers::get_server(&self.pool, account_id, server_id).await
    }

    async fn update_server(
        &self,
        account_id: AccountId,
        server_id: ServerId,
        patch: ServerPatch,
    ) -> StoreResult<Server> {
        servers::update_server(&self.pool, account_id, server_id, patch).await
    }

    async fn replace_tools(
        &self,
        account_id: AccountId,
        server_id: ServerId,
        new_tools: Vec<NewTool>,
    ) -> StoreResult<Vec<Tool>> {
        tools::replace_tools(&self.pool, account_id, server_id, new_tools).await
    }

    async fn list_tools(&self, account_id: AccountId, server_id: ServerId) -> StoreResult<Vec<Tool>> {
        tools::list_tools(&self.pool, account_id, server_id).await
    }

    async fn accept_tool(&self, account_id: AccountId, server_id: ServerId, name: &str) -> StoreResult<Tool> {
        tools::accept_tool(&self.pool, account_id, server_id, name).await
    }

    async fn create_policy(
        &self,
        account_id: AccountId,
        server_id: ServerId,
        policy: NewPolicy,
    ) -> StoreResult<Policy> {
        policies::create_policy(&self.pool, account_id, server_id, policy).await
    }

    async fn update_policy(
        &self,
        account_id: AccountId,
        policy_id: PolicyId,
        document: Value,
        created_by: Option<UserId>,
    ) -> StoreResult<Policy> {
        policies::update_policy(&self.pool, account_id, policy_id, document, created_by).await
    }

    async fn find_policy(
        &self,
        account_id: AccountId,
        server_id: ServerId,
        key: &str,
    ) -> StoreResult<Option<Policy>> {
        policies::find_policy(&self.pool, account_id, server_id, key).await
    }

    async fn get_policy(&self, account_id: AccountId, policy_id: PolicyId) -> StoreResult<Option<Policy>> {
        policies::get_policy(&self.pool, account_id, policy_id).await
    }

    async fn list_policies(&self, account_id: AccountId, server_id: ServerId) -> StoreResult<Vec<Policy>> {
        policies::list_policies(&self.pool, account_id, server_id).await
    }

    async fn list_policy_versions(
        &self,
        account_id: AccountId,
        policy_id: PolicyId,
    ) -> StoreResult<Vec<PolicyVersion>> {
        policies::list_policy_versions(&self.pool, account_id, policy_id).await
    }

    async fn create_grant(&self, account_id: AccountId, grant: NewGrant) -> StoreResult<Grant> {
        grants::create_grant(&self.pool, account_id, grant).await
    }

    async fn list_grants(&self, account_id: AccountId) -> StoreResult<Vec<Grant>> {
        grants::list_grants(&self.pool, account_id).await
    }

    async fn get_grant(&self, account_id: AccountId, grant_id: GrantId) -> StoreResult<Option<Grant>> {
        grants::get_grant(&self.pool, account_id, grant_id).await
    }

    async fn find_grant_by_token(
        &self,
        account_id: AccountId,
        hash: TokenHash,
    ) -> StoreResult<Option<Grant>> {
        grants::find_grant_by_token(&self.pool, account_id, hash).await
    }

    async fn revoke_grant(
        &self,
        account_id: AccountId,
        grant_id: GrantId,
        at: OffsetDateTime,
    ) -> StoreResult<Grant> {
        grants::revoke_grant(&self.pool, account_id, grant_id, at).await
    }

    async fn rotate_grant(
        &self,
        account_id: AccountId,
        grant_id: GrantId,
        hash: TokenHash,
        prefix: &str,
    ) -> StoreResult<Grant> {
        grants::rotate_grant(&self.pool, account_id, grant_id, hash, prefix).await
    }

    async fn touch_grant(
        &self,
        account_id: AccountId,
        grant_id: GrantId,
        at: OffsetDateTime,
    ) -> StoreResult<()> {
        grants::touch_grant(&self.pool, account_id, grant_id, at).await
    }
}
