//! [`OutboxStore`] on PostgreSQL (`0010_email.sql`). Queuing a mail takes
//! a transaction-level advisory lock on its client key, so a retry racing
//! the first finds it; a conversation's mail is added with its row locked.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::PgStore;
use super::chat::{MESSAGE_COLUMNS, insert_message, message_from_row};
use super::inbox::{add_participants, contact_visitor, insert_attachments};
use crate::store::chat::NewMessage;
use crate::store::json::{from_json, to_json};
use crate::store::outbox::{
    DueMail, MailBuilder, MailThread, OutMail, OutTarget, OutboxStore, SendResult,
};
use crate::store::{StoreError, StoreResult};

#[async_trait]
impl OutboxStore for PgStore {
    async fn queue_mail(
        &self,
        tenant_id: i64,
        target: OutTarget,
        client_key: String,
        message: NewMessage,
        build: MailBuilder,
        at: i64,
    ) -> StoreResult<(fieldesk_core::chat::ChatMessage, bool)> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('outbox:' || $1::BIGINT || ':' || $2, 0))",
            &[&tenant_id, &client_key],
        )
        .await?;
        let existing = tx
            .query_opt(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id =
                     (SELECT message_id FROM mail_outbox WHERE tenant_id = $1 AND client_key = $2)"
                ),
                &[&tenant_id, &client_key],
            )
            .await?;
        if let Some(existing) = existing {
            return Ok((message_from_row(&existing)?, false));
        }
        let conversation_id: i64 = match &target {
            OutTarget::Conversation { conversation_id } => tx
                .query_opt(
                    "SELECT id FROM conversations
                     WHERE tenant_id = $1 AND id = $2 AND channel = 'email' FOR UPDATE",
                    &[&tenant_id, conversation_id],
                )
                .await?
                .map(|r| r.get(0))
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
                let visitor_id = contact_visitor(&tx, tenant_id, contact, None, at).await?;
                tx.query_one(
                    "INSERT INTO conversations (tenant_id, visitor_id, state, agent_id, locale,
                     contact, created_at, updated_at, channel, mailbox_id, subject)
                     VALUES ($1, $2, 'human', $3, $4, $5, $6, $6, 'email', $7, $8) RETURNING id",
                    &[
                        &tenant_id,
                        &visitor_id,
                        agent_id,
                        &locale.tag(),
                        contact,
                        &at,
                        mailbox_id,
                        subject,
                    ],
                )
                .await?
                .get(0)
            }
            OutTarget::Transcript {
                conversation_id,
                max,
            } => {
                // A chat's mail in the outbox is its transcripts; counted
                // with the chat locked, so two keys at once cannot pass `max`.
                let sent: i64 = tx
                    .query_opt(
                        "SELECT (SELECT count(*) FROM mail_outbox WHERE conversation_id = c.id)
                         FROM conversations c
                         WHERE c.tenant_id = $1 AND c.id = $2 AND c.channel <> 'email'
                         FOR UPDATE OF c",
                        &[&tenant_id, conversation_id],
                    )
                    .await?
                    .map(|r| r.get(0))
                    .ok_or_else(|| StoreError::NotFound(format!("chat {conversation_id}")))?;
                if sent >= i64::from(*max) {
                    return Err(StoreError::Conflict(format!(
                        "chat {conversation_id} has had {sent} transcripts"
                    )));
                }
                *conversation_id
            }
        };
        let transcript = matches!(target, OutTarget::Transcript { .. });
        let mail = build(conversation_id).map_err(StoreError::invalid)?;
        let (stored, _) = insert_message(&tx, tenant_id, conversation_id, message).await?;
        if !transcript {
            thread_mail(&tx, tenant_id, conversation_id, stored.id, &mail).await?;
        }
        let recipients: Vec<&String> = mail.to.iter().chain(&mail.cc).collect();
        tx.execute(
            "INSERT INTO mail_outbox (message_id, tenant_id, mailbox_id, conversation_id,
             client_key, envelope_from, recipients, raw, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &stored.id,
                &tenant_id,
                &mail.mailbox_id,
                &conversation_id,
                &client_key,
                &mail.from,
                &to_json(&recipients),
                &mail.raw,
                &at,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok((stored, true))
    }

    async fn mail_thread(&self, tenant_id: i64, conversation_id: i64) -> StoreResult<MailThread> {
        let db = self.client().await?;
        let rows = db
            .query(
                "SELECT header_id, direction, to_addresses, cc_addresses FROM mail_messages
                 WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY message_id",
                &[&tenant_id, &conversation_id],
            )
            .await?;
        let mut thread = MailThread::default();
        for r in rows {
            if r.get::<_, &str>(1) == "in" {
                let mut wrote_to: Vec<String> = from_json(r.get(2))?;
                wrote_to.extend(from_json::<Vec<String>>(r.get(3))?);
                thread.wrote_to = wrote_to;
            }
            if let Some(id) = r.get::<_, Option<String>>(0) {
                thread.last_id = Some(id.clone());
                thread.header_ids.push(id);
            }
        }
        Ok(thread)
    }

    async fn due_mail(&self, now: i64, limit: u32) -> StoreResult<Vec<DueMail>> {
        let db = self.client().await?;
        db.query(
            "SELECT message_id, tenant_id, mailbox_id, conversation_id, envelope_from,
             recipients, raw, attempts FROM mail_outbox
             WHERE status = 'queued' AND next_attempt_at <= $1
             ORDER BY next_attempt_at, message_id LIMIT $2",
            &[&now, &i64::from(limit)],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(DueMail {
                message_id: r.get(0),
                tenant_id: r.get(1),
                mailbox_id: r.get(2),
                conversation_id: r.get(3),
                envelope_from: r.get(4),
                recipients: from_json(r.get(5))?,
                raw: r.get(6),
                attempts: u32::try_from(r.get::<_, i64>(7)).unwrap_or(u32::MAX),
            })
        })
        .collect()
    }

    async fn next_due(&self) -> StoreResult<Option<i64>> {
        let db = self.client().await?;
        Ok(db
            .query_one(
                "SELECT min(next_attempt_at) FROM mail_outbox WHERE status = 'queued'",
                &[],
            )
            .await?
            .get(0))
    }

    async fn record_send(&self, message_id: i64, result: SendResult, at: i64) -> StoreResult<()> {
        let db = self.client().await?;
        record(&db, Queue::Outbox, message_id, result, at).await
    }

    async fn wake_outbox(&self, mailbox_id: i64, at: i64) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "UPDATE mail_outbox SET next_attempt_at = LEAST(next_attempt_at, $2)
             WHERE mailbox_id = $1 AND status = 'queued'",
            &[&mailbox_id, &at],
        )
        .await?;
        Ok(())
    }

    async fn mark_bounced(
        &self,
        tenant_id: i64,
        header_id: &str,
        detail: &str,
    ) -> StoreResult<Option<(i64, i64)>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "UPDATE mail_outbox SET status = 'failed', detail = $3
                 WHERE tenant_id = $1 AND message_id IN (
                   SELECT message_id FROM mail_messages
                   WHERE tenant_id = $1 AND header_id = $2 AND direction = 'out')
                 RETURNING conversation_id, message_id",
                &[&tenant_id, &header_id, &detail],
            )
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }
}

/// Keeps a sent mail in its email thread: its head, the agent's files, and
/// its recipients as the conversation's participants.
async fn thread_mail(
    tx: &impl GenericClient,
    tenant_id: i64,
    conversation_id: i64,
    message_id: i64,
    mail: &OutMail,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO mail_messages (message_id, tenant_id, conversation_id, direction,
         header_id, from_address, from_name, to_addresses, cc_addresses, subject, html)
         VALUES ($1, $2, $3, 'out', $4, $5, $6, $7, $8, $9, $10)",
        &[
            &message_id,
            &tenant_id,
            &conversation_id,
            &mail.header_id,
            &mail.from,
            &mail.from_name,
            &to_json(&mail.to),
            &to_json(&mail.cc),
            &mail.subject,
            &mail.html,
        ],
    )
    .await?;
    insert_attachments(tx, tenant_id, message_id, &mail.attachments).await?;
    add_participants(tx, conversation_id, mail.to.iter().chain(&mail.cc)).await
}

/// A queue of built mail: conversation mail, or the mall's own.
#[derive(Clone, Copy)]
pub(super) enum Queue {
    Outbox,
    Mall,
}

/// Writes what a send attempt did to a queued mail of `queue`.
pub(super) async fn record(
    db: &impl GenericClient,
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
        SendResult::Sent { answer } => {
            db.execute(
                &format!(
                    "UPDATE {table} SET status = 'sent', attempts = attempts + 1, detail = $2,
                     sent_at = $3 WHERE {key} = $1"
                ),
                &[&id, &answer, &at],
            )
            .await?
        }
        SendResult::Retry { error, next_at } => {
            db.execute(
                &format!(
                    "UPDATE {table} SET attempts = attempts + 1, detail = $2,
                     next_attempt_at = $3 WHERE {key} = $1 AND status = 'queued'"
                ),
                &[&id, &error, &next_at],
            )
            .await?
        }
        SendResult::Failed { error } => {
            db.execute(
                &format!(
                    "UPDATE {table} SET status = 'failed', attempts = attempts + 1,
                     detail = $2 WHERE {key} = $1"
                ),
                &[&id, &error],
            )
            .await?
        }
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use fieldesk_core::Locale;

    use super::*;
    use crate::store::contract::{agent_message, mail_builder, mailbox_body};
    use crate::store::mail::MailStore;
    use crate::store::pg::testing;
    use crate::store::tenants::TenantStore;

    /// A mail sent ten times at once with one client key (an agent's
    /// retries) is queued once, and every answer names that message.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_client_key_queues_one_mail_under_a_race() {
        let url = testing::fresh_database().await;
        let store = Arc::new(PgStore::connect(&url).await.unwrap());
        let tenant = store.create_tenant("a", "A", "A").await.unwrap().id;
        let agent = store
            .create_user(
                tenant,
                crate::store::NewUser {
                    username: "alice".into(),
                    display_name: "Alice".into(),
                    role: fieldesk_core::Role::Agent,
                    password_hash: "h".into(),
                },
            )
            .await
            .unwrap()
            .id;
        let mut body = mailbox_body("support@acme.test");
        body.smtp_password = Some("sealed".into());
        body.imap_password = Some("sealed".into());
        let mailbox = store
            .save_mailbox(tenant, None, body, 1)
            .await
            .unwrap()
            .mailbox
            .id;
        let sends: Vec<_> = (0..10)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .queue_mail(
                            tenant,
                            OutTarget::New {
                                mailbox_id: mailbox,
                                contact: "wang@customer.test".into(),
                                subject: "Quote".into(),
                                agent_id: agent,
                                locale: Locale::En,
                            },
                            "send-1".into(),
                            agent_message("hello", agent),
                            mail_builder(mailbox, "m1"),
                            1,
                        )
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut answers = vec![];
        for send in sends {
            answers.push(send.await.unwrap());
        }
        assert_eq!(answers.iter().filter(|(_, new)| *new).count(), 1);
        assert!(answers.iter().all(|(m, _)| m.id == answers[0].0.id));
        assert_eq!(store.due_mail(10, 100).await.unwrap().len(), 1);
    }
}
