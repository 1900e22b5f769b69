//! One row struct per table, as SQLite returns it, and its conversion into the model. The tables of
//! migration 0003 have a submodule each.

mod admin_events;
mod approvals;
mod audit;
mod settings;
mod webhooks;

pub(super) use admin_events::AdminEventRow;
pub(super) use approvals::ApprovalRow;
pub(super) use audit::AuditEventRow;
pub(super) use settings::SettingsRow;
pub(super) use webhooks::WebhookDeliveryRow;

use serde_json::Value;
use sqlx::types::Json;
use toolgate_domain::{Role, Slug, TokenHash};
use uuid::fmt::Hyphenated;

use super::timestamp;
use crate::{
    Account, Grant, Membership, Policy, PolicyVersion, Server, Session, StoreError, StoreResult, Tool, User,
};

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: Hyphenated,
    email: String,
    password_hash: String,
    created_at: String,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> StoreResult<Self> {
        Ok(User {
            id: row.id.into_uuid().into(),
            email: row.email,
            password_hash: row.password_hash,
            created_at: timestamp::decode(&row.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    id: Hyphenated,
    slug: String,
    name: String,
    created_at: String,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(row: AccountRow) -> StoreResult<Self> {
        Ok(Account {
            id: row.id.into_uuid().into(),
            slug: slug(&row.slug)?,
            name: row.name,
            created_at: timestamp::decode(&row.created_at)?,
        })
    }
}

/// A membership with its account (`memberships` joined with `accounts`).
#[derive(sqlx::FromRow)]
pub(super) struct MembershipRow {
    role: String,
    #[sqlx(flatten)]
    account: AccountRow,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StoreError;
    fn try_from(row: MembershipRow) -> StoreResult<Self> {
        let role: Role = row
            .role
            .parse()
            .map_err(|error| StoreError::Corrupt(format!("{error}")))?;
        Ok(Membership {
            account: row.account.try_into()?,
            role,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ServerRow {
    id: Hyphenated,
    account_id: Hyphenated,
    slug: String,
    name: String,
    url: String,
    headers_sealed: Option<Vec<u8>>,
    header_names: Json<Vec<String>>,
    log_argument_values: bool,
    created_at: String,
    updated_at: String,
}

impl TryFrom<ServerRow> for Server {
    type Error = StoreError;
    fn try_from(row: ServerRow) -> StoreResult<Self> {
        Ok(Server {
            id: row.id.into_uuid().into(),
            account_id: row.account_id.into_uuid().into(),
            slug: slug(&row.slug)?,
            name: row.name,
            url: row.url,
            headers_sealed: row.headers_sealed,
            header_names: row.header_names.0,
            log_argument_values: row.log_argument_values,
            created_at: timestamp::decode(&row.created_at)?,
            updated_at: timestamp::decode(&row.updated_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ToolRow {
    server_id: Hyphenated,
    pub(super) name: String,
    description: Option<String>,
    input_schema: Json<Value>,
    annotations: Option<Json<Value>>,
    definition_hash: String,
    pub(super) accepted_hash: String,
    pub(super) accepted_definition: Json<Value>,
    position: i64,
    synced_at: String,
}

impl TryFrom<ToolRow> for Tool {
    type Error = StoreError;
    fn try_from(row: ToolRow) -> StoreResult<Self> {
        Ok(Tool {
            server_id: row.server_id.into_uuid().into(),
            name: row.name,
            description: row.description,
            input_schema: row.input_schema.0,
            annotations: row.annotations.map(|annotations| annotations.0),
            definition_hash: row.definition_hash,
            accepted_hash: row.accepted_hash,
            accepted_definition: row.accepted_definition.0,
            position: row.position,
            synced_at: timestamp::decode(&row.synced_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PolicyRow {
    id: Hyphenated,
    account_id: Hyphenated,
    server_id: Hyphenated,
    name: String,
    version: i64,
    document: Json<Value>,
    created_at: String,
    updated_at: String,
}

impl TryFrom<PolicyRow> for Policy {
    type Error = StoreError;
    fn try_from(row: PolicyRow) -> StoreResult<Self> {
        Ok(Policy {
            id: row.id.into_uuid().into(),
            account_id: row.account_id.into_uuid().into(),
            server_id: row.server_id.into_uuid().into(),
            name: row.name,
            version: row.version,
            document: row.document.0,
            created_at: timestamp::decode(&row.created_at)?,
            updated_at: timestamp::decode(&row.updated_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PolicyVersionRow {
    policy_id: Hyphenated,
    version: i64,
    document: Json<Value>,
    created_by: Option<Hyphenated>,
    created_at: String,
}

impl TryFrom<PolicyVersionRow> for PolicyVersion {
    type Error = StoreError;
    fn try_from(row: PolicyVersionRow) -> StoreResult<Self> {
        Ok(PolicyVersion {
            policy_id: row.policy_id.into_uuid().into(),
            version: row.version,
            document: row.document.0,
            created_by: row.created_by.map(|user_id| user_id.into_uuid().into()),
            created_at: timestamp::decode(&row.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct GrantRow {
    id: Hyphenated,
    account_id: Hyphenated,
    server_id: Hyphenated,
    policy_id: Option<Hyphenated>,
    name: String,
    token_hash: Vec<u8>,
    token_prefix: String,
    created_at: String,
    expires_at: Option<String>,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(row: GrantRow) -> StoreResult<Self> {
        let token_hash = TokenHash::from_slice(&row.token_hash)
            .ok_or_else(|| StoreError::Corrupt(format!("grant {} has a malformed token hash", row.id)))?;
        Ok(Grant {
            id: row.id.into_uuid().into(),
            account_id: row.account_id.into_uuid().into(),
            server_id: row.server_id.into_uuid().into(),
            policy_id: row.policy_id.map(|policy_id| policy_id.into_uuid().into()),
            name: row.name,
            token_hash,
            token_prefix: row.token_prefix,
            created_at: timestamp::decode(&row.created_at)?,
            expires_at: timestamp::decode_optional(row.expires_at)?,
            revoked_at: timestamp::decode_optional(row.revoked_at)?,
            last_used_at: timestamp::decode_optional(row.last_used_at)?,
        })
    }
}

/// A session with its user (`sessions` joined with `users`; the user's columns prefixed `user_`).
#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    user_id: Hyphenated,
    csrf_token: String,
    created_at: String,
    expires_at: String,
    user_email: String,
    user_password_hash: String,
    user_created_at: String,
}

impl TryFrom<SessionRow> for (Session, User) {
    type Error = StoreError;
    fn try_from(row: SessionRow) -> StoreResult<Self> {
        let user_id = row.user_id.into_uuid().into();
        let session = Session {
            user_id,
            csrf_token: row.csrf_token,
            created_at: timestamp::decode(&row.created_at)?,
            expires_at: timestamp::decode(&row.expires_at)?,
        };
        let user = User {
            id: user_id,
            email: row.user_email,
            password_hash: row.user_password_hash,
            created_at: timestamp::decode(&row.user_created_at)?,
        };
        Ok((session, user))
    }
}

fn slug(text: &str) -> StoreResult<Slug> {
    Slug::parse(text).map_err(|error| StoreError::Corrupt(format!("bad slug {text:?}: {error}")))
}

/// Converts every row, failing on the first corrupt one.
pub(super) fn convert_all<Row, Model>(rows: Vec<Row>) -> StoreResult<Vec<Model>>
where
    Model: TryFrom<Row, Error = StoreError>,
{
    rows.into_iter().map(Model::try_from).collect()
}
