//! The list envelope `{"items": [...], "next_cursor": null}` and its query.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Every list is small enough to answer whole for now, so there is never a next page.
    pub fn all(items: Vec<T>) -> Self {
        Self {
            items,
            next_cursor: None,
        }
    }
}

/// `?cursor=`: accepted for forward compatibility. No list pages yet, so no cursor is valid.
#[derive(Deserialize)]
pub struct ListQuery {
    pub cursor: Option<String>,
}

impl ListQuery {
    pub fn check(&self) -> Result<(), ApiError> {
        match &self.cursor {
            Some(cursor) if !cursor.is_empty() => {
                Err(ApiError::BadRequest(format!("unknown cursor {cursor:?}")))
            }
            _ => Ok(()),
        }
    }
}
