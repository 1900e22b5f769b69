use crate::{AccountSettings, StoreError, StoreResult};

#[derive(sqlx::FromRow)]
pub(in crate::postgres) struct SettingsRow {
    audit_retention_days: i64,
    webhook_url: Option<String>,
    webhook_secret_sealed: Option<Vec<u8>>,
}

impl TryFrom<SettingsRow> for AccountSettings {
    type Error = StoreError;
    fn try_from(row: SettingsRow) -> StoreResult<Self> {
        Ok(AccountSettings {
            audit_retention_days: row.audit_retention_days,
            webhook_url: row.webhook_url,
            webhook_secret_sealed: row.webhook_secret_sealed,
        })
    }
}
