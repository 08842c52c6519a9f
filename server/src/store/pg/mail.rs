//! [`MailStore`] on PostgreSQL (`0009_mailboxes.sql`).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use fieldesk_core::email::mailbox::{Mailbox, MailboxBody, Security, ServerSettings};
use tokio_postgres::Row;

use super::{PgStore, conflict_names};
use crate::store::json::{from_json, to_json};
use crate::store::mail::{MailStore, StoredMailbox};
use crate::store::{StoreError, StoreResult};

const COLUMNS: &str = "id, address, display_name, aliases, smtp_host, smtp_port, smtp_security,
    smtp_user, smtp_password, imap_host, imap_port, imap_security, imap_user, imap_password,
    imap_folder, max_message_bytes, group_ids, enabled, created_at, updated_at";

fn security(text: &str) -> StoreResult<Security> {
    Security::parse(text).ok_or_else(|| StoreError::invalid(format!("mail security {text}")))
}

fn from_row(r: &Row) -> StoreResult<StoredMailbox> {
    let server = |host: usize| -> StoreResult<ServerSettings> {
        Ok(ServerSettings {
            host: r.get(host),
            port: u16::try_from(r.get::<_, i32>(host + 1))
                .map_err(|e| StoreError::database("mail port", e))?,
            security: security(r.get(host + 2))?,
            user: r.get(host + 3),
        })
    };
    let smtp_password: String = r.get(8);
    let imap_password: String = r.get(13);
    Ok(StoredMailbox {
        mailbox: Mailbox {
            id: r.get(0),
            address: r.get(1),
            display_name: r.get(2),
            aliases: from_json(r.get(3))?,
            smtp: server(4)?,
            smtp_password_set: !smtp_password.is_empty(),
            imap: server(9)?,
            imap_password_set: !imap_password.is_empty(),
            imap_folder: r.get(14),
            max_message_bytes: u64::try_from(r.get::<_, i64>(15)).unwrap_or_default(),
            group_ids: from_json(r.get(16))?,
            enabled: r.get(17),
            created_at: r.get(18),
            updated_at: r.get(19),
        },
        smtp_password,
        imap_password,
    })
}

async fn load(
    db: &impl GenericClient,
    tenant_id: i64,
    id: i64,
) -> StoreResult<Option<StoredMailbox>> {
    db.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM mailboxes WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL"
        ),
        &[&tenant_id, &id],
    )
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

#[async_trait]
impl MailStore for PgStore {
    async fn mailboxes(&self, tenant_id: i64) -> StoreResult<Vec<StoredMailbox>> {
        let db = self.client().await?;
        db.query(
            &format!(
                "SELECT {COLUMNS} FROM mailboxes WHERE tenant_id = $1 AND deleted_at IS NULL
                 ORDER BY address COLLATE \"C\""
            ),
            &[&tenant_id],
        )
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    async fn mailbox(&self, tenant_id: i64, id: i64) -> StoreResult<Option<StoredMailbox>> {
        let db = self.client().await?;
        load(&db, tenant_id, id).await
    }

    async fn enabled_mailboxes(&self) -> StoreResult<Vec<(i64, StoredMailbox)>> {
        let db = self.client().await?;
        db.query(
            &format!(
                "SELECT {COLUMNS}, tenant_id FROM mailboxes
                 WHERE enabled AND deleted_at IS NULL ORDER BY id"
            ),
            &[],
        )
        .await?
        .iter()
        .map(|r| Ok((r.get(20), from_row(r)?)))
        .collect()
    }

    async fn save_mailbox(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        b: MailboxBody,
        at: i64,
    ) -> StoreResult<StoredMailbox> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let what = || format!("mailbox {}", b.address);
        let (aliases, groups) = (to_json(&b.aliases), to_json(&b.group_ids));
        let max_bytes = i64::try_from(b.max_message_bytes).unwrap_or(i64::MAX);
        let (smtp_port, imap_port) = (i32::from(b.smtp.port), i32::from(b.imap.port));
        let id = match id {
            Some(id) => {
                let changed = tx
                    .execute(
                        "UPDATE mailboxes SET address = $3, display_name = $4, aliases = $5,
                         smtp_host = $6, smtp_port = $7, smtp_security = $8, smtp_user = $9,
                         smtp_password = COALESCE($10, smtp_password),
                         imap_host = $11, imap_port = $12, imap_security = $13, imap_user = $14,
                         imap_password = COALESCE($15, imap_password),
                         imap_folder = $16, max_message_bytes = $17, group_ids = $18,
                         enabled = $19, updated_at = $20
                         WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
                        &[
                            &tenant_id,
                            &id,
                            &b.address,
                            &b.display_name,
                            &aliases,
                            &b.smtp.host,
                            &smtp_port,
                            &b.smtp.security.as_str(),
                            &b.smtp.user,
                            &b.smtp_password,
                            &b.imap.host,
                            &imap_port,
                            &b.imap.security.as_str(),
                            &b.imap.user,
                            &b.imap_password,
                            &b.imap_folder,
                            &max_bytes,
                            &groups,
                            &b.enabled,
                            &at,
                        ],
                    )
                    .await
                    .map_err(conflict_names(what))?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("mailbox {id}")));
                }
                id
            }
            None => {
                let (Some(smtp_password), Some(imap_password)) =
                    (&b.smtp_password, &b.imap_password)
                else {
                    return Err(StoreError::invalid("a new mailbox without its passwords"));
                };
                tx.query_one(
                    "INSERT INTO mailboxes (tenant_id, address, display_name, aliases,
                     smtp_host, smtp_port, smtp_security, smtp_user, smtp_password,
                     imap_host, imap_port, imap_security, imap_user, imap_password,
                     imap_folder, max_message_bytes, group_ids, enabled, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                     $15, $16, $17, $18, $19, $19) RETURNING id",
                    &[
                        &tenant_id,
                        &b.address,
                        &b.display_name,
                        &aliases,
                        &b.smtp.host,
                        &smtp_port,
                        &b.smtp.security.as_str(),
                        &b.smtp.user,
                        smtp_password,
                        &b.imap.host,
                        &imap_port,
                        &b.imap.security.as_str(),
                        &b.imap.user,
                        imap_password,
                        &b.imap_folder,
                        &max_bytes,
                        &groups,
                        &b.enabled,
                        &at,
                    ],
                )
                .await
                .map_err(conflict_names(what))?
                .get(0)
            }
        };
        let saved = load(&tx, tenant_id, id)
            .await?
            .ok_or_else(|| StoreError::invalid("a saved mailbox is gone"))?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn delete_mailbox(&self, tenant_id: i64, id: i64, at: i64) -> StoreResult<()> {
        let db = self.client().await?;
        let gone = db
            .execute(
                "UPDATE mailboxes SET deleted_at = $3, enabled = FALSE
                 WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
                &[&tenant_id, &id, &at],
            )
            .await?;
        if gone == 0 {
            return Err(StoreError::NotFound(format!("mailbox {id}")));
        }
        Ok(())
    }
}
