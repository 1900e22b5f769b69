#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the text names what is taken ("the slug \"x\" is taken").
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// An error of the database that did not come through sqlx (the SQLite store's audit connection).
    #[error("database error: {0}")]
    Backend(String),
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Conflict(_) => "conflict",
            StoreError::NotFound => "not_found",
            StoreError::Database(_)
            | StoreError::Migrate(_)
            | StoreError::Corrupt(_)
            | StoreError::Backend(_) => "internal",
        }
    }
}
