//! JSON values are bound as text and cast in SQL (`$1::json`). sqlx binds `Json<T>` as `jsonb`, which
//! Postgres would parse (sorting object keys) before storing it in a `json` column; text keeps the
//! document exactly as the user wrote it. Reading back through `Json<T>` works for `json` columns.

use serde::Serialize;
use serde_json::Value;

use crate::{StoreError, StoreResult};

pub(super) fn text(value: &Value) -> String {
    value.to_string()
}

/// For values that are not already a [`Value`] (the list of header names).
pub(super) fn text_of(value: &impl Serialize) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|error| StoreError::Corrupt(format!("unencodable json: {error}")))
}
