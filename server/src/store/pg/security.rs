//! [`SecurityStore`] on PostgreSQL (tables from `0001_init.sql` and
//! `0008_security.sql`).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use fieldesk_core::security::{SecurityEvent, SecurityEventKind};
use fieldesk_core::session_policy::SessionPolicy;
use tokio_postgres::types::ToSql;

use super::PgStore;
use crate::clock::now;
use crate::store::security::{EndSessions, NewSecurityEvent, Purged, SecurityStore, SessionRow};
use crate::store::{StoreError, StoreResult};

/// Revokes the live sessions of a user matched by `condition` (on `$3` =
/// `arg`) and answers their hashes.
async fn revoke(
    tx: &impl GenericClient,
    tenant_id: i64,
    user_id: i64,
    condition: &str,
    arg: &(dyn ToSql + Sync),
) -> StoreResult<Vec<String>> {
    Ok(tx
        .query(
            &format!(
                "UPDATE sessions SET revoked_at = $4
                 WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL AND ({condition})
                 RETURNING token_hash"
            ),
            &[&tenant_id, &user_id, arg, &now()],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// Revokes every live session of a user.
async fn revoke_all(
    tx: &impl GenericClient,
    tenant_id: i64,
    user_id: i64,
) -> StoreResult<Vec<String>> {
    revoke(tx, tenant_id, user_id, "$3::TEXT IS NULL", &None::<String>).await
}

#[async_trait]
impl SecurityStore for PgStore {
    async fn session_policy(&self, tenant_id: i64) -> StoreResult<SessionPolicy> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT idle_secs, max_secs FROM session_policies WHERE tenant_id = $1",
                &[&tenant_id],
            )
            .await?
            .map(|r| SessionPolicy {
                idle_secs: r.get(0),
                max_secs: r.get(1),
            })
            .unwrap_or_default())
    }

    async fn set_session_policy(&self, tenant_id: i64, policy: SessionPolicy) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO session_policies (tenant_id, idle_secs, max_secs) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id) DO UPDATE SET idle_secs = EXCLUDED.idle_secs,
                max_secs = EXCLUDED.max_secs",
            &[&tenant_id, &policy.idle_secs, &policy.max_secs],
        )
        .await?;
        Ok(())
    }

    async fn touch_session(&self, token_hash: &str, at: i64) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $2) WHERE token_hash = $1",
            &[&token_hash, &at],
        )
        .await?;
        Ok(())
    }

    async fn live_sessions(
        &self,
        tenant_id: i64,
        user_id: i64,
        now: i64,
    ) -> StoreResult<Vec<SessionRow>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT id, token_hash, created_at, last_seen_at, expires_at, client, user_agent
                 FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL
                 AND expires_at > $3 ORDER BY last_seen_at DESC, id DESC",
                &[&tenant_id, &user_id, &now],
            )
            .await?
            .iter()
            .map(|r| SessionRow {
                id: r.get(0),
                token_hash: r.get(1),
                created_at: r.get(2),
                last_seen_at: r.get(3),
                expires_at: r.get(4),
                client: r.get(5),
                user_agent: r.get(6),
            })
            .collect())
    }

    async fn end_sessions(
        &self,
        tenant_id: i64,
        user_id: i64,
        which: EndSessions,
    ) -> StoreResult<Vec<String>> {
        let db = self.client().await?;
        match which {
            EndSessions::One(id) => revoke(&db, tenant_id, user_id, "id = $3", &id).await,
            EndSessions::AllBut(keep) => {
                revoke(
                    &db,
                    tenant_id,
                    user_id,
                    "token_hash IS DISTINCT FROM $3",
                    &keep,
                )
                .await
            }
        }
    }

    async fn set_disabled(
        &self,
        tenant_id: i64,
        user_id: i64,
        disabled: bool,
    ) -> StoreResult<Vec<String>> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE users SET disabled = $3 WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &user_id, &disabled],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        let ended = if disabled {
            revoke_all(&tx, tenant_id, user_id).await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        Ok(ended)
    }

    async fn set_role(
        &self,
        tenant_id: i64,
        user_id: i64,
        role: fieldesk_core::Role,
    ) -> StoreResult<Vec<String>> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE users SET role = $3 WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &user_id, &role.as_str()],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        let ended = revoke_all(&tx, tenant_id, user_id).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn log_security_event(&self, tenant_id: i64, e: NewSecurityEvent) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO security_events (tenant_id, at, kind, username, client, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &tenant_id,
                &now(),
                &e.kind.as_str(),
                &e.username,
                &e.client,
                &e.detail,
            ],
        )
        .await?;
        Ok(())
    }

    async fn security_events(
        &self,
        tenant_id: i64,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<SecurityEvent>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT id, at, kind, username, client, detail FROM security_events
                 WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                &[&tenant_id, &before.unwrap_or(i64::MAX), &i64::from(limit)],
            )
            .await?
            .iter()
            .filter_map(|r| {
                Some(SecurityEvent {
                    id: r.get(0),
                    at: r.get(1),
                    kind: SecurityEventKind::parse(r.get(2))?,
                    username: r.get(3),
                    client: r.get(4),
                    detail: r.get(5),
                })
            })
            .collect())
    }

    async fn purge(&self, sessions_before: i64, visitors_before: i64) -> StoreResult<Purged> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let sessions = tx
            .execute(
                "DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1",
                &[&sessions_before],
            )
            .await?;
        // Visitors who never wrote: their conversations hold at most
        // system notices (none from the visitor, the bot or an agent).
        let idle: Vec<i64> = tx
            .query(
                "SELECT v.id FROM visitors v WHERE v.created_at < $1
                 AND NOT EXISTS (SELECT 1 FROM conversations c JOIN messages m ON m.conversation_id = c.id
                                 WHERE c.visitor_id = v.id AND m.author_kind <> 'system')",
                &[&visitors_before],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let empty = "SELECT id FROM conversations WHERE visitor_id = ANY($1)";
        for table in ["messages", "surveys", "conversation_agents"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE conversation_id IN ({empty})"),
                &[&idle],
            )
            .await?;
        }
        tx.execute(
            "DELETE FROM conversations WHERE visitor_id = ANY($1)",
            &[&idle],
        )
        .await?;
        let visitors = tx
            .execute("DELETE FROM visitors WHERE id = ANY($1)", &[&idle])
            .await?;
        tx.commit().await?;
        Ok(Purged {
            sessions: usize::try_from(sessions).unwrap_or(usize::MAX),
            visitors: usize::try_from(visitors).unwrap_or(usize::MAX),
        })
    }
}
