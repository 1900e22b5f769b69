//! Turning constraint violations into [`StoreError`]s that callers can show.

use sqlx::error::ErrorKind;

use crate::StoreError;

/// The database's message when `error` broke a uniqueness rule.
pub(super) fn unique_violation(error: &sqlx::Error) -> Option<&str> {
    let database_error = error.as_database_error()?;
    matches!(database_error.kind(), ErrorKind::UniqueViolation).then(|| database_error.message())
}

fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|database_error| matches!(database_error.kind(), ErrorKind::ForeignKeyViolation))
}

/// For an insert or update: a taken unique value is a `Conflict` described by `taken`; a missing parent row (server,
/// policy, user — or one of another account) is `NotFound`.
pub(super) fn on_write(error: sqlx::Error, taken: impl FnOnce(&str) -> String) -> StoreError {
    if let Some(message) = unique_violation(&error) {
        return StoreError::Conflict(taken(message));
    }
    if is_foreign_key_violation(&error) {
        return StoreError::NotFound;
    }
    StoreError::Database(error)
}

/// An error of the audit connection (rusqlite): a missing account is `NotFound`, as in [`on_write`].
pub(super) fn sqlite(error: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(failure, _) = &error
        && failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
    {
        return StoreError::NotFound;
    }
    StoreError::Backend(error.to_string())
}
