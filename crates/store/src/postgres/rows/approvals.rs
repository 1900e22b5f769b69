use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Approval, StoreError, StoreResult};

#[derive(sqlx::FromRow)]
pub(in crate::postgres) struct ApprovalRow {
    id: Uuid,
    account_id: Uuid,
    server_id: Uuid,
    grant_id: Uuid,
    tool: String,
    arguments_hash: String,
    arguments_sealed: Option<Vec<u8>>,
    policy_id: Uuid,
    policy_version: i64,
    status: String,
    note: Option<String>,
    decided_by: Option<Uuid>,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    decided_at: Option<OffsetDateTime>,
    used_at: Option<OffsetDateTime>,
}

impl TryFrom<ApprovalRow> for Approval {
    type Error = StoreError;
    fn try_from(row: ApprovalRow) -> StoreResult<Self> {
        Ok(Approval {
            id: row.id.into(),
            account_id: row.account_id.into(),
            server_id: row.server_id.into(),
            grant_id: row.grant_id.into(),
            tool: row.tool,
            arguments_hash: row.arguments_hash,
            arguments_sealed: row.arguments_sealed,
            policy_id: row.policy_id.into(),
            policy_version: row.policy_version,
            status: row.status.parse()?,
            note: row.note,
            decided_by: row.decided_by.map(|user_id| user_id.into()),
            created_at: row.created_at,
            expires_at: row.expires_at,
            decided_at: row.decided_at,
            used_at: row.used_at,
        })
    }
}
