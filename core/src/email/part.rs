//! The mail side of the messages of an email conversation, as the
//! workbench shows them beside the message text.

use serde::{Deserialize, Serialize};

use super::outgoing::SendStatus;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

/// Who wrote a received mail (see `auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MailOrigin {
    Person,
    AutoReply,
    Bounce,
}

/// A stored attachment of a mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AttachmentInfo {
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub size: u64,
}

/// One mail of an email conversation: its message's headers, where it
/// is (sent mail), and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MailPart {
    pub message_id: i64,
    pub direction: Direction,
    pub from: String,
    pub from_name: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub origin: MailOrigin,
    /// Sent mail: queued, sent or failed, with the server's last answer.
    pub status: Option<SendStatus>,
    pub status_detail: Option<String>,
    /// Its size, when it was too large to import.
    pub too_large: Option<u64>,
    /// It has an HTML part (`GET …/messages/{id}/html`).
    pub has_html: bool,
    pub attachments: Vec<AttachmentInfo>,
}

/// A mailbox agents may send from: its name and the addresses it may
/// send as (no settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Sender {
    pub mailbox_id: i64,
    pub display_name: String,
    /// The mailbox's address first, then its aliases.
    pub addresses: Vec<String>,
}

/// What the desk asks the shell about mail (one IPC command).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailCommand {
    Senders,
    Parts {
        conversation_id: i64,
    },
    Compose {
        body: super::outgoing::ComposeBody,
    },
    /// A mail in the thread (with files; a text-only reply goes as chat).
    Reply {
        conversation_id: i64,
        body: super::outgoing::ReplyBody,
    },
    /// A mail's HTML; with `load_images`, its remote images fetched by
    /// the app and inlined.
    Html {
        conversation_id: i64,
        message_id: i64,
        load_images: bool,
    },
    /// The signed-in user's thread order and groups.
    Prefs,
    SavePrefs {
        prefs: super::grouping::DeskPrefs,
    },
}

/// The shell's answer to a [`MailCommand`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum MailAnswer {
    Senders(Vec<Sender>),
    Parts(Vec<MailPart>),
    Sent(crate::chat::ChatMessage),
    Html(super::html::MailHtml),
    Prefs(super::grouping::DeskPrefs),
}
