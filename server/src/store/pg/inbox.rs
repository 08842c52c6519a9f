//! [`InboxStore`] on PostgreSQL (`0010_email.sql`). A mail joining a
//! conversation is added while the conversation's row is locked (message
//! ids in commit order, as chat's).

use std::collections::HashMap;

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use fieldesk_core::email::auto::Origin;
use fieldesk_core::email::outgoing::SendStatus;
use fieldesk_core::email::part::{AttachmentInfo, Direction, MailOrigin, MailPart};
use fieldesk_core::email::quarantine::{QuarantineReason, QuarantinedMail};
use fieldesk_core::email::threading::{Known, KnownConversation, Lookups};

use super::PgStore;
use super::chat::{MESSAGE_COLUMNS, message_from_row};
use crate::store::columns::{contact_key, origin};
use crate::store::inbox::{
    Import, ImportContent, Imported, InboxStore, MailAttachment, MailPosition, NewMail, Placement,
};
use crate::store::json::{from_json, to_json};
use crate::store::{StoreError, StoreResult};

async fn set_position(tx: &impl GenericClient, import: &Import) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO mail_positions (mailbox_id, folder, uid_validity, last_uid)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (mailbox_id, folder) DO UPDATE SET
           last_uid = CASE WHEN mail_positions.uid_validity = EXCLUDED.uid_validity
                           THEN GREATEST(mail_positions.last_uid, EXCLUDED.last_uid)
                           ELSE EXCLUDED.last_uid END,
           uid_validity = EXCLUDED.uid_validity",
        &[
            &import.mailbox_id,
            &import.folder,
            &i64::from(import.position.uid_validity),
            &i64::from(import.position.last_uid),
        ],
    )
    .await?;
    Ok(())
}

/// The contact's visitor row: one per address and tenant (named by the
/// newest mail that gave a name).
pub(super) async fn contact_visitor(
    tx: &impl GenericClient,
    tenant_id: i64,
    address: &str,
    name: Option<&str>,
    at: i64,
) -> StoreResult<i64> {
    let key = contact_key(tenant_id, address);
    Ok(tx
        .query_one(
            "INSERT INTO visitors (tenant_id, token_hash, name, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (token_hash) DO UPDATE SET
               name = CASE WHEN $5 THEN EXCLUDED.name ELSE visitors.name END
             RETURNING id",
            &[
                &tenant_id,
                &key,
                &name.unwrap_or(address),
                &at,
                &name.is_some(),
            ],
        )
        .await?
        .get(0))
}

async fn place(
    tx: &impl GenericClient,
    tenant_id: i64,
    mailbox_id: i64,
    mail: &NewMail,
    placement: &Placement,
    at: i64,
) -> StoreResult<(i64, bool)> {
    match placement {
        Placement::Join { conversation_id } => {
            let found = tx
                .query_opt(
                    "SELECT id FROM conversations
                     WHERE tenant_id = $1 AND id = $2 AND channel = 'email' FOR UPDATE",
                    &[&tenant_id, conversation_id],
                )
                .await?;
            let id = found.map(|r| r.get(0)).ok_or_else(|| {
                StoreError::NotFound(format!("email conversation {conversation_id}"))
            })?;
            Ok((id, false))
        }
        Placement::New {
            linked_to,
            group_id,
            locale,
            open,
        } => {
            let visitor_id =
                contact_visitor(tx, tenant_id, &mail.from, mail.from_name.as_deref(), at).await?;
            let state = if *open { "queued" } else { "closed" };
            let id: i64 = tx
                .query_one(
                    "INSERT INTO conversations (tenant_id, visitor_id, state, locale, queued_at,
                     contact_name, contact, created_at, updated_at, group_id, channel, mailbox_id,
                     subject, linked_to)
                     VALUES ($1, $2, $11, $3, CASE WHEN $11::TEXT = 'queued' THEN $4::BIGINT END, $5, $6, $4, $4,
                     $7, 'email', $8, $9, $10) RETURNING id",
                    &[
                        &tenant_id,
                        &visitor_id,
                        &locale.tag(),
                        &at,
                        &mail.from_name,
                        &mail.from,
                        group_id,
                        &mailbox_id,
                        &mail.subject,
                        linked_to,
                        &state,
                    ],
                )
                .await?
                .get(0);
            Ok((id, true))
        }
    }
}

async fn add_mail(
    tx: &impl GenericClient,
    tenant_id: i64,
    conversation_id: i64,
    raw_id: i64,
    mail: &NewMail,
    participants: &[String],
    at: i64,
) -> StoreResult<i64> {
    let message_id: i64 = tx
        .query_one(
            "INSERT INTO messages (tenant_id, conversation_id, author_kind, author_name, body,
             locale, created_at)
             SELECT $1, $2, 'visitor', $3, $4, locale, $5 FROM conversations WHERE id = $2
             RETURNING id",
            &[
                &tenant_id,
                &conversation_id,
                &mail.from_name.as_deref().unwrap_or(&mail.from),
                &mail.text,
                &at,
            ],
        )
        .await?
        .get(0);
    tx.execute(
        "INSERT INTO mail_messages (message_id, tenant_id, conversation_id, raw_id, direction,
         header_id, from_address, from_name, to_addresses, cc_addresses, subject, html, origin,
         too_large)
         VALUES ($1, $2, $3, $4, 'in', $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &[
            &message_id,
            &tenant_id,
            &conversation_id,
            &raw_id,
            &mail.header_id,
            &mail.from,
            &mail.from_name,
            &to_json(&mail.to),
            &to_json(&mail.cc),
            &mail.subject,
            &mail.html,
            &origin(mail.origin),
            &mail.too_large.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
        ],
    )
    .await?;
    add_participants(tx, conversation_id, participants.iter()).await?;
    insert_attachments(tx, tenant_id, message_id, &mail.attachments).await?;
    // An auto-reply or a bounce is kept but is not activity.
    if mail.origin == Origin::Person {
        tx.execute(
            "UPDATE conversations SET updated_at = $2 WHERE id = $1",
            &[&conversation_id, &at],
        )
        .await?;
    }
    Ok(message_id)
}

pub(super) async fn add_participants(
    tx: &impl GenericClient,
    conversation_id: i64,
    addresses: impl Iterator<Item = &String>,
) -> StoreResult<()> {
    for address in addresses {
        tx.execute(
            "INSERT INTO mail_participants (conversation_id, address) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            &[&conversation_id, address],
        )
        .await?;
    }
    Ok(())
}

/// Keeps a stored raw mail as a message, or in the quarantine.
async fn keep(
    tx: &impl GenericClient,
    tenant_id: i64,
    mailbox_id: i64,
    raw_id: i64,
    content: &ImportContent,
    at: i64,
) -> StoreResult<Imported> {
    Ok(match content {
        ImportContent::Quarantine(u) => {
            let id: i64 = tx
                .query_one(
                    "INSERT INTO mail_quarantine (tenant_id, mailbox_id, raw_id, error, created_at,
                     reason, from_address, subject)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    &[
                        &tenant_id,
                        &mailbox_id,
                        &raw_id,
                        &u.error,
                        &at,
                        &u.reason.as_str(),
                        &u.from,
                        &u.subject,
                    ],
                )
                .await?
                .get(0);
            Imported::Quarantined { id }
        }
        ImportContent::Mail {
            mail,
            placement,
            participants,
        } => {
            let (conversation_id, new_conversation) =
                place(tx, tenant_id, mailbox_id, mail, placement, at).await?;
            let id = add_mail(
                tx,
                tenant_id,
                conversation_id,
                raw_id,
                mail,
                participants,
                at,
            )
            .await?;
            let row = tx
                .query_one(
                    &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"),
                    &[&id],
                )
                .await?;
            Imported::Added {
                conversation_id,
                message: message_from_row(&row)?,
                new_conversation,
            }
        }
    })
}

#[async_trait]
impl InboxStore for PgStore {
    async fn mail_position(
        &self,
        mailbox_id: i64,
        folder: &str,
    ) -> StoreResult<Option<MailPosition>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT uid_validity, last_uid FROM mail_positions
                 WHERE mailbox_id = $1 AND folder = $2",
                &[&mailbox_id, &folder],
            )
            .await?
            .map(|r| MailPosition {
                uid_validity: u32::try_from(r.get::<_, i64>(0)).unwrap_or_default(),
                last_uid: u32::try_from(r.get::<_, i64>(1)).unwrap_or_default(),
            }))
    }

    async fn set_mail_position(
        &self,
        mailbox_id: i64,
        folder: &str,
        position: MailPosition,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO mail_positions (mailbox_id, folder, uid_validity, last_uid)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (mailbox_id, folder) DO UPDATE SET
               uid_validity = EXCLUDED.uid_validity, last_uid = EXCLUDED.last_uid",
            &[
                &mailbox_id,
                &folder,
                &i64::from(position.uid_validity),
                &i64::from(position.last_uid),
            ],
        )
        .await?;
        Ok(())
    }

    async fn mail_key(&self, tenant_id: i64, make: String, at: i64) -> StoreResult<String> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO mail_keys (tenant_id, sealed, created_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            &[&tenant_id, &make, &at],
        )
        .await?;
        Ok(db
            .query_one(
                "SELECT sealed FROM mail_keys WHERE tenant_id = $1",
                &[&tenant_id],
            )
            .await?
            .get(0))
    }

    async fn known_threads(&self, tenant_id: i64, lookups: Lookups) -> StoreResult<Known> {
        let db = self.client().await?;
        let mut message_ids = HashMap::new();
        if !lookups.message_ids.is_empty() {
            for r in db
                .query(
                    "SELECT header_id, conversation_id FROM mail_messages
                     WHERE tenant_id = $1 AND header_id = ANY($2)",
                    &[&tenant_id, &lookups.message_ids],
                )
                .await?
            {
                message_ids.insert(r.get::<_, String>(0), r.get::<_, i64>(1));
            }
        }
        let mut named: Vec<i64> = lookups.conversation_ids.clone();
        named.extend(message_ids.values().copied());
        named.sort_unstable();
        named.dedup();
        let mut roots: Vec<i64> = Vec::new();
        for id in named {
            if let Some(r) = db
                .query_opt(
                    "SELECT COALESCE(linked_to, id) FROM conversations
                     WHERE tenant_id = $1 AND id = $2 AND channel = 'email'",
                    &[&tenant_id, &id],
                )
                .await?
            {
                let root: i64 = r.get(0);
                if !roots.contains(&root) {
                    roots.push(root);
                }
            }
        }
        let mut conversations: Vec<KnownConversation> = Vec::new();
        for root in roots {
            let rows = db
                .query(
                    "SELECT c.id, c.contact, c.linked_to, c.state FROM conversations c
                     WHERE c.tenant_id = $1 AND c.channel = 'email'
                       AND (c.id = $2 OR c.linked_to = $2)
                     ORDER BY c.id",
                    &[&tenant_id, &root],
                )
                .await?;
            for r in rows {
                let id: i64 = r.get(0);
                let participants = db
                    .query(
                        "SELECT address FROM mail_participants WHERE conversation_id = $1
                         ORDER BY address COLLATE \"C\"",
                        &[&id],
                    )
                    .await?
                    .iter()
                    .map(|p| p.get(0))
                    .collect();
                conversations.push(KnownConversation {
                    id,
                    contact: r.get::<_, Option<String>>(1).unwrap_or_default(),
                    participants,
                    open: r.get::<_, &str>(3) != "closed",
                    linked_to: r.get(2),
                });
            }
        }
        Ok(Known {
            message_ids,
            conversations,
        })
    }

    async fn import_mail(&self, tenant_id: i64, import: Import) -> StoreResult<Imported> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let size = i64::try_from(import.raw.size).unwrap_or(i64::MAX);
        let added = tx
            .query_opt(
                "INSERT INTO mail_raw (tenant_id, mailbox_id, dedup_key, sha256, size, raw,
                 received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (mailbox_id, dedup_key) DO NOTHING RETURNING id",
                &[
                    &tenant_id,
                    &import.mailbox_id,
                    &import.raw.dedup_key,
                    &import.raw.sha256,
                    &size,
                    &import.raw.bytes,
                    &import.at,
                ],
            )
            .await?;
        let Some(row) = added else {
            set_position(&tx, &import).await?;
            tx.commit().await?;
            return Ok(Imported::Duplicate);
        };
        let raw_id: i64 = row.get(0);
        let imported = keep(
            &tx,
            tenant_id,
            import.mailbox_id,
            raw_id,
            &import.content,
            import.at,
        )
        .await?;
        set_position(&tx, &import).await?;
        tx.commit().await?;
        Ok(imported)
    }

    async fn quarantine(&self, tenant_id: i64) -> StoreResult<Vec<QuarantinedMail>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT q.id, q.mailbox_id, q.error, r.size, q.created_at, q.reason,
                 q.from_address, q.subject
                 FROM mail_quarantine q JOIN mail_raw r ON r.id = q.raw_id
                 WHERE q.tenant_id = $1 AND q.resolved_at IS NULL ORDER BY q.id",
                &[&tenant_id],
            )
            .await?
            .iter()
            .map(|r| QuarantinedMail {
                id: r.get(0),
                mailbox_id: r.get(1),
                error: r.get(2),
                size: u64::try_from(r.get::<_, i64>(3)).unwrap_or_default(),
                created_at: r.get(4),
                reason: QuarantineReason::parse(r.get(5)),
                from: r.get(6),
                subject: r.get(7),
            })
            .collect())
    }

    async fn quarantined_raw(
        &self,
        tenant_id: i64,
        id: i64,
    ) -> StoreResult<Option<(i64, Vec<u8>)>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT q.mailbox_id, r.raw FROM mail_quarantine q JOIN mail_raw r ON r.id = q.raw_id
                 WHERE q.tenant_id = $1 AND q.id = $2 AND q.resolved_at IS NULL",
                &[&tenant_id, &id],
            )
            .await?
            .map(|r| (r.get(0), r.get::<_, Option<Vec<u8>>>(1).unwrap_or_default())))
    }

    async fn retry_quarantined(
        &self,
        tenant_id: i64,
        id: i64,
        content: ImportContent,
        at: i64,
    ) -> StoreResult<Imported> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let Some(row) = tx
            .query_opt(
                "SELECT mailbox_id, raw_id FROM mail_quarantine
                 WHERE tenant_id = $1 AND id = $2 AND resolved_at IS NULL FOR UPDATE",
                &[&tenant_id, &id],
            )
            .await?
        else {
            return Err(StoreError::NotFound(format!("quarantined mail {id}")));
        };
        let (mailbox_id, raw_id): (i64, i64) = (row.get(0), row.get(1));
        let imported = match &content {
            ImportContent::Quarantine(u) => {
                tx.execute(
                    "UPDATE mail_quarantine SET error = $2, reason = $3,
                     from_address = COALESCE($4, from_address), subject = COALESCE($5, subject)
                     WHERE id = $1",
                    &[&id, &u.error, &u.reason.as_str(), &u.from, &u.subject],
                )
                .await?;
                Imported::Quarantined { id }
            }
            ImportContent::Mail { .. } => {
                tx.execute(
                    "UPDATE mail_quarantine SET resolved_at = $2 WHERE id = $1",
                    &[&id, &at],
                )
                .await?;
                keep(&tx, tenant_id, mailbox_id, raw_id, &content, at).await?
            }
        };
        tx.commit().await?;
        Ok(imported)
    }

    async fn mail_parts(&self, tenant_id: i64, conversation_id: i64) -> StoreResult<Vec<MailPart>> {
        let db = self.client().await?;
        let rows = db
            .query(
                "SELECT m.message_id, m.direction, m.from_address, m.from_name, m.to_addresses,
                 m.cc_addresses, m.subject, m.origin, o.status, o.detail, m.too_large,
                 m.html IS NOT NULL
                 FROM mail_messages m LEFT JOIN mail_outbox o ON o.message_id = m.message_id
                 WHERE m.tenant_id = $1 AND m.conversation_id = $2 ORDER BY m.message_id",
                &[&tenant_id, &conversation_id],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let message_id: i64 = r.get(0);
            let attachments = db
                .query(
                    "SELECT sha256, filename, content_type, content_id, size
                     FROM mail_message_attachments WHERE message_id = $1 ORDER BY position",
                    &[&message_id],
                )
                .await?
                .iter()
                .map(|f| AttachmentInfo {
                    sha256: f.get(0),
                    filename: f.get(1),
                    content_type: f.get(2),
                    content_id: f.get(3),
                    size: u64::try_from(f.get::<_, i64>(4)).unwrap_or_default(),
                })
                .collect();
            out.push(MailPart {
                message_id,
                direction: if r.get::<_, &str>(1) == "out" {
                    Direction::Out
                } else {
                    Direction::In
                },
                from: r.get(2),
                from_name: r.get(3),
                to: from_json(r.get(4))?,
                cc: from_json(r.get(5))?,
                subject: r.get(6),
                origin: match r.get::<_, &str>(7) {
                    "auto_reply" => MailOrigin::AutoReply,
                    "bounce" => MailOrigin::Bounce,
                    _ => MailOrigin::Person,
                },
                status: r.get::<_, Option<&str>>(8).and_then(SendStatus::parse),
                status_detail: r.get(9),
                too_large: r
                    .get::<_, Option<i64>>(10)
                    .and_then(|s| u64::try_from(s).ok()),
                has_html: r.get(11),
                attachments,
            });
        }
        Ok(out)
    }

    async fn mail_html(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message_id: i64,
    ) -> StoreResult<Option<String>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT html FROM mail_messages
                 WHERE tenant_id = $1 AND conversation_id = $2 AND message_id = $3",
                &[&tenant_id, &conversation_id, &message_id],
            )
            .await?
            .and_then(|r| r.get(0)))
    }

    async fn mail_attachment(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message_id: i64,
        sha256: &str,
    ) -> StoreResult<Option<(String, String, Vec<u8>)>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT f.filename, f.content_type, a.content
                 FROM mail_message_attachments f
                 JOIN mail_messages m ON m.message_id = f.message_id
                 JOIN mail_attachments a ON a.tenant_id = m.tenant_id AND a.sha256 = f.sha256
                 WHERE m.tenant_id = $1 AND m.conversation_id = $2 AND f.message_id = $3
                   AND f.sha256 = $4",
                &[&tenant_id, &conversation_id, &message_id, &sha256],
            )
            .await?
            .map(|r| (r.get(0), r.get(1), r.get(2))))
    }
}

/// A mail's files: each content once per tenant (by hash), named per mail.
pub(super) async fn insert_attachments(
    tx: &impl GenericClient,
    tenant_id: i64,
    message_id: i64,
    attachments: &[MailAttachment],
) -> StoreResult<()> {
    for a in attachments {
        let size = i64::try_from(a.bytes.len()).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO mail_attachments (tenant_id, sha256, size, content)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&tenant_id, &a.sha256, &size, &a.bytes],
        )
        .await?;
        tx.execute(
            "INSERT INTO mail_message_attachments (message_id, sha256, filename, content_type,
             content_id, size) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &message_id,
                &a.sha256,
                &a.filename,
                &a.content_type,
                &a.content_id,
                &size,
            ],
        )
        .await?;
    }
    Ok(())
}
