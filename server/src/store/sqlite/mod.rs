//! The embedded SQLite store: one writer connection and a few readers (WAL),
//! used from async code through [`SqliteStore::run`] on the blocking pool.

mod chat;
mod dispatch;
mod field;
mod group;
mod inbox;
mod knowledge;
mod mail;
mod mall;
mod outbox;
mod sealed;
mod security;
mod team;
mod workbench;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use fieldesk_core::Locale;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::tenants::TenantStore;
use super::{Credentials, NewUser, Session, StoreError, StoreResult, Tenant, User};
use crate::clock::now;

/// Versioned migrations; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("0001_init.sql"),
    include_str!("0002_chat.sql"),
    include_str!("0003_llm.sql"),
    include_str!("0004_groups.sql"),
    include_str!("0005_work_orders.sql"),
    include_str!("0006_templates.sql"),
    include_str!("0007_change_index.sql"),
    include_str!("0008_photos.sql"),
    include_str!("0009_divisions.sql"),
    include_str!("0010_dispatch.sql"),
    include_str!("0011_workbench.sql"),
    include_str!("0012_security.sql"),
    include_str!("0013_sessions.sql"),
    include_str!("0014_identity.sql"),
    include_str!("0015_customer_tier.sql"),
    include_str!("0016_chat_lifecycle.sql"),
    include_str!("0017_mailboxes.sql"),
    include_str!("0018_email.sql"),
    include_str!("0019_transcripts_quarantine.sql"),
    include_str!("0020_mall.sql"),
    include_str!("0021_mall_proposals.sql"),
];
const READERS: usize = 4;

pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: AtomicUsize,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::SqliteFailure(f, ref msg)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::Conflict(msg.clone().unwrap_or_else(|| e.to_string()))
            }
            other => StoreError::database("query", other),
        }
    }
}

/// Maps a constraint violation to a conflict that names what already exists.
fn conflict_names(what: impl FnOnce() -> String) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(what()),
        other => other,
    }
}

fn open(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let applied: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    if applied > MIGRATIONS.len() {
        return Err(StoreError::invalid(format!(
            "schema version {applied} is newer than this fieldesk-server knows ({})",
            MIGRATIONS.len()
        )));
    }
    // A migration may rebuild a table others refer to (SQLite's way to
    // change a constraint): references are checked before each commit.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()?;
        if let Some(table) = broken {
            return Err(StoreError::invalid(format!(
                "migration {} leaves broken references in {table}",
                i + 1
            )));
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "applied migration");
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) `fieldesk.sqlite3` in `data_dir` and
    /// applies pending migrations.
    pub fn open(data_dir: &Path) -> StoreResult<Self> {
        Self::open_file(&data_dir.join("fieldesk.sqlite3"))
    }

    /// Opens (creating if needed) the database file at `path` and applies
    /// pending migrations.
    pub fn open_file(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::database(dir.display().to_string(), e))?;
        }
        let mut writer = open(path)?;
        migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| open(path).map(Mutex::new))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Runs `f` with the writer connection on the blocking pool.
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let writer = self.writer.clone();
        Self::run(move || f(&mut writer.lock().unwrap_or_else(|p| p.into_inner()))).await
    }

    /// Runs `f` with one of the reader connections on the blocking pool.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let readers = self.readers.clone();
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len();
        Self::run(move || f(&readers[i].lock().unwrap_or_else(|p| p.into_inner()))).await
    }

    /// The one bridge from async code to rusqlite.
    async fn run<T, F>(f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> StoreResult<T> + Send + 'static,
    {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| StoreError::database("blocking task", e))?
    }
}

const TENANT_COLUMNS: &str = "id, slug, name, workbench_name, default_locale";
const USER_COLUMNS: &str = "id, tenant_id, username, display_name, role, disabled";

fn tenant_from_row(row: &Row<'_>) -> rusqlite::Result<Tenant> {
    let locale: String = row.get(4)?;
    Ok(Tenant {
        id: row.get(0)?,
        slug: row.get(1)?,
        name: row.get(2)?,
        workbench_name: row.get(3)?,
        default_locale: Locale::negotiate(&locale),
    })
}

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = row.get(4)?;
    Ok(User {
        id: row.get(0)?,
        tenant_id: row.get(1)?,
        username: row.get(2)?,
        display_name: row.get(3)?,
        role: role.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
        })?,
        disabled: row.get(5)?,
    })
}

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    let revoked_at: Option<i64> = row.get(5)?;
    Ok(Session {
        token_hash: row.get(0)?,
        tenant_id: row.get(1)?,
        user_id: row.get(2)?,
        created_at: row.get(3)?,
        expires_at: row.get(4)?,
        revoked: revoked_at.is_some(),
        last_seen_at: row.get(6)?,
        client: row.get(7)?,
        user_agent: row.get(8)?,
    })
}

#[async_trait]
impl TenantStore for SqliteStore {
    async fn create_tenant(
        &self,
        slug: &str,
        name: &str,
        workbench_name: &str,
    ) -> StoreResult<Tenant> {
        let (slug, name, workbench_name) =
            (slug.to_owned(), name.to_owned(), workbench_name.to_owned());
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO tenants (slug, name, workbench_name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![slug, name, workbench_name, now()],
            )
            .map_err(conflict_names(|| format!("tenant {slug}")))?;
            let id = conn.last_insert_rowid();
            Ok(conn.query_row(
                &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = ?1"),
                [id],
                tenant_from_row,
            )?)
        })
        .await
    }

    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>> {
        let slug = slug.to_owned();
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE slug = ?1"),
                    [slug],
                    tenant_from_row,
                )
                .optional()?)
        })
        .await
    }

    async fn tenant(&self, tenant_id: i64) -> StoreResult<Option<Tenant>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = ?1"),
                    [tenant_id],
                    tenant_from_row,
                )
                .optional()?)
        })
        .await
    }

    async fn create_user(&self, tenant_id: i64, user: NewUser) -> StoreResult<User> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO users (tenant_id, username, display_name, role, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    tenant_id,
                    user.username,
                    user.display_name,
                    user.role.as_str(),
                    user.password_hash,
                    now()
                ],
            )
            .map_err(conflict_names(|| format!("user {}", user.username)))?;
            let id = conn.last_insert_rowid();
            Ok(conn.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
                [id],
                user_from_row,
            )?)
        })
        .await
    }

    async fn set_password(&self, tenant_id: i64, username: &str, hash: &str) -> StoreResult<()> {
        let (username, hash) = (username.to_owned(), hash.to_owned());
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE users SET password_hash = ?3 WHERE tenant_id = ?1 AND username = ?2",
                params![tenant_id, username, hash],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("user {username}")));
            }
            // A new password ends every session of that user.
            tx.execute(
                "UPDATE sessions SET revoked_at = ?3 WHERE tenant_id = ?1 AND revoked_at IS NULL
                 AND user_id = (SELECT id FROM users WHERE tenant_id = ?1 AND username = ?2)",
                params![tenant_id, username, now()],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn credentials(
        &self,
        tenant_id: i64,
        username: &str,
    ) -> StoreResult<Option<Credentials>> {
        let username = username.to_owned();
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    &format!(
                        "SELECT {USER_COLUMNS}, password_hash FROM users
                         WHERE tenant_id = ?1 AND username = ?2"
                    ),
                    params![tenant_id, username],
                    |row| {
                        Ok(Credentials {
                            user: user_from_row(row)?,
                            password_hash: row.get(6)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn user(&self, tenant_id: i64, user_id: i64) -> StoreResult<Option<User>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    &format!("SELECT {USER_COLUMNS} FROM users WHERE tenant_id = ?1 AND id = ?2"),
                    params![tenant_id, user_id],
                    user_from_row,
                )
                .optional()?)
        })
        .await
    }

    async fn users(&self, tenant_id: i64) -> StoreResult<Vec<User>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = ?1 ORDER BY username"
            ))?;
            let users = stmt
                .query_map([tenant_id], user_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(users)
        })
        .await
    }

    async fn create_session(&self, s: Session) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO sessions (token_hash, tenant_id, user_id, created_at, expires_at,
                     last_seen_at, client, user_agent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    s.token_hash,
                    s.tenant_id,
                    s.user_id,
                    s.created_at,
                    s.expires_at,
                    s.last_seen_at,
                    s.client,
                    s.user_agent
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT token_hash, tenant_id, user_id, created_at, expires_at, revoked_at,
                         last_seen_at, client, user_agent
                     FROM sessions WHERE token_hash = ?1",
                    [token_hash],
                    session_from_row,
                )
                .optional()?)
        })
        .await
    }

    async fn revoke_session(&self, tenant_id: i64, token_hash: &str) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |conn| {
            conn.execute(
                "UPDATE sessions SET revoked_at = ?3
                 WHERE tenant_id = ?1 AND token_hash = ?2 AND revoked_at IS NULL",
                params![tenant_id, token_hash, now()],
            )?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store contract suite on SQLite: each contract on a fresh file.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_keeps_the_store_contract() {
        let dirs = std::sync::Mutex::new(Vec::new());
        crate::store::contract::run(|| {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(dir.path()).unwrap();
            dirs.lock().unwrap().push(dir);
            Arc::new(store) as Arc<dyn crate::store::Store>
        })
        .await;
    }

    #[tokio::test]
    async fn migrations_run_once_and_data_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SqliteStore::open(dir.path()).unwrap();
            store.create_tenant("a", "A", "A desk").await.unwrap();
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        let tenant = store.tenant_by_slug("a").await.unwrap().unwrap();
        assert_eq!(tenant.workbench_name, "A desk");
        assert_eq!(tenant.default_locale, Locale::ZhCn);
    }
}
