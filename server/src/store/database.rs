//! Which database a server runs on: `--database` (or
//! `FIELDESK_DATABASE_URL`). None: the embedded SQLite file in the data
//! dir; a file path (or `sqlite://path`): that SQLite file;
//! `postgres://…` / `postgresql://…`: PostgreSQL. Any other scheme is an
//! error, never a silent fallback.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::pg::PgStore;
use super::sqlite::SqliteStore;
use super::{Store, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

/// A `--database` the server cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown database {0:?}: use a file path, sqlite://PATH or postgres://USER@HOST:PORT/DB")]
pub struct UnknownDatabase(pub String);

impl Database {
    /// `--database` as given (none: SQLite in `data_dir`).
    pub fn parse(given: Option<&str>, data_dir: &Path) -> Result<Database, UnknownDatabase> {
        let Some(given) = given.map(str::trim).filter(|g| !g.is_empty()) else {
            return Ok(Database::Sqlite(data_dir.join("fieldesk.sqlite3")));
        };
        match given.split_once("://") {
            None => Ok(Database::Sqlite(PathBuf::from(given))),
            Some(("sqlite", path)) if !path.is_empty() => Ok(Database::Sqlite(PathBuf::from(path))),
            Some(("postgres" | "postgresql", rest)) if !rest.is_empty() => {
                Ok(Database::Postgres(given.to_owned()))
            }
            Some(_) => Err(UnknownDatabase(given.to_owned())),
        }
    }

    /// Opens it, applying pending migrations.
    pub async fn open(&self) -> StoreResult<Arc<dyn Store>> {
        Ok(match self {
            Database::Sqlite(path) => {
                let path = path.clone();
                let store = tokio::task::spawn_blocking(move || SqliteStore::open_file(&path))
                    .await
                    .map_err(|e| StoreError::database("opening SQLite", e))??;
                Arc::new(store)
            }
            Database::Postgres(url) => Arc::new(PgStore::connect(url).await?),
        })
    }

    /// What to tell the operator (a PostgreSQL URL without its password).
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => format!("SQLite {}", path.display()),
            Database::Postgres(url) => match url.parse::<tokio_postgres::Config>() {
                Ok(c) => format!(
                    "PostgreSQL {}@{:?}:{:?}/{}",
                    c.get_user().unwrap_or(""),
                    c.get_hosts().first(),
                    c.get_ports().first(),
                    c.get_dbname().unwrap_or("")
                ),
                Err(_) => "PostgreSQL".to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_flag_or_a_path_is_sqlite_postgres_urls_are_postgres_anything_else_is_refused() {
        let dir = Path::new("data");
        assert_eq!(
            Database::parse(None, dir),
            Ok(Database::Sqlite(dir.join("fieldesk.sqlite3")))
        );
        assert_eq!(
            Database::parse(Some("  "), dir),
            Ok(Database::Sqlite(dir.join("fieldesk.sqlite3")))
        );
        assert_eq!(
            Database::parse(Some("/var/lib/fd/main.db"), dir),
            Ok(Database::Sqlite("/var/lib/fd/main.db".into()))
        );
        assert_eq!(
            Database::parse(Some("sqlite:///tmp/x.db"), dir),
            Ok(Database::Sqlite("/tmp/x.db".into()))
        );
        for url in ["postgres://fd@db:5432/fd", "postgresql://fd@db/fd"] {
            assert_eq!(
                Database::parse(Some(url), dir),
                Ok(Database::Postgres(url.into()))
            );
        }
        for bad in ["mysql://x@y/z", "postgres://", "http://db"] {
            assert_eq!(
                Database::parse(Some(bad), dir),
                Err(UnknownDatabase(bad.into()))
            );
        }
    }
}
