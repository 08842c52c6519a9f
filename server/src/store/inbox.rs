//! Storage of received mail: where each mailbox was read up to, the raw
//! mail once, the message it became in its email conversation (or the
//! quarantine), the addresses on each thread, attachments by hash. One
//! mail is one transaction: raw, message, conversation and position
//! together, so a crash never loses or doubles one.

use async_trait::async_trait;
use fieldesk_core::Locale;
use fieldesk_core::chat::ChatMessage;
use fieldesk_core::email::auto::Origin;
use fieldesk_core::email::part::MailPart;
use fieldesk_core::email::quarantine::QuarantinedMail;
use fieldesk_core::email::threading::{Known, Lookups};

use super::StoreResult;

/// How far a folder was read: its UIDVALIDITY and the last UID taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailPosition {
    pub uid_validity: u32,
    pub last_uid: u32,
}

/// The raw mail as received (bytes none: over the limit, not fetched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMail {
    /// The cleaned Message-ID, else `sha256:` and the hash of the bytes.
    pub dedup_key: String,
    pub sha256: String,
    pub size: u64,
    pub bytes: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// A received mail, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub header_id: Option<String>,
    pub from: String,
    pub from_name: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub origin: Origin,
    /// Its size, when it was over the limit and only its envelope read.
    pub too_large: Option<u64>,
    pub attachments: Vec<MailAttachment>,
}

/// Where a mail goes, as threading decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Join {
        conversation_id: i64,
    },
    /// A new conversation with the sender as its contact, waiting for
    /// the mailbox's group.
    New {
        linked_to: Option<i64>,
        group_id: Option<i64>,
        locale: Locale,
        /// Waiting for an agent; `false` for mail nobody wrote (an
        /// auto-reply to nothing we know): kept, closed.
        open: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportContent {
    Mail {
        mail: Box<NewMail>,
        placement: Placement,
        /// The addresses on it that are not ours (kept for the thread).
        participants: Vec<String>,
    },
    /// It could not be read: kept for an admin, with why.
    Quarantine(fieldesk_core::email::quarantine::Unreadable),
}

/// One mail to keep, and the position to move to with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub mailbox_id: i64,
    pub folder: String,
    pub position: MailPosition,
    pub raw: RawMail,
    pub content: ImportContent,
    pub at: i64,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    Added {
        conversation_id: i64,
        message: ChatMessage,
        new_conversation: bool,
    },
    Quarantined {
        id: i64,
    },
    /// The mailbox had it already (only the position moved).
    Duplicate,
}

#[async_trait]
pub trait InboxStore: Send + Sync + 'static {
    async fn mail_position(
        &self,
        mailbox_id: i64,
        folder: &str,
    ) -> StoreResult<Option<MailPosition>>;
    /// Moves the position without a mail (a new UIDVALIDITY).
    async fn set_mail_position(
        &self,
        mailbox_id: i64,
        folder: &str,
        position: MailPosition,
    ) -> StoreResult<()>;
    /// The tenant's sealed mail key, `make`'s if it has none yet.
    async fn mail_key(&self, tenant_id: i64, make: String, at: i64) -> StoreResult<String>;
    /// What threading needs to know (see [`Lookups`]), in the tenant only.
    async fn known_threads(&self, tenant_id: i64, lookups: Lookups) -> StoreResult<Known>;
    /// Keeps one mail and moves the position, in one transaction; a mail
    /// the mailbox had already is not kept twice.
    async fn import_mail(&self, tenant_id: i64, import: Import) -> StoreResult<Imported>;
    /// The tenant's mail waiting in quarantine, oldest first.
    async fn quarantine(&self, tenant_id: i64) -> StoreResult<Vec<QuarantinedMail>>;
    /// The mails of an email conversation, oldest first.
    async fn mail_parts(&self, tenant_id: i64, conversation_id: i64) -> StoreResult<Vec<MailPart>>;
    /// A mail's sanitized HTML, if the message is the tenant's and has one.
    async fn mail_html(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message_id: i64,
    ) -> StoreResult<Option<String>>;
    /// An attachment of one of the tenant's messages: its name, type and bytes.
    async fn mail_attachment(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message_id: i64,
        sha256: &str,
    ) -> StoreResult<Option<(String, String, Vec<u8>)>>;
    /// A quarantined mail's mailbox and raw bytes (none once resolved).
    async fn quarantined_raw(&self, tenant_id: i64, id: i64)
    -> StoreResult<Option<(i64, Vec<u8>)>>;
    /// Keeps a quarantined mail read again: as a message (it leaves the
    /// quarantine) or, still unreadable, with its new error.
    async fn retry_quarantined(
        &self,
        tenant_id: i64,
        id: i64,
        content: ImportContent,
        at: i64,
    ) -> StoreResult<Imported>;
}
