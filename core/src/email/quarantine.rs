//! Mail that could not be read: kept whole, shown to admins with why,
//! and read again on "retry" — never dropped, never fetched again.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Why a mail is in the quarantine (admins read it in their language;
/// `error` beside it keeps the exact words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuarantineReason {
    /// No headers could be read.
    NotMail,
    /// No usable From address.
    NoSender,
    /// The IMAP server failed to hand it over, session after session.
    NotHandedOver,
    /// Over the mailbox's limit, and its headers unreadable.
    TooLarge,
}

impl QuarantineReason {
    pub const ALL: [QuarantineReason; 4] = [
        QuarantineReason::NotMail,
        QuarantineReason::NoSender,
        QuarantineReason::NotHandedOver,
        QuarantineReason::TooLarge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuarantineReason::NotMail => "not_mail",
            QuarantineReason::NoSender => "no_sender",
            QuarantineReason::NotHandedOver => "not_handed_over",
            QuarantineReason::TooLarge => "too_large",
        }
    }

    /// The stored form back; anything unknown reads as "not mail".
    pub fn parse(s: &str) -> QuarantineReason {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .unwrap_or(QuarantineReason::NotMail)
    }

    /// The Fluent key of the localized reason.
    pub fn message_key(self) -> &'static str {
        match self {
            QuarantineReason::NotMail => "mail-quarantine-reason-not-mail",
            QuarantineReason::NoSender => "mail-quarantine-reason-no-sender",
            QuarantineReason::NotHandedOver => "mail-quarantine-reason-not-handed-over",
            QuarantineReason::TooLarge => "mail-quarantine-reason-too-large",
        }
    }
}

/// A mail that could not be read, as the quarantine keeps it: why, the
/// exact words, and what could be made out of its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub reason: QuarantineReason,
    pub error: String,
    pub from: Option<String>,
    pub subject: Option<String>,
}

/// A mail waiting in the quarantine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuarantinedMail {
    pub id: i64,
    pub mailbox_id: i64,
    pub reason: QuarantineReason,
    /// Why it could not be read, in the words of the parser or server.
    pub error: String,
    /// The sender and subject as far as they could be read.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    pub size: u64,
    pub created_at: i64,
}

/// What a retry did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RetryOutcome {
    /// The conversation it is now in; none if it is still unreadable.
    pub conversation_id: Option<i64>,
    /// Why it still cannot be read.
    #[serde(default)]
    pub reason: Option<QuarantineReason>,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_keep_their_stored_form() {
        for r in QuarantineReason::ALL {
            assert_eq!(QuarantineReason::parse(r.as_str()), r);
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
        }
        assert_eq!(QuarantineReason::parse("?"), QuarantineReason::NotMail);
    }
}
