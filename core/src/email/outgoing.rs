//! Mail the agents write: a reply in an email conversation or a new one
//! to any address, the one validation both the composer and the server
//! apply, and where a sent mail is.

use serde::{Deserialize, Serialize};

use super::address;
use crate::ErrorCode;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Recipients (To and Cc together) one mail may have.
pub const MAX_RECIPIENTS: usize = 50;
pub const MAX_SUBJECT_CHARS: usize = 300;
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// Files one mail may carry, and their bytes together at most (the
/// mailbox's own limit applies too).
pub const MAX_ATTACHMENTS: usize = 10;
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;
/// A compose or reply request at most: the files in base64, the text and
/// the rest.
pub const MAX_BODY_BYTES: usize = (MAX_ATTACHMENT_BYTES as usize).div_ceil(3) * 4 + 256 * 1024;

/// A file the agent attaches to a mail, its bytes in base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OutgoingAttachment {
    pub filename: String,
    /// The file's type as the agent's system named it.
    #[serde(default)]
    pub content_type: String,
    /// Standard base64 of the bytes.
    pub data: String,
}

impl OutgoingAttachment {
    /// The size of the bytes the base64 holds.
    pub fn size(&self) -> u64 {
        let data = self.data.trim_end_matches('=');
        (data.len() as u64 * 3) / 4
    }
}

/// Checks the files of a mail: how many, their names, and their bytes
/// together against `limit` (the smaller of [`MAX_ATTACHMENT_BYTES`] and
/// the mailbox's size limit).
pub fn check_attachments(files: &[OutgoingAttachment], limit: u64) -> Result<(), ErrorCode> {
    let total: u64 = files.iter().map(OutgoingAttachment::size).sum();
    let named = files.iter().all(|f| {
        let name = f.filename.trim();
        !name.is_empty()
            && name.chars().count() <= 255
            && !name
                .chars()
                .any(|c| c.is_control() || c == '/' || c == '\\')
    });
    if files.len() > MAX_ATTACHMENTS || !named {
        return Err(ErrorCode::InvalidMail);
    }
    if total > limit.min(MAX_ATTACHMENT_BYTES) {
        return Err(ErrorCode::PayloadTooLarge);
    }
    Ok(())
}

/// A reply (or a follow-up) in an email conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReplyBody {
    /// The composer's id for this mail: a retry with it sends nothing twice.
    pub client_id: String,
    pub text: String,
    /// The mailbox address or alias to send as; by default the one the
    /// customer wrote to.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub attachments: Vec<OutgoingAttachment>,
}

/// A new email conversation started by an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ComposeBody {
    pub client_id: String,
    pub mailbox_id: i64,
    /// The mailbox address or one of its aliases; the mailbox's by default.
    #[serde(default)]
    pub from: Option<String>,
    pub to: String,
    #[serde(default)]
    pub cc: Vec<String>,
    pub subject: String,
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<OutgoingAttachment>,
}

/// Where a sent mail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SendStatus {
    /// Waiting for the SMTP server (retried with a growing pause).
    Queued,
    Sent,
    /// Refused for good, or not sent within the retries: see the detail.
    Failed,
}

impl SendStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SendStatus::Queued => "queued",
            SendStatus::Sent => "sent",
            SendStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<SendStatus> {
        [SendStatus::Queued, SendStatus::Sent, SendStatus::Failed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Checked recipients, subject and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub text: String,
}

/// Normalizes and checks what an agent sends; `to` holds one or more
/// addresses (comma- or semicolon-separated).
pub fn validate(to: &str, cc: &[String], subject: &str, text: &str) -> Result<Checked, ErrorCode> {
    let invalid = ErrorCode::InvalidMail;
    let to = address::parse_list(to).map_err(|_| invalid)?;
    let mut all: Vec<String> = Vec::new();
    let mut cc_out = Vec::new();
    for c in cc {
        for a in address::parse_list(c).map_err(|_| invalid)? {
            if !to.contains(&a) && !cc_out.contains(&a) {
                cc_out.push(a);
            }
        }
    }
    all.extend(to.iter().cloned());
    all.extend(cc_out.iter().cloned());
    let subject = subject.trim();
    let text = text.trim_end();
    if to.is_empty()
        || all.len() > MAX_RECIPIENTS
        || subject.chars().count() > MAX_SUBJECT_CHARS
        || subject.chars().any(char::is_control)
        || text.trim().is_empty()
        || text.len() > MAX_TEXT_BYTES
    {
        return Err(invalid);
    }
    Ok(Checked {
        to,
        cc: cc_out,
        subject: subject.to_owned(),
        text: text.to_owned(),
    })
}

/// The HTML part of a mail written as text: escaped, lines kept.
pub fn text_to_html(text: &str) -> String {
    let mut out = String::from("<div style=\"font-family:sans-serif;white-space:pre-wrap\">");
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_normalized_deduplicated_and_bounded() {
        let ok = validate(
            "Wang@Customer.test; li@customer.test",
            &["wang@customer.test".into(), "boss@customer.test".into()],
            "  打印机维修  ",
            "您好\n",
        )
        .unwrap();
        assert_eq!(ok.to, vec!["wang@customer.test", "li@customer.test"]);
        assert_eq!(ok.cc, vec!["boss@customer.test"], "one already in To");
        assert_eq!(ok.subject, "打印机维修");
        assert_eq!(ok.text, "您好");
        for (to, subject, text) in [
            ("", "s", "t"),
            ("not an address", "s", "t"),
            ("a@b.test", "s", "   "),
            ("a@b.test", "line\nbreak", "t"),
        ] {
            assert_eq!(
                validate(to, &[], subject, text),
                Err(ErrorCode::InvalidMail),
                "{to:?}"
            );
        }
        let many: Vec<String> = (0..MAX_RECIPIENTS)
            .map(|i| format!("c{i}@b.test"))
            .collect();
        assert_eq!(
            validate("a@b.test", &many, "s", "t"),
            Err(ErrorCode::InvalidMail)
        );
    }

    #[test]
    fn attachments_are_counted_named_and_bounded() {
        let file = |name: &str, bytes: usize| OutgoingAttachment {
            filename: name.into(),
            content_type: "application/pdf".into(),
            data: "QUJD".repeat(bytes / 3),
        };
        assert_eq!(file("a.pdf", 300).size(), 300);
        let padded = OutgoingAttachment {
            data: "TWE=".into(),
            ..file("b", 0)
        };
        assert_eq!(padded.size(), 2);
        assert_eq!(
            check_attachments(&[file("报价单.pdf", 3000)], 1 << 20),
            Ok(())
        );
        assert_eq!(
            check_attachments(&[file("a.pdf", 3000)], 2000),
            Err(ErrorCode::PayloadTooLarge),
            "over the mailbox's limit"
        );
        for bad in ["", "  ", "../etc/passwd", "a\nb"] {
            assert_eq!(
                check_attachments(&[file(bad, 3)], 1 << 20),
                Err(ErrorCode::InvalidMail),
                "{bad:?}"
            );
        }
        let many: Vec<_> = (0..=MAX_ATTACHMENTS)
            .map(|i| file(&format!("{i}"), 3))
            .collect();
        assert_eq!(
            check_attachments(&many, 1 << 20),
            Err(ErrorCode::InvalidMail)
        );
    }

    #[test]
    fn text_becomes_escaped_html() {
        assert_eq!(
            text_to_html("a<b>\n&\"c\""),
            "<div style=\"font-family:sans-serif;white-space:pre-wrap\">a&lt;b&gt;<br>&amp;&quot;c&quot;</div>"
        );
    }
}
