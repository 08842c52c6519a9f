//! [`SealedStore`] on SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, params};

use super::SqliteStore;
use crate::store::columns::llm_key;
use crate::store::sealed::{SealedSlot, SealedStore, SealedValue};
use crate::store::{StoreError, StoreResult};

fn replace(tx: &Transaction<'_>, old: &SealedValue, new: &str) -> StoreResult<()> {
    let changed = match old.slot {
        SealedSlot::IdentitySecret { tenant_id } => tx.execute(
            "UPDATE identity_secrets SET sealed = ?3 WHERE tenant_id = ?1 AND sealed = ?2",
            params![tenant_id, old.value, new],
        )?,
        SealedSlot::MailKey { tenant_id } => tx.execute(
            "UPDATE mail_keys SET sealed = ?3 WHERE tenant_id = ?1 AND sealed = ?2",
            params![tenant_id, old.value, new],
        )?,
        SealedSlot::MallWebhookSecret { tenant_id } => tx.execute(
            "UPDATE mall_settings SET webhook_secret = ?3
             WHERE tenant_id = ?1 AND webhook_secret = ?2",
            params![tenant_id, old.value, new],
        )?,
        SealedSlot::SmtpPassword { mailbox_id } => tx.execute(
            "UPDATE mailboxes SET smtp_password = ?3 WHERE id = ?1 AND smtp_password = ?2",
            params![mailbox_id, old.value, new],
        )?,
        SealedSlot::ImapPassword { mailbox_id } => tx.execute(
            "UPDATE mailboxes SET imap_password = ?3 WHERE id = ?1 AND imap_password = ?2",
            params![mailbox_id, old.value, new],
        )?,
        SealedSlot::LlmApiKey { tenant_id } => {
            let json: Option<String> = tx
                .query_row(
                    "SELECT llm FROM chat_settings WHERE tenant_id = ?1",
                    [tenant_id],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            match json {
                Some(json) if llm_key(&json)?.as_deref() == Some(old.value.as_str()) => {
                    let mut llm: serde_json::Value = serde_json::from_str(&json)
                        .map_err(|e| StoreError::database("llm settings", e))?;
                    llm["api_key"] = new.into();
                    tx.execute(
                        "UPDATE chat_settings SET llm = ?2 WHERE tenant_id = ?1",
                        params![tenant_id, llm.to_string()],
                    )?
                }
                _ => 0,
            }
        }
    };
    if changed == 0 {
        return Err(StoreError::Conflict(format!(
            "{:?} changed meanwhile",
            old.slot
        )));
    }
    Ok(())
}

#[async_trait]
impl SealedStore for SqliteStore {
    async fn sealed_values(&self) -> StoreResult<Vec<SealedValue>> {
        self.read(|conn| {
            let mut out = Vec::new();
            let mut rows =
                conn.prepare("SELECT tenant_id, sealed FROM identity_secrets ORDER BY tenant_id")?;
            for row in rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
                let (tenant_id, value) = row?;
                out.push(SealedValue {
                    slot: SealedSlot::IdentitySecret { tenant_id },
                    value,
                });
            }
            let mut rows = conn.prepare(
                "SELECT tenant_id, llm FROM chat_settings WHERE llm IS NOT NULL ORDER BY tenant_id",
            )?;
            for row in rows.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
                let (tenant_id, json) = row?;
                if let Some(value) = llm_key(&json)? {
                    out.push(SealedValue {
                        slot: SealedSlot::LlmApiKey { tenant_id },
                        value,
                    });
                }
            }
            let mut rows =
                conn.prepare("SELECT tenant_id, sealed FROM mail_keys ORDER BY tenant_id")?;
            for row in rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
                let (tenant_id, value) = row?;
                out.push(SealedValue {
                    slot: SealedSlot::MailKey { tenant_id },
                    value,
                });
            }
            let mut rows = conn.prepare(
                "SELECT tenant_id, webhook_secret FROM mall_settings
                 WHERE webhook_secret IS NOT NULL ORDER BY tenant_id",
            )?;
            for row in rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
                let (tenant_id, value) = row?;
                out.push(SealedValue {
                    slot: SealedSlot::MallWebhookSecret { tenant_id },
                    value,
                });
            }
            let mut rows =
                conn.prepare("SELECT id, smtp_password, imap_password FROM mailboxes ORDER BY id")?;
            for row in rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
                let (mailbox_id, smtp, imap) = row?;
                out.push(SealedValue {
                    slot: SealedSlot::SmtpPassword { mailbox_id },
                    value: smtp,
                });
                out.push(SealedValue {
                    slot: SealedSlot::ImapPassword { mailbox_id },
                    value: imap,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn replace_sealed(&self, changes: Vec<(SealedValue, String)>) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            for (old, new) in &changes {
                replace(&tx, old, new)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }
}
