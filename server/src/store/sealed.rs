//! Every value the server key seals, wherever it is kept: what a key
//! rotation reads and writes back (see [`crate::secret_box`]).

use async_trait::async_trait;

use super::StoreResult;

/// Where a sealed value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedSlot {
    /// A tenant's identity secret (verified visitors).
    IdentitySecret {
        tenant_id: i64,
    },
    /// A tenant's LLM API key (possibly from before sealing, in the clear).
    LlmApiKey {
        tenant_id: i64,
    },
    /// A tenant's key for reply tokens and Message-IDs.
    MailKey {
        tenant_id: i64,
    },
    /// A tenant's secret that payment webhooks are signed with (the mall).
    MallWebhookSecret {
        tenant_id: i64,
    },
    SmtpPassword {
        mailbox_id: i64,
    },
    ImapPassword {
        mailbox_id: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedValue {
    pub slot: SealedSlot,
    pub value: String,
}

#[async_trait]
pub trait SealedStore: Send + Sync + 'static {
    /// Every sealed value of every tenant, deleted mailboxes' included.
    async fn sealed_values(&self) -> StoreResult<Vec<SealedValue>>;
    /// Puts each `(old, new)`'s new value in place of its old one, all in
    /// one transaction: a value that is no longer `old` is a conflict and
    /// nothing is written.
    async fn replace_sealed(&self, changes: Vec<(SealedValue, String)>) -> StoreResult<()>;
}
