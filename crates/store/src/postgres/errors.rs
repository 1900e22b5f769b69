//! Turning constraint violations into [`StoreError`]s that callers can show, with the same texts as SQLite.

use sqlx::error::ErrorKind;

use crate::StoreError;

/// The name of the constraint (or unique index) that `error` broke, when it broke a uniqueness rule.
fn unique_violation(error: &sqlx::Error) -> Option<&str> {
    let database_error = error.as_database_error()?;
    matches!(database_error.kind(), ErrorKind::UniqueViolation)
        .then(|| database_error.constraint().unwrap_or_default())
}

fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|database_error| matches!(database_error.kind(), ErrorKind::ForeignKeyViolation))
}

/// For an insert or update: a taken unique value is a `Conflict` described by `taken` (given the name of
/// the constraint, such as `servers_pkey`); a missing parent row (server, policy, user — or one of another
/// account) is `NotFound`.
pub(super) fn on_write(error: sqlx::Error, taken: impl FnOnce(&str) -> String) -> StoreError {
    if let Some(constraint) = unique_violation(&error) {
        return StoreError::Conflict(taken(constraint));
    }
    if is_foreign_key_violation(&error) {
        return StoreError::NotFound;
    }
    StoreError::Database(error)
}
