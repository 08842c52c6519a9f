//! The app's local SQLite store (one file per profile data dir): settings,
//! the signed-in session's non-secret part, and the engineer's offline
//! field data (tables and queries in [`field`]). The token itself lives in
//! the OS keychain ([`crate::keychain`]).

pub mod field;

use std::path::Path;
use std::sync::Mutex;

use fieldesk_core::api::Me;
use fieldesk_core::email::grouping::DeskPrefs;
use fieldesk_core::{ErrorCode, Locale};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

const MIGRATIONS: &[&str] = &[
    "CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);",
    field::MIGRATION,
];

/// The signed-in session, minus the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    pub server_url: String,
    pub me: Me,
}

pub struct LocalStore {
    conn: Mutex<Connection>,
}

impl LocalStore {
    pub fn open(data_dir: &Path) -> AppResult<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            crate::error::AppError::new(
                fieldesk_core::ErrorCode::LocalStore,
                format!("{}: {e}", data_dir.display()),
            )
        })?;
        let mut conn = Connection::open(data_dir.join("fieldesk-app.sqlite3"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let applied: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied.max(0) as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(LocalStore {
            conn: Mutex::new(conn),
        })
    }

    /// Runs `f` on the connection (one at a time).
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> AppResult<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(&mut conn)?)
    }

    pub(crate) fn get(&self, key: &str) -> AppResult<Option<String>> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub(crate) fn set(&self, key: &str, value: &str) -> AppResult<()> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(put_setting(&conn, key, value)?)
    }

    fn delete(&self, key: &str) -> AppResult<()> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }

    /// The UI language; Simplified Chinese until the user picks another.
    pub fn locale(&self) -> AppResult<Locale> {
        Ok(self
            .get("locale")?
            .map(|t| Locale::negotiate(&t))
            .unwrap_or_default())
    }

    pub fn set_locale(&self, locale: Locale) -> AppResult<()> {
        self.set("locale", locale.tag())
    }

    /// The signed-in user's mail reading: thread order and groups, kept
    /// per server and user (the default until they choose, or when no one
    /// is signed in).
    pub fn desk_prefs(&self) -> AppResult<DeskPrefs> {
        let Some(key) = self.session()?.map(|s| desk_prefs_key(&s)) else {
            return Ok(DeskPrefs::default());
        };
        Ok(self
            .get(&key)?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    pub fn set_desk_prefs(&self, prefs: &DeskPrefs) -> AppResult<()> {
        let Some(key) = self.session()?.map(|s| desk_prefs_key(&s)) else {
            return Err(AppError::new(ErrorCode::Unauthorized, "not signed in"));
        };
        let json = serde_json::to_string(prefs)
            .map_err(|e| AppError::new(ErrorCode::LocalStore, e.to_string()))?;
        self.set(&key, &json)
    }

    /// What the login form was last filled with (server, tenant, user).
    pub fn last_login(&self) -> AppResult<LastLogin> {
        Ok(self
            .get("last_login")?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    pub fn set_last_login(&self, last: &LastLogin) -> AppResult<()> {
        self.set(
            "last_login",
            &serde_json::to_string(last).expect("serializes"),
        )
    }

    pub fn session(&self) -> AppResult<Option<StoredSession>> {
        Ok(self
            .get("session")?
            .and_then(|j| serde_json::from_str(&j).ok()))
    }

    pub fn set_session(&self, session: &StoredSession) -> AppResult<()> {
        self.set(
            "session",
            &serde_json::to_string(session).expect("serializes"),
        )
    }

    pub fn clear_session(&self) -> AppResult<()> {
        self.delete("session")
    }
}

/// Sets a setting on a connection (also inside a caller's transaction).
pub(crate) fn put_setting(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )
    .map(|_| ())
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastLogin {
    pub server_url: String,
    pub tenant: String,
    pub username: String,
}

fn desk_prefs_key(session: &StoredSession) -> String {
    format!("desk_prefs {} {}", session.server_url, session.me.user_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldesk_core::Role;
    use fieldesk_core::api::TenantSummary;

    #[test]
    fn settings_and_session_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let session = StoredSession {
            server_url: "http://127.0.0.1:1".into(),
            me: Me {
                user_id: 1,
                username: "alice".into(),
                display_name: "Alice".into(),
                role: Role::Agent,
                tenant: TenantSummary {
                    slug: "acme".into(),
                    name: "Acme".into(),
                    workbench_name: "Desk".into(),
                    default_locale: Locale::ZhCn,
                },
            },
        };
        {
            let store = LocalStore::open(dir.path()).unwrap();
            assert_eq!(store.locale().unwrap(), Locale::ZhCn, "default");
            assert_eq!(store.session().unwrap(), None);
            store.set_locale(Locale::En).unwrap();
            store.set_session(&session).unwrap();
        }
        let store = LocalStore::open(dir.path()).unwrap();
        assert_eq!(store.locale().unwrap(), Locale::En);
        assert_eq!(store.session().unwrap(), Some(session));
        store.clear_session().unwrap();
        assert_eq!(store.session().unwrap(), None);
    }

    #[test]
    fn desk_prefs_are_each_users_own_and_survive_reopen() {
        use fieldesk_core::email::grouping::{Grouping, ThreadOrder};
        let dir = tempfile::tempdir().unwrap();
        let session = |user_id| StoredSession {
            server_url: "http://127.0.0.1:1".into(),
            me: Me {
                user_id,
                username: format!("u{user_id}"),
                display_name: "U".into(),
                role: Role::Agent,
                tenant: TenantSummary {
                    slug: "acme".into(),
                    name: "Acme".into(),
                    workbench_name: "Desk".into(),
                    default_locale: Locale::ZhCn,
                },
            },
        };
        let mine = DeskPrefs {
            thread_order: ThreadOrder::NewestFirst,
            grouping: Grouping::Subject,
            groups: vec![],
        };
        {
            let store = LocalStore::open(dir.path()).unwrap();
            assert!(store.set_desk_prefs(&mine).is_err(), "no one signed in");
            store.set_session(&session(1)).unwrap();
            assert_eq!(store.desk_prefs().unwrap(), DeskPrefs::default());
            store.set_desk_prefs(&mine).unwrap();
            store.set_session(&session(2)).unwrap();
            assert_eq!(store.desk_prefs().unwrap(), DeskPrefs::default());
        }
        let store = LocalStore::open(dir.path()).unwrap();
        store.set_session(&session(1)).unwrap();
        assert_eq!(store.desk_prefs().unwrap(), mine);
    }
}
