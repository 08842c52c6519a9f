//! [`OutboxStore`] on SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::chat::{MESSAGE_COLUMNS, insert_message, message_from_row};
use super::inbox::contact_visitor;
use crate::store::chat::NewMessage;
use crate::store::json::{from_json, to_json};
use crate::store::outbox::{
    DueMail, MailBuilder, MailThread, OutMail, OutTarget, OutboxStore, SendResult,
};
use crate::store::{StoreError, StoreResult};

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn queue_mail(
        &self,
        tenant_id: i64,
        target: OutTarget,
        client_key: String,
        message: NewMessage,
        build: MailBuilder,
        at: i64,
    ) -> StoreResult<(fieldesk_core::chat::ChatMessage, bool)> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let existing = tx
                .query_row(
                    &format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id =
                         (SELECT message_id FROM mail_outbox WHERE tenant_id = ?1 AND client_key = ?2)"
                    ),
                    params![tenant_id, client_key],
                    message_from_row,
                )
                .optional()?;
            if let Some(existing) = existing {
                return Ok((existing, false));
            }
            let conversation_id = match &target {
                OutTarget::Conversation { conversation_id } => tx
                    .query_row(
                        "SELECT id FROM conversations
                         WHERE tenant_id = ?1 AND id = ?2 AND channel = 'email'",
                        params![tenant_id, conversation_id],
                        |r| r.get::<_, i64>(0),
                    )
                    .optional()?
                    .ok_or_else(|| {
                        StoreError::NotFound(format!("email conversation {conversation_id}"))
                    })?,
                OutTarget::New {
                    mailbox_id,
                    contact,
                    subject,
                    agent_id,
                    locale,
                } => {
                    let visitor_id = contact_visitor(&tx, tenant_id, contact, None, at)?;
                    tx.execute(
                        "INSERT INTO conversations (tenant_id, visitor_id, state, agent_id, locale,
                         contact, created_at, updated_at, channel, mailbox_id, subject)
                         VALUES (?1, ?2, 'human', ?3, ?4, ?5, ?6, ?6, 'email', ?7, ?8)",
                        params![
                            tenant_id,
                            visitor_id,
                            agent_id,
                            locale.tag(),
                            contact,
                            at,
                            mailbox_id,
                            subject
                        ],
                    )?;
                    tx.last_insert_rowid()
                }
                OutTarget::Transcript {
                    conversation_id,
                    max,
                } => {
                    // A chat's mail in the outbox is its transcripts.
                    let sent = tx
                        .query_row(
                            "SELECT (SELECT count(*) FROM mail_outbox WHERE conversation_id = c.id)
                             FROM conversations c
                             WHERE c.tenant_id = ?1 AND c.id = ?2 AND c.channel <> 'email'",
                            params![tenant_id, conversation_id],
                            |r| r.get::<_, u32>(0),
                        )
                        .optional()?
                        .ok_or_else(|| StoreError::NotFound(format!("chat {conversation_id}")))?;
                    if sent >= *max {
                        return Err(StoreError::Conflict(format!(
                            "chat {conversation_id} has had {sent} transcripts"
                        )));
                    }
                    *conversation_id
                }
            };
            let transcript = matches!(target, OutTarget::Transcript { .. });
            let mail = build(conversation_id).map_err(StoreError::invalid)?;
            let (stored, _) = insert_message(&tx, tenant_id, conversation_id, message)?;
            if !transcript {
                thread_mail(&tx, tenant_id, conversation_id, stored.id, &mail)?;
            }
            let recipients: Vec<&String> = mail.to.iter().chain(&mail.cc).collect();
            tx.execute(
                "INSERT INTO mail_outbox (message_id, tenant_id, mailbox_id, conversation_id,
                 client_key, envelope_from, recipients, raw, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    stored.id,
                    tenant_id,
                    mail.mailbox_id,
                    conversation_id,
                    client_key,
                    mail.from,
                    to_json(&recipients),
                    mail.raw,
                    at
                ],
            )?;
            tx.commit()?;
            Ok((stored, true))
        })
        .await
    }

    async fn mail_thread(&self, tenant_id: i64, conversation_id: i64) -> StoreResult<MailThread> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT header_id, direction, to_addresses, cc_addresses FROM mail_messages
                 WHERE tenant_id = ?1 AND conversation_id = ?2 ORDER BY message_id",
            )?;
            let rows: Vec<(Option<String>, String, String, String)> = stmt
                .query_map(params![tenant_id, conversation_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect::<Result<_, _>>()?;
            let mut thread = MailThread::default();
            for (id, direction, to, cc) in rows {
                if direction == "in" {
                    let mut wrote_to: Vec<String> = from_json(&to)?;
                    wrote_to.extend(from_json::<Vec<String>>(&cc)?);
                    thread.wrote_to = wrote_to;
                }
                if let Some(id) = id {
                    thread.last_id = Some(id.clone());
                    thread.header_ids.push(id);
                }
            }
            Ok(thread)
        })
        .await
    }

    async fn due_mail(&self, now: i64, limit: u32) -> StoreResult<Vec<DueMail>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT message_id, tenant_id, mailbox_id, conversation_id, envelope_from,
                 recipients, raw, attempts FROM mail_outbox
                 WHERE status = 'queued' AND next_attempt_at <= ?1
                 ORDER BY next_attempt_at, message_id LIMIT ?2",
            )?;
            let mut rows = stmt.query(params![now, limit])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(DueMail {
                    message_id: r.get(0)?,
                    tenant_id: r.get(1)?,
                    mailbox_id: r.get(2)?,
                    conversation_id: r.get(3)?,
                    envelope_from: r.get(4)?,
                    recipients: from_json(&r.get::<_, String>(5)?)?,
                    raw: r.get(6)?,
                    attempts: r.get(7)?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn next_due(&self) -> StoreResult<Option<i64>> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT min(next_attempt_at) FROM mail_outbox WHERE status = 'queued'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn record_send(&self, message_id: i64, result: SendResult, at: i64) -> StoreResult<()> {
        self.write(move |conn| record(conn, Queue::Outbox, message_id, result, at))
            .await
    }

    async fn wake_outbox(&self, mailbox_id: i64, at: i64) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE mail_outbox SET next_attempt_at = min(next_attempt_at, ?2)
                 WHERE mailbox_id = ?1 AND status = 'queued'",
                params![mailbox_id, at],
            )?;
            Ok(())
        })
        .await
    }

    async fn mark_bounced(
        &self,
        tenant_id: i64,
        header_id: &str,
        detail: &str,
    ) -> StoreResult<Option<(i64, i64)>> {
        let (header_id, detail) = (header_id.to_owned(), detail.to_owned());
        self.write(move |conn| {
            Ok(conn
                .query_row(
                    "UPDATE mail_outbox SET status = 'failed', detail = ?3
                     WHERE tenant_id = ?1 AND message_id IN (
                       SELECT message_id FROM mail_messages
                       WHERE tenant_id = ?1 AND header_id = ?2 AND direction = 'out')
                     RETURNING conversation_id, message_id",
                    params![tenant_id, header_id, detail],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await
    }
}

/// Keeps a sent mail in its email thread: its head (the Message-ID that
/// replies thread on), the agent's files, and its recipients as the
/// conversation's participants.
fn thread_mail(
    tx: &rusqlite::Transaction<'_>,
    tenant_id: i64,
    conversation_id: i64,
    message_id: i64,
    mail: &OutMail,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO mail_messages (message_id, tenant_id, conversation_id, direction,
         header_id, from_address, from_name, to_addresses, cc_addresses, subject, html)
         VALUES (?1, ?2, ?3, 'out', ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            message_id,
            tenant_id,
            conversation_id,
            mail.header_id,
            mail.from,
            mail.from_name,
            to_json(&mail.to),
            to_json(&mail.cc),
            mail.subject,
            mail.html
        ],
    )?;
    super::inbox::insert_attachments(tx, tenant_id, message_id, &mail.attachments)?;
    for address in mail.to.iter().chain(&mail.cc) {
        tx.execute(
            "INSERT OR IGNORE INTO mail_participants (conversation_id, address) VALUES (?1, ?2)",
            params![conversation_id, address],
        )?;
    }
    Ok(())
}

/// A queue of built mail: conversation mail, or the mall's own.
#[derive(Clone, Copy)]
pub(super) enum Queue {
    Outbox,
    Mall,
}

/// Writes what a send attempt did to a queued mail of `queue`.
pub(super) fn record(
    conn: &rusqlite::Connection,
    queue: Queue,
    id: i64,
    result: SendResult,
    at: i64,
) -> StoreResult<()> {
    let (table, key) = match queue {
        Queue::Outbox => ("mail_outbox", "message_id"),
        Queue::Mall => ("mall_mail", "id"),
    };
    match result {
        SendResult::Sent { answer } => conn.execute(
            &format!(
                "UPDATE {table} SET status = 'sent', attempts = attempts + 1, detail = ?2,
                 sent_at = ?3 WHERE {key} = ?1"
            ),
            params![id, answer, at],
        )?,
        SendResult::Retry { error, next_at } => conn.execute(
            &format!(
                "UPDATE {table} SET attempts = attempts + 1, detail = ?2,
                 next_attempt_at = ?3 WHERE {key} = ?1 AND status = 'queued'"
            ),
            params![id, error, next_at],
        )?,
        SendResult::Failed { error } => conn.execute(
            &format!(
                "UPDATE {table} SET status = 'failed', attempts = attempts + 1,
                 detail = ?2 WHERE {key} = ?1"
            ),
            params![id, error],
        )?,
    };
    Ok(())
}
