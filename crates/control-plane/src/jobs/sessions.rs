//! Deletes expired dashboard sessions (they are refused anyway; this keeps the table small).

use time::OffsetDateTime;

use crate::state::AppState;

pub async fn run(state: &AppState) {
    match state
        .store
        .delete_expired_sessions(OffsetDateTime::now_utc())
        .await
    {
        Ok(0) => {}
        Ok(deleted) => tracing::debug!(deleted, "expired sessions deleted"),
        Err(error) => tracing::warn!(%error, "cannot delete expired sessions; next run retries"),
    }
}
