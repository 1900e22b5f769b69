//! Choosing the backend from a database URL.

use std::path::Path;
use std::sync::Arc;

use crate::{PostgresStore, SqliteStore, Store, StoreError, StoreResult};

/// Opens the store named by `database_url`:
/// - `postgres://…` / `postgresql://…` → Postgres, migrated only if `migrate` is true (workers and the
///   control plane leave it to `toolgate migrate`);
/// - `sqlite://path`, `sqlite:path`, `sqlite::memory:`, or a plain file path → SQLite, always migrated on
///   open (one process owns the file).
///
/// Any other `scheme://` is refused rather than taken for a file name.
pub async fn connect(database_url: &str, migrate: bool) -> StoreResult<Arc<dyn Store>> {
    match Backend::of(database_url)? {
        Backend::Postgres => {
            let store = PostgresStore::connect(database_url).await?;
            if migrate {
                store.migrate().await?;
            }
            Ok(Arc::new(store))
        }
        Backend::SqliteUrl => Ok(Arc::new(SqliteStore::open_url(database_url).await?)),
        Backend::SqliteFile(path) => Ok(Arc::new(SqliteStore::open(Path::new(path)).await?)),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Backend<'a> {
    Postgres,
    /// A SQLite URL with options or an in-memory database: sqlx parses it.
    SqliteUrl,
    /// A file: opened with the folder created and first-open races retried.
    SqliteFile(&'a str),
}

impl<'a> Backend<'a> {
    fn of(database_url: &'a str) -> StoreResult<Self> {
        let lowercase = database_url.to_ascii_lowercase();
        if lowercase.starts_with("postgres://") || lowercase.starts_with("postgresql://") {
            return Ok(Backend::Postgres);
        }
        let sqlite_path = ["sqlite://", "sqlite:"]
            .iter()
            .find(|prefix| lowercase.starts_with(*prefix))
            .map(|prefix| &database_url[prefix.len()..]);
        if let Some(path) = sqlite_path {
            if path.is_empty() || path.contains(":memory:") || path.contains('?') {
                return Ok(Backend::SqliteUrl);
            }
            return Ok(Backend::SqliteFile(path));
        }
        if let Some((scheme, _)) = database_url.split_once("://") {
            return Err(unsupported(scheme));
        }
        Ok(Backend::SqliteFile(database_url))
    }
}

fn unsupported(scheme: &str) -> StoreError {
    let message = format!("unsupported database url scheme {scheme:?}: use postgres://… or sqlite://…");
    StoreError::Database(sqlx::Error::Configuration(message.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_their_backend() {
        let cases = [
            ("postgres://postgres@127.0.0.1:5432/toolgate", Backend::Postgres),
            ("postgresql://u:p@db/toolgate?sslmode=require", Backend::Postgres),
            ("POSTGRES://db/x", Backend::Postgres),
            (
                "sqlite://data/toolgate.db",
                Backend::SqliteFile("data/toolgate.db"),
            ),
            (
                "sqlite:///var/lib/toolgate.db",
                Backend::SqliteFile("/var/lib/toolgate.db"),
            ),
            ("sqlite:toolgate.db", Backend::SqliteFile("toolgate.db")),
            ("sqlite::memory:", Backend::SqliteUrl),
            ("sqlite://toolgate.db?mode=ro", Backend::SqliteUrl),
            (
                "./toolgate-data/toolgate.db",
                Backend::SqliteFile("./toolgate-data/toolgate.db"),
            ),
            ("/tmp/x.db", Backend::SqliteFile("/tmp/x.db")),
        ];
        for (url, expected) in cases {
            assert_eq!(Backend::of(url).expect(url), expected, "{url}");
        }
    }

    #[test]
    fn other_schemes_are_refused() {
        let error = Backend::of("mysql://db/toolgate").expect_err("refused");
        assert!(error.to_string().contains("\"mysql\""), "{error}");
    }
}
