//! Builders and assertions shared by the conformance tests.

use std::fmt::Debug;

use serde_json::json;
use time::{Duration, OffsetDateTime};
use toolgate_domain::ids::ApprovalId;
use toolgate_domain::{AccountId, PolicyId, ServerId, Slug, TokenHash};

use crate::{
    Account, Approval, Grant, NewAccount, NewApproval, NewAuditEvent, NewGrant, NewPolicy, NewServer,
    NewTool, NewUser, Policy, Server, Store, StoreError, StoreResult, User,
};

pub(super) fn slug(text: &str) -> Slug {
    Slug::parse(text).expect("a valid slug")
}

/// A user `{name}@example.com` owning the account with the slug `name`.
pub(super) async fn signup(store: &dyn Store, name: &str) -> (User, Account) {
    store
        .create_user_with_account(new_user(&format!("{name}@example.com")), new_account(name))
        .await
        .expect("signup")
}

pub(super) fn new_user(email: &str) -> NewUser {
    NewUser {
        email: email.to_owned(),
        password_hash: "$argon2id$v=19$fake".to_owned(),
    }
}

pub(super) fn new_account(slug_text: &str) -> NewAccount {
    NewAccount {
        slug: slug(slug_text),
        name: format!("{slug_text} inc"),
    }
}

pub(super) fn new_server(slug_text: &str) -> NewServer {
    NewServer {
        id: ServerId::new(),
        slug: slug(slug_text),
        name: format!("{slug_text} server"),
        url: format!("https://{slug_text}.example.com/mcp"),
        headers_sealed: Some(vec![1, 2, 3]),
        header_names: vec!["Authorization".to_owned()],
    }
}

pub(super) async fn server(store: &dyn Store, account_id: AccountId, slug_text: &str) -> Server {
    store
        .create_server(account_id, new_server(slug_text))
        .await
        .expect("create server")
}

/// Revision `revision` of the tool `name`: each revision has its own definition and hash.
pub(super) fn new_tool(name: &str, revision: u32) -> NewTool {
    let description = format!("{name}, revision {revision}");
    let input_schema = json!({"type": "object", "properties": {"revision": {"const": revision}}});
    let annotations = json!({"readOnlyHint": revision.is_multiple_of(2)});
    NewTool {
        name: name.to_owned(),
        description: Some(description.clone()),
        definition: json!({
            "name": name, "description": description, "inputSchema": input_schema, "annotations": annotations,
        }),
        input_schema,
        annotations: Some(annotations),
        definition_hash: format!("hash-{name}-{revision}"),
    }
}

pub(super) fn document(default: &str) -> serde_json::Value {
    json!({"version": "1", "default": default, "tools": {"run_shell": {"action": "deny", "reason": "no"}}})
}

pub(super) async fn policy(
    store: &dyn Store,
    account_id: AccountId,
    server_id: ServerId,
    name: &str,
) -> Policy {
    let new_policy = NewPolicy {
        name: name.to_owned(),
        document: document("deny"),
        created_by: None,
    };
    store
        .create_policy(account_id, server_id, new_policy)
        .await
        .expect("create policy")
}

pub(super) fn new_grant(server_id: ServerId, policy_id: Option<PolicyId>, token: &str) -> NewGrant {
    NewGrant {
        server_id,
        policy_id,
        name: format!("agent with {token}"),
        token_hash: TokenHash::of(token),
        token_prefix: token.chars().take(8).collect(),
        expires_at: None,
    }
}

pub(super) async fn grant(
    store: &dyn Store,
    account_id: AccountId,
    server_id: ServerId,
    policy_id: Option<PolicyId>,
    token: &str,
) -> Grant {
    store
        .create_grant(account_id, new_grant(server_id, policy_id, token))
        .await
        .expect("create grant")
}

/// `at` as the stores keep it: microsecond precision (extra digits truncated).
pub(super) fn micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .expect("a valid nanosecond")
}

pub(super) fn expect_conflict<T: Debug>(result: StoreResult<T>, mentions: &str) {
    match result {
        Err(StoreError::Conflict(message)) => {
            assert!(
                message.contains(mentions),
                "conflict {message:?} should mention {mentions:?}"
            );
            let starts_lowercase = message.chars().next().is_some_and(|first| !first.is_uppercase());
            assert!(
                starts_lowercase && !message.ends_with('.'),
                "conflict {message:?}: lowercase, no period"
            );
        }
        other => panic!("expected a conflict mentioning {mentions:?}, got {other:?}"),
    }
}

pub(super) fn expect_not_found<T: Debug>(result: StoreResult<T>, what: &str) {
    match result {
        Err(StoreError::NotFound) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

/// An account ready for approvals: a server `files`, its policy `default` and a grant using it.
pub(super) struct Setup {
    pub user: User,
    pub account: Account,
    pub server: Server,
    pub policy: Policy,
    pub grant: Grant,
}

pub(super) async fn setup(store: &dyn Store, name: &str) -> Setup {
    let (user, account) = signup(store, name).await;
    let server = server(store, account.id, "files").await;
    let policy = policy(store, account.id, server.id, "default").await;
    let grant = grant(
        store,
        account.id,
        server.id,
        Some(policy.id),
        &format!("tg_{name}"),
    )
    .await;
    Setup {
        user,
        account,
        server,
        policy,
        grant,
    }
}

/// A fixed instant with digits below the microsecond (the stores keep microseconds).
pub(super) fn base_time() -> OffsetDateTime {
    time::macros::datetime!(2025-03-01 12:00:00.123456789 UTC)
}

/// An approval of `setup`'s grant for `tool` with arguments hashed to `hash`, created at `created_at` and
/// expiring ten minutes later.
pub(super) fn new_approval(setup: &Setup, tool: &str, hash: &str, created_at: OffsetDateTime) -> NewApproval {
    NewApproval {
        id: ApprovalId::new(),
        server_id: setup.server.id,
        grant_id: setup.grant.id,
        tool: tool.to_owned(),
        arguments_hash: hash.to_owned(),
        arguments_sealed: Some(format!("sealed {tool} {hash}").into_bytes()),
        policy_id: setup.policy.id,
        policy_version: setup.policy.version,
        created_at,
        expires_at: created_at + Duration::minutes(10),
    }
}

pub(super) async fn approval(
    store: &dyn Store,
    setup: &Setup,
    tool: &str,
    created_at: OffsetDateTime,
) -> Approval {
    store
        .create_approval(setup.account.id, new_approval(setup, tool, "hash-1", created_at))
        .await
        .expect("create approval")
}

/// An audit event of `account_id` without server or grant, a `tools/call` of `tool` with `decision`.
pub(super) fn audit_event(
    account_id: AccountId,
    tool: &str,
    decision: &str,
    time: OffsetDateTime,
) -> NewAuditEvent {
    NewAuditEvent {
        account_id,
        server_id: None,
        grant_id: None,
        session: None,
        method: "tools/call".to_owned(),
        tool: Some(tool.to_owned()),
        decision: decision.to_owned(),
        rule: None,
        reason: None,
        argument_keys: Vec::new(),
        arguments: None,
        upstream_status: None,
        latency_ms: None,
        time,
    }
}

/// An audit event of `setup`'s server and grant.
pub(super) fn grant_audit_event(
    setup: &Setup,
    tool: &str,
    decision: &str,
    time: OffsetDateTime,
) -> NewAuditEvent {
    NewAuditEvent {
        server_id: Some(setup.server.id),
        grant_id: Some(setup.grant.id),
        ..audit_event(setup.account.id, tool, decision, time)
    }
}
