//! Storage of the email channel: service mailboxes with their sealed
//! passwords. The store never sees a password in the clear: the mail
//! service seals before writing and opens after reading.

use async_trait::async_trait;
use fieldesk_core::email::mailbox::{Mailbox, MailboxBody};

use super::StoreResult;

/// A mailbox as kept: what the API shows, and the sealed passwords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMailbox {
    pub mailbox: Mailbox,
    pub smtp_password: String,
    pub imap_password: String,
}

#[async_trait]
pub trait MailStore: Send + Sync + 'static {
    /// The tenant's mailboxes (not deleted), by address.
    async fn mailboxes(&self, tenant_id: i64) -> StoreResult<Vec<StoredMailbox>>;
    async fn mailbox(&self, tenant_id: i64, id: i64) -> StoreResult<Option<StoredMailbox>>;
    /// Every tenant's enabled mailboxes, with their tenant (the
    /// receivers).
    async fn enabled_mailboxes(&self) -> StoreResult<Vec<(i64, StoredMailbox)>>;
    /// Creates (`id` none; both passwords set) or changes a mailbox
    /// (a `None` password keeps the stored one). `body` is validated and
    /// its passwords sealed. An address the tenant already has: conflict.
    async fn save_mailbox(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        body: MailboxBody,
        at: i64,
    ) -> StoreResult<StoredMailbox>;
    /// Deletes a mailbox: gone from the lists, the address free again;
    /// mail it received stays.
    async fn delete_mailbox(&self, tenant_id: i64, id: i64, at: i64) -> StoreResult<()>;
}
