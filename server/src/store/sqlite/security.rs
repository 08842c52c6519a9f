//! [`SecurityStore`] on SQLite (tables from `0013_sessions.sql`).

use async_trait::async_trait;
use fieldesk_core::security::{SecurityEvent, SecurityEventKind};
use fieldesk_core::session_policy::SessionPolicy;
use rusqlite::{OptionalExtension, Transaction, params};

use super::SqliteStore;
use crate::clock::now;
use crate::store::security::{EndSessions, NewSecurityEvent, Purged, SecurityStore, SessionRow};
use crate::store::{StoreError, StoreResult};

/// Revokes the live sessions of a user matched by `condition` (with
/// `?1` tenant, `?2` user, `?3` the argument) and answers their hashes.
fn revoke(
    tx: &Transaction<'_>,
    tenant_id: i64,
    user_id: i64,
    condition: &str,
    arg: rusqlite::types::Value,
) -> StoreResult<Vec<String>> {
    let live = format!("tenant_id = ?1 AND user_id = ?2 AND revoked_at IS NULL AND ({condition})");
    let hashes = tx
        .prepare(&format!("SELECT token_hash FROM sessions WHERE {live}"))?
        .query_map(params![tenant_id, user_id, arg], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    tx.execute(
        &format!("UPDATE sessions SET revoked_at = ?4 WHERE {live}"),
        params![tenant_id, user_id, arg, now()],
    )?;
    Ok(hashes)
}

#[async_trait]
impl SecurityStore for SqliteStore {
    async fn session_policy(&self, tenant_id: i64) -> StoreResult<SessionPolicy> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT idle_secs, max_secs FROM session_policies WHERE tenant_id = ?1",
                    [tenant_id],
                    |r| {
                        Ok(SessionPolicy {
                            idle_secs: r.get(0)?,
                            max_secs: r.get(1)?,
                        })
                    },
                )
                .optional()?
                .unwrap_or_default())
        })
        .await
    }

    async fn set_session_policy(&self, tenant_id: i64, policy: SessionPolicy) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO session_policies (tenant_id, idle_secs, max_secs) VALUES (?1, ?2, ?3)
                 ON CONFLICT (tenant_id) DO UPDATE SET idle_secs = ?2, max_secs = ?3",
                params![tenant_id, policy.idle_secs, policy.max_secs],
            )?;
            Ok(())
        })
        .await
    }

    async fn touch_session(&self, token_hash: &str, at: i64) -> StoreResult<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |conn| {
            conn.execute(
                "UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?2) WHERE token_hash = ?1",
                params![token_hash, at],
            )?;
            Ok(())
        })
        .await
    }

    async fn live_sessions(
        &self,
        tenant_id: i64,
        user_id: i64,
        now: i64,
    ) -> StoreResult<Vec<SessionRow>> {
        self.read(move |conn| {
            let rows = conn
                .prepare(
                    "SELECT rowid, token_hash, created_at, last_seen_at, expires_at, client, user_agent
                     FROM sessions WHERE tenant_id = ?1 AND user_id = ?2 AND revoked_at IS NULL
                     AND expires_at > ?3 ORDER BY last_seen_at DESC, rowid DESC",
                )?
                .query_map(params![tenant_id, user_id, now], |r| {
                    Ok(SessionRow {
                        id: r.get(0)?,
                        token_hash: r.get(1)?,
                        created_at: r.get(2)?,
                        last_seen_at: r.get(3)?,
                        expires_at: r.get(4)?,
                        client: r.get(5)?,
                        user_agent: r.get(6)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn end_sessions(
        &self,
        tenant_id: i64,
        user_id: i64,
        which: EndSessions,
    ) -> StoreResult<Vec<String>> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let ended = match which {
                EndSessions::One(id) => revoke(&tx, tenant_id, user_id, "rowid = ?3", id.into())?,
                EndSessions::AllBut(keep) => revoke(
                    &tx,
                    tenant_id,
                    user_id,
                    "token_hash IS NOT ?3",
                    keep.map_or(rusqlite::types::Value::Null, Into::into),
                )?,
            };
            tx.commit()?;
            Ok(ended)
        })
        .await
    }

    async fn set_disabled(
        &self,
        tenant_id: i64,
        user_id: i64,
        disabled: bool,
    ) -> StoreResult<Vec<String>> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE users SET disabled = ?3 WHERE tenant_id = ?1 AND id = ?2",
                params![tenant_id, user_id, disabled],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("user {user_id}")));
            }
            let ended = if disabled {
                revoke(
                    &tx,
                    tenant_id,
                    user_id,
                    "?3 IS NULL",
                    rusqlite::types::Value::Null,
                )?
            } else {
                Vec::new()
            };
            tx.commit()?;
            Ok(ended)
        })
        .await
    }

    async fn set_role(
        &self,
        tenant_id: i64,
        user_id: i64,
        role: fieldesk_core::Role,
    ) -> StoreResult<Vec<String>> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE users SET role = ?3 WHERE tenant_id = ?1 AND id = ?2",
                params![tenant_id, user_id, role.as_str()],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("user {user_id}")));
            }
            let ended = revoke(
                &tx,
                tenant_id,
                user_id,
                "?3 IS NULL",
                rusqlite::types::Value::Null,
            )?;
            tx.commit()?;
            Ok(ended)
        })
        .await
    }

    async fn log_security_event(&self, tenant_id: i64, e: NewSecurityEvent) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO security_events (tenant_id, at, kind, username, client, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    tenant_id,
                    now(),
                    e.kind.as_str(),
                    e.username,
                    e.client,
                    e.detail
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn security_events(
        &self,
        tenant_id: i64,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<SecurityEvent>> {
        self.read(move |conn| {
            let rows = conn
                .prepare(
                    "SELECT id, at, kind, username, client, detail FROM security_events
                     WHERE tenant_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                )?
                .query_map(params![tenant_id, before.unwrap_or(i64::MAX), limit], |r| {
                    let kind: String = r.get(2)?;
                    Ok((r.get(0)?, r.get(1)?, kind, r.get(3)?, r.get(4)?, r.get(5)?))
                })?
                .collect::<rusqlite::Result<Vec<(i64, i64, String, String, String, String)>>>()?;
            Ok(rows
                .into_iter()
                .filter_map(|(id, at, kind, username, client, detail)| {
                    Some(SecurityEvent {
                        id,
                        at,
                        kind: SecurityEventKind::parse(&kind)?,
                        username,
                        client,
                        detail,
                    })
                })
                .collect())
        })
        .await
    }

    async fn purge(&self, sessions_before: i64, visitors_before: i64) -> StoreResult<Purged> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let sessions = tx.execute(
                "DELETE FROM sessions WHERE expires_at < ?1 OR revoked_at < ?1",
                [sessions_before],
            )?;
            // Visitors who never wrote: their conversations hold at most
            // system notices (none from the visitor, the bot or an agent).
            tx.execute(
                "CREATE TEMP TABLE IF NOT EXISTS idle_visitors (id INTEGER PRIMARY KEY)",
                [],
            )?;
            tx.execute("DELETE FROM idle_visitors", [])?;
            tx.execute(
                "INSERT INTO idle_visitors (id)
                 SELECT v.id FROM visitors v WHERE v.created_at < ?1
                 AND NOT EXISTS (SELECT 1 FROM conversations c JOIN messages m ON m.conversation_id = c.id
                                 WHERE c.visitor_id = v.id AND m.author_kind <> 'system')",
                [visitors_before],
            )?;
            let empty = "SELECT c.id FROM conversations c JOIN idle_visitors i ON i.id = c.visitor_id";
            tx.execute(&format!("DELETE FROM messages WHERE conversation_id IN ({empty})"), [])?;
            tx.execute(&format!("DELETE FROM surveys WHERE conversation_id IN ({empty})"), [])?;
            tx.execute(
                &format!("DELETE FROM conversation_agents WHERE conversation_id IN ({empty})"),
                [],
            )?;
            tx.execute(&format!("DELETE FROM conversations WHERE id IN ({empty})"), [])?;
            let visitors =
                tx.execute("DELETE FROM visitors WHERE id IN (SELECT id FROM idle_visitors)", [])?;
            tx.execute("DELETE FROM idle_visitors", [])?;
            tx.commit()?;
            Ok(Purged { sessions, visitors })
        })
        .await
    }
}
