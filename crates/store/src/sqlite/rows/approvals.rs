use uuid::fmt::Hyphenated;

use crate::sqlite::timestamp;
use crate::{Approval, StoreError, StoreResult};

#[derive(sqlx::FromRow)]
pub(in crate::sqlite) struct ApprovalRow {
    id: Hyphenated,
    account_id: Hyphenated,
    server_id: Hyphenated,
    grant_id: Hyphenated,
    tool: String,
    arguments_hash: String,
    arguments_sealed: Option<Vec<u8>>,
    policy_id: Hyphenated,
    policy_version: i64,
    status: String,
    note: Option<String>,
    decided_by: Option<Hyphenated>,
    created_at: String,
    expires_at: String,
    decided_at: Option<String>,
    used_at: Option<String>,
}

impl TryFrom<ApprovalRow> for Approval {
    type Error = StoreError;
    fn try_from(row: ApprovalRow) -> StoreResult<Self> {
        Ok(Approval {
            id: row.id.into_uuid().into(),
            account_id: row.account_id.into_uuid().into(),
            server_id: row.server_id.into_uuid().into(),
            grant_id: row.grant_id.into_uuid().into(),
            tool: row.tool,
            arguments_hash: row.arguments_hash,
            arguments_sealed: row.arguments_sealed,
            policy_id: row.policy_id.into_uuid().into(),
            policy_version: row.policy_version,
            status: row.status.parse()?,
            note: row.note,
            decided_by: row.decided_by.map(|user_id| user_id.into_uuid().into()),
            created_at: timestamp::decode(&row.created_at)?,
            expires_at: timestamp::decode(&row.expires_at)?,
            decided_at: timestamp::decode_optional(row.decided_at)?,
            used_at: timestamp::decode_optional(row.used_at)?,
        })
    }
}
