//! [`Store`] for [`SqliteStore`]: each method is written in the module of its table.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use toolgate_domain::ids::ApprovalId;
use toolgate_domain::{AccountId, GrantId, PolicyId, ServerId, TokenHash, UserId};

use super::{
    SqliteStore, accounts, admin_events, approvals, audit, grants, policies, servers, sessions, settings,
    tools, webhooks,
};
use crate::{
    Account, AccountSettings, AccountSettingsPatch, AdminEvent, Approval, ApprovalStatus, AuditEvent,
    AuditFilter, Grant, Membership, NewAccount, NewAdminEvent, NewApproval, NewAuditEvent, NewGrant,
    NewPolicy, NewServer, NewTool, NewUser, NewWebhookDelivery, Policy, PolicyVersion, Server, ServerPatch,
    Session, Store, StoreResult, Tool, User, WebhookAttempt, WebhookDelivery,
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

    async fn get_account(&self, account_id: AccountId) -> StoreResult<Option<Account>> {
        accounts::get_account(&self.pool, account_id).await
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

    async fn create_approval(&self, account_id: AccountId, approval: NewApproval) -> StoreResult<Approval> {
        approvals::create_approval(&self.pool, account_id, approval).await
    }

    async fn get_approval(
        &self,
        account_id: AccountId,
        approval_id: ApprovalId,
    ) -> StoreResult<Option<Approval>> {
        approvals::get_approval(&self.pool, account_id, approval_id).await
    }

    async fn find_latest_approval(
        &self,
        account_id: AccountId,
        grant_id: GrantId,
        tool: &str,
        arguments_hash: &str,
        policy_version: i64,
    ) -> StoreResult<Option<Approval>> {
        approvals::find_latest_approval(
            &self.pool,
            account_id,
            grant_id,
            tool,
            arguments_hash,
            policy_version,
        )
        .await
    }

    async fn find_reusable_approval(
        &self,
        account_id: AccountId,
        grant_id: GrantId,
        tool: &str,
        arguments_hash: &str,
        policy_version: i64,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Approval>> {
        approvals::find_reusable_approval(
            &self.pool,
            account_id,
            grant_id,
            tool,
            arguments_hash,
            policy_version,
            now,
        )
        .await
    }

    async fn list_approvals(
        &self,
        account_id: AccountId,
        status: Option<ApprovalStatus>,
        limit: u32,
        before: Option<ApprovalId>,
    ) -> StoreResult<Vec<Approval>> {
        approvals::list_approvals(&self.pool, account_id, status, limit, before).await
    }

    async fn decide_approval(
        &self,
        account_id: AccountId,
        approval_id: ApprovalId,
        approve: bool,
        decided_by: Option<UserId>,
        note: Option<String>,
        now: OffsetDateTime,
    ) -> StoreResult<Approval> {
        approvals::decide_approval(
            &self.pool,
            account_id,
            approval_id,
            approve,
            decided_by,
            note,
            now,
        )
        .await
    }

    async fn consume_approval(
        &self,
        account_id: AccountId,
        approval_id: ApprovalId,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        approvals::consume_approval(&self.pool, account_id, approval_id, now).await
    }

    async fn expire_approvals(&self, now: OffsetDateTime) -> StoreResult<Vec<Approval>> {
        approvals::expire_approvals(&self.pool, now).await
    }

    async fn insert_audit_events(&self, events: Arc<[NewAuditEvent]>) -> StoreResult<()> {
        match &self.audit {
            Some(thread) => thread.insert(events).await,
            None => audit::insert_audit_events(&self.pool, &events).await,
        }
    }

    async fn list_audit_events(
        &self,
        account_id: AccountId,
        filter: &AuditFilter,
    ) -> StoreResult<Vec<AuditEvent>> {
        audit::list_audit_events(&self.pool, account_id, filter).await
    }

    async fn audit_counts_by_decision(
        &self,
        account_id: AccountId,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<(String, i64)>> {
        audit::audit_counts_by_decision(&self.pool, account_id, since).await
    }

    async fn audit_timeseries(
        &self,
        account_id: AccountId,
        since: OffsetDateTime,
        bucket_seconds: u32,
    ) -> StoreResult<Vec<(OffsetDateTime, String, i64)>> {
        audit::audit_timeseries(&self.pool, account_id, since, bucket_seconds).await
    }

    async fn audit_top_tools(
        &self,
        account_id: AccountId,
        since: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<(String, i64)>> {
        audit::audit_top_tools(&self.pool, account_id, since, limit).await
    }

    async fn audit_top_refused_rules(
        &self,
        account_id: AccountId,
        since: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<(String, i64)>> {
        audit::audit_top_refused_rules(&self.pool, account_id, since, limit).await
    }

    async fn purge_audit(&self, account_id: AccountId, before: OffsetDateTime) -> StoreResult<u64> {
        audit::purge_audit(&self.pool, account_id, before).await
    }

    async fn insert_admin_event(&self, account_id: AccountId, event: NewAdminEvent) -> StoreResult<()> {
        admin_events::insert_admin_event(&self.pool, account_id, event).await
    }

    async fn list_admin_events(
        &self,
        account_id: AccountId,
        limit: u32,
        before_id: Option<i64>,
    ) -> StoreResult<Vec<AdminEvent>> {
        admin_events::list_admin_events(&self.pool, account_id, limit, before_id).await
    }

    async fn get_account_settings(&self, account_id: AccountId) -> StoreResult<AccountSettings> {
        settings::get_account_settings(&self.pool, account_id).await
    }

    async fn update_account_settings(
        &self,
        account_id: AccountId,
        patch: AccountSettingsPatch,
    ) -> StoreResult<AccountSettings> {
        settings::update_account_settings(&self.pool, account_id, patch).await
    }

    async fn list_retention_settings(&self) -> StoreResult<Vec<(AccountId, i64)>> {
        settings::list_retention_settings(&self.pool).await
    }

    async fn insert_webhook_delivery(
        &self,
        account_id: AccountId,
        delivery: NewWebhookDelivery,
        now: OffsetDateTime,
    ) -> StoreResult<i64> {
        webhooks::insert_webhook_delivery(&self.pool, account_id, delivery, now).await
    }

    async fn due_webhook_deliveries(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        webhooks::due_webhook_deliveries(&self.pool, now, limit).await
    }

    async fn record_webhook_attempt(
        &self,
        account_id: AccountId,
        delivery_id: i64,
        attempt: WebhookAttempt,
        now: OffsetDateTime,
    ) -> StoreResult<WebhookDelivery> {
        webhooks::record_webhook_attempt(&self.pool, account_id, delivery_id, attempt, now).await
    }

    async fn list_webhook_deliveries(
        &self,
        account_id: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        webhooks::list_webhook_deliveries(&self.pool, account_id, limit).await
    }
}
