//! Per-account settings: audit retention and the approvals webhook.

/// An account's settings; [`AccountSettings::default`] for an account that never changed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSettings {
    /// Audit events older than this many days are purged.
    pub audit_retention_days: i64,
    pub webhook_url: Option<String>,
    /// The webhook's signing secret, sealed by the caller. Set exactly when `webhook_url` is.
    pub webhook_secret_sealed: Option<Vec<u8>>,
}

impl AccountSettings {
    pub const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 30;
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            audit_retention_days: Self::DEFAULT_AUDIT_RETENTION_DAYS,
            webhook_url: None,
            webhook_secret_sealed: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AccountSettingsPatch {
    /// At least 1 (the database refuses less: callers validate first).
    pub audit_retention_days: Option<i64>,
    /// `Some(Some((url, sealed secret)))` sets the webhook, `Some(None)` removes it, `None` keeps it.
    pub webhook: Option<Option<(String, Vec<u8>)>>,
}
