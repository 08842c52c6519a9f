//! [`SealedStore`] on PostgreSQL: every value the server key seals, read
//! and replaced all together (a key rotation).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::PgStore;
use crate::store::columns::llm_key;
use crate::store::sealed::{SealedSlot, SealedStore, SealedValue};
use crate::store::{StoreError, StoreResult};

async fn replace(tx: &impl GenericClient, old: &SealedValue, new: &str) -> StoreResult<()> {
    let value = old.value.as_str();
    let changed = match old.slot {
        SealedSlot::IdentitySecret { tenant_id } => {
            tx.execute(
                "UPDATE identity_secrets SET sealed = $3 WHERE tenant_id = $1 AND sealed = $2",
                &[&tenant_id, &value, &new],
            )
            .await?
        }
        SealedSlot::MailKey { tenant_id } => {
            tx.execute(
                "UPDATE mail_keys SET sealed = $3 WHERE tenant_id = $1 AND sealed = $2",
                &[&tenant_id, &value, &new],
            )
            .await?
        }
        SealedSlot::MallWebhookSecret { tenant_id } => {
            tx.execute(
                "UPDATE mall_settings SET webhook_secret = $3
                 WHERE tenant_id = $1 AND webhook_secret = $2",
                &[&tenant_id, &value, &new],
            )
            .await?
        }
        SealedSlot::SmtpPassword { mailbox_id } => {
            tx.execute(
                "UPDATE mailboxes SET smtp_password = $3 WHERE id = $1 AND smtp_password = $2",
                &[&mailbox_id, &value, &new],
            )
            .await?
        }
        SealedSlot::ImapPassword { mailbox_id } => {
            tx.execute(
                "UPDATE mailboxes SET imap_password = $3 WHERE id = $1 AND imap_password = $2",
                &[&mailbox_id, &value, &new],
            )
            .await?
        }
        SealedSlot::LlmApiKey { tenant_id } => {
            let json: Option<String> = tx
                .query_opt(
                    "SELECT llm FROM chat_settings WHERE tenant_id = $1 FOR UPDATE",
                    &[&tenant_id],
                )
                .await?
                .and_then(|r| r.get(0));
            match json {
                Some(json) if llm_key(&json)?.as_deref() == Some(value) => {
                    let mut llm: serde_json::Value = serde_json::from_str(&json)
                        .map_err(|e| StoreError::database("llm settings", e))?;
                    llm["api_key"] = new.into();
                    tx.execute(
                        "UPDATE chat_settings SET llm = $2 WHERE tenant_id = $1",
                        &[&tenant_id, &llm.to_string()],
                    )
                    .await?
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
impl SealedStore for PgStore {
    async fn sealed_values(&self) -> StoreResult<Vec<SealedValue>> {
        let db = self.client().await?;
        let mut out = Vec::new();
        for r in db
            .query(
                "SELECT tenant_id, sealed FROM identity_secrets ORDER BY tenant_id",
                &[],
            )
            .await?
        {
            out.push(SealedValue {
                slot: SealedSlot::IdentitySecret {
                    tenant_id: r.get(0),
                },
                value: r.get(1),
            });
        }
        for r in db
            .query(
                "SELECT tenant_id, llm FROM chat_settings WHERE llm IS NOT NULL ORDER BY tenant_id",
                &[],
            )
            .await?
        {
            if let Some(value) = llm_key(r.get(1))? {
                out.push(SealedValue {
                    slot: SealedSlot::LlmApiKey {
                        tenant_id: r.get(0),
                    },
                    value,
                });
            }
        }
        for r in db
            .query(
                "SELECT tenant_id, sealed FROM mail_keys ORDER BY tenant_id",
                &[],
            )
            .await?
        {
            out.push(SealedValue {
                slot: SealedSlot::MailKey {
                    tenant_id: r.get(0),
                },
                value: r.get(1),
            });
        }
        for r in db
            .query(
                "SELECT tenant_id, webhook_secret FROM mall_settings
                 WHERE webhook_secret IS NOT NULL ORDER BY tenant_id",
                &[],
            )
            .await?
        {
            out.push(SealedValue {
                slot: SealedSlot::MallWebhookSecret {
                    tenant_id: r.get(0),
                },
                value: r.get(1),
            });
        }
        for r in db
            .query(
                "SELECT id, smtp_password, imap_password FROM mailboxes ORDER BY id",
                &[],
            )
            .await?
        {
            let mailbox_id: i64 = r.get(0);
            out.push(SealedValue {
                slot: SealedSlot::SmtpPassword { mailbox_id },
                value: r.get(1),
            });
            out.push(SealedValue {
                slot: SealedSlot::ImapPassword { mailbox_id },
                value: r.get(2),
            });
        }
        Ok(out)
    }

    async fn replace_sealed(&self, changes: Vec<(SealedValue, String)>) -> StoreResult<()> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        for (old, new) in &changes {
            replace(&tx, old, new).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
