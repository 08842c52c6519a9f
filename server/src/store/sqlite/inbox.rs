//! [`InboxStore`] on SQLite.

use std::collections::HashMap;

use async_trait::async_trait;
use fieldesk_core::email::auto::Origin;
use fieldesk_core::email::outgoing::SendStatus;
use fieldesk_core::email::part::{AttachmentInfo, Direction, MailOrigin, MailPart};
use fieldesk_core::email::quarantine::{QuarantineReason, QuarantinedMail};
use fieldesk_core::email::threading::{Known, KnownConversation, Lookups};
use rusqlite::{OptionalExtension, Transaction, params, params_from_iter};

use super::SqliteStore;
use super::chat::{MESSAGE_COLUMNS, message_from_row};
use crate::store::columns::{contact_key, origin};
use crate::store::inbox::{
    Import, ImportContent, Imported, InboxStore, MailPosition, NewMail, Placement,
};
use crate::store::json::{from_json, to_json};
use crate::store::{StoreError, StoreResult};

fn set_position(tx: &Transaction<'_>, import: &Import) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO mail_positions (mailbox_id, folder, uid_validity, last_uid)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (mailbox_id, folder) DO UPDATE SET
           last_uid = CASE WHEN uid_validity = excluded.uid_validity
                           THEN max(last_uid, excluded.last_uid) ELSE excluded.last_uid END,
           uid_validity = excluded.uid_validity",
        params![
            import.mailbox_id,
            import.folder,
            import.position.uid_validity,
            import.position.last_uid
        ],
    )?;
    Ok(())
}

/// The contact's visitor row: one per address and tenant (named by the
/// newest mail that gave a name).
pub(super) fn contact_visitor(
    tx: &Transaction<'_>,
    tenant_id: i64,
    address: &str,
    name: Option<&str>,
    at: i64,
) -> StoreResult<i64> {
    let key = contact_key(tenant_id, address);
    Ok(tx.query_row(
        "INSERT INTO visitors (tenant_id, token_hash, name, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (token_hash) DO UPDATE SET
           name = CASE WHEN ?5 THEN excluded.name ELSE name END
         RETURNING id",
        params![tenant_id, key, name.unwrap_or(address), at, name.is_some()],
        |r| r.get(0),
    )?)
}

fn place(
    tx: &Transaction<'_>,
    tenant_id: i64,
    mailbox_id: i64,
    mail: &NewMail,
    placement: &Placement,
    at: i64,
) -> StoreResult<(i64, bool)> {
    match placement {
        Placement::Join { conversation_id } => {
            let found: Option<i64> = tx
                .query_row(
                    "SELECT id FROM conversations
                     WHERE tenant_id = ?1 AND id = ?2 AND channel = 'email'",
                    params![tenant_id, conversation_id],
                    |r| r.get(0),
                )
                .optional()?;
            let id = found.ok_or_else(|| {
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
                contact_visitor(tx, tenant_id, &mail.from, mail.from_name.as_deref(), at)?;
            tx.execute(
                "INSERT INTO conversations (tenant_id, visitor_id, state, locale, queued_at,
                 contact_name, contact, created_at, updated_at, group_id, channel, mailbox_id,
                 subject, linked_to)
                 VALUES (?1, ?2, ?11, ?3, CASE WHEN ?11 = 'queued' THEN ?4 END, ?5, ?6, ?4, ?4, ?7,
                 'email', ?8, ?9, ?10)",
                params![
                    tenant_id,
                    visitor_id,
                    locale.tag(),
                    at,
                    mail.from_name,
                    mail.from,
                    group_id,
                    mailbox_id,
                    mail.subject,
                    linked_to,
                    if *open { "queued" } else { "closed" }
                ],
            )?;
            Ok((tx.last_insert_rowid(), true))
        }
    }
}

fn add_mail(
    tx: &Transaction<'_>,
    tenant_id: i64,
    conversation_id: i64,
    raw_id: i64,
    mail: &NewMail,
    participants: &[String],
    at: i64,
) -> StoreResult<i64> {
    tx.execute(
        "INSERT INTO messages (tenant_id, conversation_id, author_kind, author_name, body,
         locale, created_at)
         SELECT ?1, ?2, 'visitor', ?3, ?4, locale, ?5 FROM conversations WHERE id = ?2",
        params![
            tenant_id,
            conversation_id,
            mail.from_name.as_deref().unwrap_or(&mail.from),
            mail.text,
            at
        ],
    )?;
    let message_id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO mail_messages (message_id, tenant_id, conversation_id, raw_id, direction,
         header_id, from_address, from_name, to_addresses, cc_addresses, subject, html, origin,
         too_large)
         VALUES (?1, ?2, ?3, ?4, 'in', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            message_id,
            tenant_id,
            conversation_id,
            raw_id,
            mail.header_id,
            mail.from,
            mail.from_name,
            to_json(&mail.to),
            to_json(&mail.cc),
            mail.subject,
            mail.html,
            origin(mail.origin),
            mail.too_large.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
        ],
    )?;
    for address in participants {
        tx.execute(
            "INSERT OR IGNORE INTO mail_participants (conversation_id, address) VALUES (?1, ?2)",
            params![conversation_id, address],
        )?;
    }
    insert_attachments(tx, tenant_id, message_id, &mail.attachments)?;
    // An auto-reply or a bounce is kept but is not activity.
    if mail.origin == Origin::Person {
        tx.execute(
            "UPDATE conversations SET updated_at = ?2 WHERE id = ?1",
            params![conversation_id, at],
        )?;
    }
    Ok(message_id)
}

/// Keeps a stored raw mail as a message, or in the quarantine.
fn keep(
    tx: &Transaction<'_>,
    tenant_id: i64,
    mailbox_id: i64,
    raw_id: i64,
    content: &ImportContent,
    at: i64,
) -> StoreResult<Imported> {
    Ok(match content {
        ImportContent::Quarantine(u) => {
            tx.execute(
                "INSERT INTO mail_quarantine (tenant_id, mailbox_id, raw_id, error, created_at,
                 reason, from_address, subject)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    tenant_id,
                    mailbox_id,
                    raw_id,
                    u.error,
                    at,
                    u.reason.as_str(),
                    u.from,
                    u.subject
                ],
            )?;
            Imported::Quarantined {
                id: tx.last_insert_rowid(),
            }
        }
        ImportContent::Mail {
            mail,
            placement,
            participants,
        } => {
            let (conversation_id, new_conversation) =
                place(tx, tenant_id, mailbox_id, mail, placement, at)?;
            let id = add_mail(
                tx,
                tenant_id,
                conversation_id,
                raw_id,
                mail,
                participants,
                at,
            )?;
            let message = tx.query_row(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
                [id],
                message_from_row,
            )?;
            Imported::Added {
                conversation_id,
                message,
                new_conversation,
            }
        }
    })
}

#[async_trait]
impl InboxStore for SqliteStore {
    async fn mail_position(
        &self,
        mailbox_id: i64,
        folder: &str,
    ) -> StoreResult<Option<MailPosition>> {
        let folder = folder.to_owned();
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT uid_validity, last_uid FROM mail_positions
                     WHERE mailbox_id = ?1 AND folder = ?2",
                    params![mailbox_id, folder],
                    |r| {
                        Ok(MailPosition {
                            uid_validity: r.get(0)?,
                            last_uid: r.get(1)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn set_mail_position(
        &self,
        mailbox_id: i64,
        folder: &str,
        position: MailPosition,
    ) -> StoreResult<()> {
        let folder = folder.to_owned();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO mail_positions (mailbox_id, folder, uid_validity, last_uid)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (mailbox_id, folder) DO UPDATE SET
                   uid_validity = excluded.uid_validity, last_uid = excluded.last_uid",
                params![mailbox_id, folder, position.uid_validity, position.last_uid],
            )?;
            Ok(())
        })
        .await
    }

    async fn mail_key(&self, tenant_id: i64, make: String, at: i64) -> StoreResult<String> {
        self.write(move |conn| {
            conn.execute(
                "INSERT OR IGNORE INTO mail_keys (tenant_id, sealed, created_at) VALUES (?1, ?2, ?3)",
                params![tenant_id, make, at],
            )?;
            Ok(conn.query_row(
                "SELECT sealed FROM mail_keys WHERE tenant_id = ?1",
                [tenant_id],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn known_threads(&self, tenant_id: i64, lookups: Lookups) -> StoreResult<Known> {
        self.read(move |conn| {
            let mut message_ids = HashMap::new();
            if !lookups.message_ids.is_empty() {
                let marks = vec!["?"; lookups.message_ids.len()].join(", ");
                let mut stmt = conn.prepare(&format!(
                    "SELECT header_id, conversation_id FROM mail_messages
                     WHERE tenant_id = ? AND header_id IN ({marks})"
                ))?;
                let args = std::iter::once(rusqlite::types::Value::from(tenant_id)).chain(
                    lookups
                        .message_ids
                        .iter()
                        .map(|i| rusqlite::types::Value::from(i.clone())),
                );
                let mut rows = stmt.query(params_from_iter(args))?;
                while let Some(r) = rows.next()? {
                    message_ids.insert(r.get::<_, String>(0)?, r.get::<_, i64>(1)?);
                }
            }
            let mut named: Vec<i64> = lookups.conversation_ids.clone();
            named.extend(message_ids.values().copied());
            named.sort_unstable();
            named.dedup();
            let mut conversations: Vec<KnownConversation> = Vec::new();
            let mut thread = conn.prepare_cached(
                "SELECT c.id, c.contact, c.linked_to, c.state FROM conversations c
                 WHERE c.tenant_id = ?1 AND c.channel = 'email'
                   AND (c.id = ?2 OR c.linked_to = ?2)",
            )?;
            let mut root_of = conn.prepare_cached(
                "SELECT coalesce(linked_to, id) FROM conversations
                 WHERE tenant_id = ?1 AND id = ?2 AND channel = 'email'",
            )?;
            let mut people = conn.prepare_cached(
                "SELECT address FROM mail_participants WHERE conversation_id = ?1 ORDER BY address",
            )?;
            let mut roots: Vec<i64> = Vec::new();
            for id in named {
                if let Some(root) = root_of
                    .query_row(params![tenant_id, id], |r| r.get::<_, i64>(0))
                    .optional()?
                    && !roots.contains(&root)
                {
                    roots.push(root);
                }
            }
            for root in roots {
                let rows: Vec<(i64, Option<String>, Option<i64>, String)> = thread
                    .query_map(params![tenant_id, root], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })?
                    .collect::<Result<_, _>>()?;
                for (id, contact, linked_to, state) in rows {
                    let participants = people
                        .query_map([id], |r| r.get::<_, String>(0))?
                        .collect::<Result<Vec<_>, _>>()?;
                    conversations.push(KnownConversation {
                        id,
                        contact: contact.unwrap_or_default(),
                        participants,
                        open: state != "closed",
                        linked_to,
                    });
                }
            }
            Ok(Known {
                message_ids,
                conversations,
            })
        })
        .await
    }

    async fn import_mail(&self, tenant_id: i64, import: Import) -> StoreResult<Imported> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let size = i64::try_from(import.raw.size).unwrap_or(i64::MAX);
            let added = tx.execute(
                "INSERT INTO mail_raw (tenant_id, mailbox_id, dedup_key, sha256, size, raw,
                 received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (mailbox_id, dedup_key) DO NOTHING",
                params![
                    tenant_id,
                    import.mailbox_id,
                    import.raw.dedup_key,
                    import.raw.sha256,
                    size,
                    import.raw.bytes,
                    import.at
                ],
            )?;
            if added == 0 {
                set_position(&tx, &import)?;
                tx.commit()?;
                return Ok(Imported::Duplicate);
            }
            let raw_id = tx.last_insert_rowid();
            let imported = keep(
                &tx,
                tenant_id,
                import.mailbox_id,
                raw_id,
                &import.content,
                import.at,
            )?;
            set_position(&tx, &import)?;
            tx.commit()?;
            Ok(imported)
        })
        .await
    }

    async fn quarantine(&self, tenant_id: i64) -> StoreResult<Vec<QuarantinedMail>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT q.id, q.mailbox_id, q.error, r.size, q.created_at, q.reason,
                 q.from_address, q.subject
                 FROM mail_quarantine q JOIN mail_raw r ON r.id = q.raw_id
                 WHERE q.tenant_id = ?1 AND q.resolved_at IS NULL ORDER BY q.id",
            )?;
            let rows = stmt
                .query_map([tenant_id], |r| {
                    Ok(QuarantinedMail {
                        id: r.get(0)?,
                        mailbox_id: r.get(1)?,
                        error: r.get(2)?,
                        size: u64::try_from(r.get::<_, i64>(3)?).unwrap_or_default(),
                        created_at: r.get(4)?,
                        reason: QuarantineReason::parse(&r.get::<_, String>(5)?),
                        from: r.get(6)?,
                        subject: r.get(7)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn quarantined_raw(
        &self,
        tenant_id: i64,
        id: i64,
    ) -> StoreResult<Option<(i64, Vec<u8>)>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT q.mailbox_id, r.raw FROM mail_quarantine q JOIN mail_raw r ON r.id = q.raw_id
                     WHERE q.tenant_id = ?1 AND q.id = ?2 AND q.resolved_at IS NULL",
                    params![tenant_id, id],
                    |r| Ok((r.get(0)?, r.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default())),
                )
                .optional()?)
        })
        .await
    }

    async fn retry_quarantined(
        &self,
        tenant_id: i64,
        id: i64,
        content: ImportContent,
        at: i64,
    ) -> StoreResult<Imported> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let Some((mailbox_id, raw_id)) = tx
                .query_row(
                    "SELECT mailbox_id, raw_id FROM mail_quarantine
                     WHERE tenant_id = ?1 AND id = ?2 AND resolved_at IS NULL",
                    params![tenant_id, id],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?
            else {
                return Err(StoreError::NotFound(format!("quarantined mail {id}")));
            };
            let imported = match &content {
                ImportContent::Quarantine(u) => {
                    tx.execute(
                        "UPDATE mail_quarantine SET error = ?2, reason = ?3,
                         from_address = coalesce(?4, from_address), subject = coalesce(?5, subject)
                         WHERE id = ?1",
                        params![id, u.error, u.reason.as_str(), u.from, u.subject],
                    )?;
                    Imported::Quarantined { id }
                }
                ImportContent::Mail { .. } => {
                    tx.execute(
                        "UPDATE mail_quarantine SET resolved_at = ?2 WHERE id = ?1",
                        params![id, at],
                    )?;
                    keep(&tx, tenant_id, mailbox_id, raw_id, &content, at)?
                }
            };
            tx.commit()?;
            Ok(imported)
        })
        .await
    }

    async fn mail_parts(&self, tenant_id: i64, conversation_id: i64) -> StoreResult<Vec<MailPart>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT m.message_id, m.direction, m.from_address, m.from_name, m.to_addresses,
                 m.cc_addresses, m.subject, m.origin, o.status, o.detail, m.too_large,
                 m.html IS NOT NULL
                 FROM mail_messages m LEFT JOIN mail_outbox o ON o.message_id = m.message_id
                 WHERE m.tenant_id = ?1 AND m.conversation_id = ?2 ORDER BY m.message_id",
            )?;
            let mut files = conn.prepare_cached(
                "SELECT sha256, filename, content_type, content_id, size
                 FROM mail_message_attachments WHERE message_id = ?1 ORDER BY rowid",
            )?;
            let mut rows = stmt.query(params![tenant_id, conversation_id])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let message_id: i64 = r.get(0)?;
                let attachments = files
                    .query_map([message_id], |f| {
                        Ok(AttachmentInfo {
                            sha256: f.get(0)?,
                            filename: f.get(1)?,
                            content_type: f.get(2)?,
                            content_id: f.get(3)?,
                            size: u64::try_from(f.get::<_, i64>(4)?).unwrap_or_default(),
                        })
                    })?
                    .collect::<Result<_, _>>()?;
                let direction: String = r.get(1)?;
                let origin: String = r.get(7)?;
                out.push(MailPart {
                    message_id,
                    direction: if direction == "out" {
                        Direction::Out
                    } else {
                        Direction::In
                    },
                    from: r.get(2)?,
                    from_name: r.get(3)?,
                    to: from_json(&r.get::<_, String>(4)?)?,
                    cc: from_json(&r.get::<_, String>(5)?)?,
                    subject: r.get(6)?,
                    origin: match origin.as_str() {
                        "auto_reply" => MailOrigin::AutoReply,
                        "bounce" => MailOrigin::Bounce,
                        _ => MailOrigin::Person,
                    },
                    status: r
                        .get::<_, Option<String>>(8)?
                        .and_then(|s| SendStatus::parse(&s)),
                    status_detail: r.get(9)?,
                    too_large: r
                        .get::<_, Option<i64>>(10)?
                        .and_then(|s| u64::try_from(s).ok()),
                    has_html: r.get(11)?,
                    attachments,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn mail_html(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message_id: i64,
    ) -> StoreResult<Option<String>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT html FROM mail_messages
                     WHERE tenant_id = ?1 AND conversation_id = ?2 AND message_id = ?3",
                    params![tenant_id, conversation_id, message_id],
                    |r| r.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten())
        })
        .await
    }

    async fn mail_attachment(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message_id: i64,
        sha256: &str,
    ) -> StoreResult<Option<(String, String, Vec<u8>)>> {
        let sha256 = sha256.to_owned();
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT f.filename, f.content_type, a.content
                     FROM mail_message_attachments f
                     JOIN mail_messages m ON m.message_id = f.message_id
                     JOIN mail_attachments a ON a.tenant_id = m.tenant_id AND a.sha256 = f.sha256
                     WHERE m.tenant_id = ?1 AND m.conversation_id = ?2 AND f.message_id = ?3
                       AND f.sha256 = ?4",
                    params![tenant_id, conversation_id, message_id, sha256],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
        })
        .await
    }
}

/// A mail's files: each content once per tenant (by hash), named per mail.
pub(super) fn insert_attachments(
    tx: &rusqlite::Transaction<'_>,
    tenant_id: i64,
    message_id: i64,
    attachments: &[crate::store::inbox::MailAttachment],
) -> rusqlite::Result<()> {
    for a in attachments {
        let size = i64::try_from(a.bytes.len()).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT OR IGNORE INTO mail_attachments (tenant_id, sha256, size, content)
             VALUES (?1, ?2, ?3, ?4)",
            params![tenant_id, a.sha256, size, a.bytes],
        )?;
        tx.execute(
            "INSERT INTO mail_message_attachments (message_id, sha256, filename, content_type,
             content_id, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                message_id,
                a.sha256,
                a.filename,
                a.content_type,
                a.content_id,
                size
            ],
        )?;
    }
    Ok(())
}
