//! Storage of mail the agents send: the message and its built mail queued
//! in one transaction (once per client key), then picked up when due and
//! marked sent, retried or failed.

use async_trait::async_trait;
use fieldesk_core::Locale;
use fieldesk_core::chat::ChatMessage;

use super::StoreResult;
use super::chat::NewMessage;

/// A built mail, ready for SMTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutMail {
    pub mailbox_id: i64,
    pub header_id: String,
    pub from: String,
    pub from_name: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub html: Option<String>,
    pub raw: Vec<u8>,
    /// The agent's files, kept as received mail's are.
    pub attachments: Vec<super::inbox::MailAttachment>,
}

/// Builds the mail once its conversation's id is known (inside the
/// transaction that queues it); an error aborts the transaction.
pub type MailBuilder = Box<dyn FnOnce(i64) -> Result<OutMail, String> + Send>;

/// Where a sent mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutTarget {
    /// Into an email conversation (a reply, or a follow-up).
    Conversation { conversation_id: i64 },
    /// A new email conversation the agent starts with `contact`, served
    /// by them.
    New {
        mailbox_id: i64,
        contact: String,
        subject: String,
        agent_id: i64,
        locale: Locale,
    },
    /// A chat's transcript, to an address the visitor gave: the message is
    /// the chat's notice; no email thread is made of it. A chat has at
    /// most `max` (a new key past them is a `Conflict`).
    Transcript { conversation_id: i64, max: u32 },
}

/// What the thread of an email conversation says for a reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailThread {
    /// Every Message-ID of the conversation, oldest first.
    pub header_ids: Vec<String>,
    /// The newest mail's Message-ID (In-Reply-To).
    pub last_id: Option<String>,
    /// Where the customer's newest mail was sent (To and Cc).
    pub wrote_to: Vec<String>,
}

/// A mail waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueMail {
    pub message_id: i64,
    pub tenant_id: i64,
    pub mailbox_id: i64,
    pub conversation_id: i64,
    pub envelope_from: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
    pub attempts: u32,
}

/// Where a sent mail is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    Sent {
        answer: String,
    },
    /// Not now (the server unreachable, a 4xx): again at `next_at`.
    Retry {
        error: String,
        next_at: i64,
    },
    Failed {
        error: String,
    },
}

#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    /// Stores the agent's message with its mail and queues it, in one
    /// transaction; the same `client_key` again answers the first
    /// (`false`: not new).
    async fn queue_mail(
        &self,
        tenant_id: i64,
        target: OutTarget,
        client_key: String,
        message: NewMessage,
        build: MailBuilder,
        at: i64,
    ) -> StoreResult<(ChatMessage, bool)>;
    async fn mail_thread(&self, tenant_id: i64, conversation_id: i64) -> StoreResult<MailThread>;
    /// Queued mail due at `now`, oldest first.
    async fn due_mail(&self, now: i64, limit: u32) -> StoreResult<Vec<DueMail>>;
    /// When the next queued mail is due, if any is.
    async fn next_due(&self) -> StoreResult<Option<i64>>;
    async fn record_send(&self, message_id: i64, result: SendResult, at: i64) -> StoreResult<()>;
    /// Marks the tenant's sent mail with Message-ID `header_id` failed (a
    /// bounce reported it); answers its conversation and message.
    async fn mark_bounced(
        &self,
        tenant_id: i64,
        header_id: &str,
        detail: &str,
    ) -> StoreResult<Option<(i64, i64)>>;
    /// Makes the mailbox's queued mail due at `at` (its settings changed).
    async fn wake_outbox(&self, mailbox_id: i64, at: i64) -> StoreResult<()>;
}
