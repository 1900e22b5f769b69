//! Audit retention: deletes each account's audit events older than its `audit_retention_days`.

use time::{Duration, OffsetDateTime};

use crate::state::AppState;

pub async fn run(state: &AppState) {
    let settings = match state.store.list_retention_settings().await {
        Ok(settings) => settings,
        Err(error) => {
            tracing::warn!(%error, "audit retention: cannot list the accounts' settings; next run retries");
            return;
        }
    };
    let now = OffsetDateTime::now_utc();
    for (account, days) in settings {
        let before = now - Duration::days(days.max(1));
        match state.store.purge_audit(account, before).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(%account, purged, days, "old audit events deleted"),
            Err(error) => tracing::warn!(%error, %account, "audit retention: purge failed; next run retries"),
        }
    }
}
