//! Reading a raw mail with `mail-parser` (declared charsets honoured —
//! GB2312/GBK/GB18030, Big5, ISO-2022-JP, UTF-7 — encoded-word subjects
//! and names, text and HTML parts, attachments) into what the email
//! channel keeps. HTML is sanitized here, once, with ammonia: no script,
//! no style, no form, no event handler; remote images stay as
//! `data-remote-src` until the agent asks to load them; `cid:` images
//! point at the stored attachment.

use std::collections::HashSet;

use fieldesk_core::email::address;
use fieldesk_core::email::auto::{self, Origin, Signals};
use fieldesk_core::email::quarantine::{QuarantineReason, Unreadable};
use fieldesk_core::email::threading::{Incoming, clean_id};
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

/// The most bytes of text kept as a message's body (the raw mail keeps
/// everything).
pub const MAX_TEXT_BYTES: usize = 256 * 1024;

/// Why a mail could not be read: it goes to the quarantine with this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not a mail message (no headers could be read)")]
    NotMail,
    #[error("no sender: the mail has no usable From address")]
    NoSender,
}

impl ParseError {
    /// The quarantine's record of a mail that failed to read with this:
    /// the reason, the words, and what its head shows.
    pub fn unreadable(&self, raw: &[u8]) -> Unreadable {
        let reason = match self {
            ParseError::NotMail => QuarantineReason::NotMail,
            ParseError::NoSender => QuarantineReason::NoSender,
        };
        let (from, subject) = glimpse(raw);
        Unreadable {
            reason,
            error: self.to_string(),
            from,
            subject,
        }
    }
}

/// The sender (address or name) and subject of a mail that cannot be
/// read in full, as far as its head shows them.
pub fn glimpse(raw: &[u8]) -> (Option<String>, Option<String>) {
    let Some(m) = MessageParser::default().parse(raw) else {
        return (None, None);
    };
    let short = |s: &str| Some(cut(s.trim().to_owned(), 200)).filter(|s| !s.is_empty());
    let from = m
        .from()
        .and_then(Address::first)
        .and_then(|a| a.address().or(a.name()))
        .and_then(short);
    let subject = m.subject().and_then(short);
    (from, subject)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content_id: Option<String>,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// A mail as the channel keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMail {
    /// Cleaned (`clean_id`), if it has one.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: String,
    pub from_name: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// `Delivered-To` / `X-Original-To`: where it was delivered (a reply
    /// token may be only there when the customer's client dropped To).
    pub delivered_to: Vec<String>,
    pub subject: String,
    pub date: Option<i64>,
    pub text: String,
    /// Sanitized.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    pub origin: Origin,
    /// For a bounce: the Message-ID of ours it reports on, if found.
    pub bounce_of: Option<String>,
}

impl ParsedMail {
    /// What threading reads.
    pub fn incoming(&self) -> Incoming {
        Incoming {
            from: self.from.clone(),
            recipients: self
                .to
                .iter()
                .chain(&self.cc)
                .chain(&self.delivered_to)
                .cloned()
                .collect(),
            subject: self.subject.clone(),
            in_reply_to: self.in_reply_to.clone(),
            references: self.references.clone(),
        }
    }
}

/// The hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    let Some(a) = a else { return vec![] };
    let mut out: Vec<String> = Vec::new();
    let list: Vec<&mail_parser::Addr<'_>> = match a {
        Address::List(l) => l.iter().collect(),
        Address::Group(g) => g.iter().flat_map(|g| g.addresses.iter()).collect(),
    };
    for addr in list {
        if let Some(x) = addr.address() {
            let x = address::normalize(x);
            if address::is_valid(&x) && !out.contains(&x) {
                out.push(x);
            }
        }
    }
    out
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let raw: Vec<String> = match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => vec![],
    };
    raw.iter()
        .flat_map(|t| t.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .map(|t| clean_id(&t))
        .filter(|t| !t.is_empty())
        .collect()
}

fn header_text<'a>(m: &'a mail_parser::Message<'a>, name: &'a str) -> Option<&'a str> {
    m.header(name).and_then(|h| h.as_text())
}

fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut at = max;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
    }
    text
}

/// Sanitizes mail HTML: formatting and links stay, everything active
/// goes; `<img src="http…">` becomes `data-remote-src` (loaded only when
/// the agent asks), `cid:` images keep their reference for the attachment.
pub fn sanitize_html(html: &str) -> String {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tag_attributes("img", ["data-remote-src", "alt", "width", "height"])
        .add_tag_attributes("td", ["colspan", "rowspan", "align", "valign"])
        .add_tag_attributes("th", ["colspan", "rowspan", "align", "valign"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "cid"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(|element, attribute, value| {
            if element == "img" && attribute == "src" {
                let lower = value.trim().to_ascii_lowercase();
                if lower.starts_with("cid:") {
                    return Some(value.into());
                }
                // Remote: not loaded; the reader moves it back on request.
                return None;
            }
            Some(value.into())
        });
    // Remote image addresses are kept aside before ammonia drops `src`.
    let marked = mark_remote_images(html);
    builder.clean(&marked).to_string()
}

/// Copies each remote `<img src>` into `data-remote-src` (ammonia then
/// drops the `src`).
fn mark_remote_images(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(found) = lower[at..].find("<img") {
        let start = at + found;
        let end = lower[start..].find('>').map_or(html.len(), |e| start + e);
        out.push_str(&html[at..start]);
        let tag = &html[start..end];
        let tag_lower = &lower[start..end];
        match src_value(tag, tag_lower) {
            Some(src) if src.starts_with("http://") || src.starts_with("https://") => {
                let escaped = src.replace('"', "&quot;");
                out.push_str(&tag.replacen(
                    "<img",
                    &format!("<img data-remote-src=\"{escaped}\""),
                    1,
                ));
            }
            _ => out.push_str(tag),
        }
        at = end;
    }
    out.push_str(&html[at..]);
    out
}

fn src_value(tag: &str, tag_lower: &str) -> Option<String> {
    let i = tag_lower.find("src=")? + 4;
    let rest = &tag[i..];
    let (quote, rest) = match rest.chars().next()? {
        q @ ('"' | '\'') => (Some(q), &rest[1..]),
        _ => (None, rest),
    };
    let end = match quote {
        Some(q) => rest.find(q)?,
        None => rest
            .find(|c: char| c.is_whitespace() || c == '>')
            .unwrap_or(rest.len()),
    };
    Some(rest[..end].trim().to_owned())
}

/// The original Message-ID a delivery report is about: its
/// `message/rfc822` or `text/rfc822-headers` part's Message-ID.
fn bounced_id(m: &mail_parser::Message<'_>) -> Option<String> {
    for part in m.parts.iter() {
        if let Some(id) = part.message().and_then(|inner| inner.message_id()) {
            return Some(clean_id(id));
        }
        let is_headers = part.content_type().is_some_and(|c| {
            c.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
        });
        if is_headers {
            let text = String::from_utf8_lossy(part.contents());
            if let Some(line) = text
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
            {
                return Some(clean_id(&line["message-id:".len()..]));
            }
        }
    }
    None
}

/// Reads `raw`; `max_attachment` caps each attachment kept (larger ones
/// stay only in the raw mail).
pub fn parse(raw: &[u8], max_attachment: usize) -> Result<ParsedMail, ParseError> {
    let m = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or(ParseError::NotMail)?;
    let from_addr = m.from().and_then(Address::first);
    let from = from_addr
        .and_then(|a| a.address())
        .map(address::normalize)
        .filter(|a| address::is_valid(a))
        .ok_or(ParseError::NoSender)?;
    let from_name = from_addr
        .and_then(|a| a.name())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let content_type = m.content_type().map(|c| match c.subtype() {
        Some(sub) => {
            let report = c.attribute("report-type").unwrap_or("");
            format!("{}/{sub}; report-type={report}", c.ctype())
        }
        None => c.ctype().to_owned(),
    });
    let origin = auto::classify(&Signals {
        from: &from,
        auto_submitted: header_text(&m, "Auto-Submitted"),
        precedence: header_text(&m, "Precedence"),
        x_autoreply: m.header("X-Autoreply").is_some() || m.header("X-Autorespond").is_some(),
        content_type: content_type.as_deref(),
    });
    let mut delivered_to = Vec::new();
    for name in ["Delivered-To", "X-Original-To"] {
        for h in m.header_values(name) {
            if let Some(t) = h.as_text() {
                let a = address::normalize(t.trim().trim_matches(['<', '>']));
                if address::is_valid(&a) && !delivered_to.contains(&a) {
                    delivered_to.push(a);
                }
            }
        }
    }
    // A text-only mail's "HTML" would be mail-parser's rendering: only a
    // real HTML part counts.
    let has_html = m
        .html_body
        .iter()
        .any(|i| m.parts.get(*i as usize).is_some_and(|p| p.is_text_html()));
    let html = has_html
        .then(|| m.body_html(0))
        .flatten()
        .map(|h| sanitize_html(&h));
    let text = m.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let mut attachments = Vec::new();
    for part in m.attachments() {
        if part.is_message() && origin == Origin::Bounce {
            continue;
        }
        let bytes = part.contents();
        if bytes.is_empty() || bytes.len() > max_attachment {
            continue;
        }
        let content_type = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(sub) => format!("{}/{sub}", c.ctype()),
                None => c.ctype().to_owned(),
            })
            .unwrap_or_else(|| "application/octet-stream".to_owned())
            .to_ascii_lowercase();
        attachments.push(Attachment {
            filename: part
                .attachment_name()
                .map(|n| n.replace(['/', '\\', '\0'], "_"))
                .unwrap_or_else(|| "attachment".to_owned()),
            content_type,
            content_id: part.content_id().map(clean_id),
            sha256: sha256(bytes),
            bytes: bytes.to_vec(),
        });
    }
    Ok(ParsedMail {
        message_id: m.message_id().map(clean_id).filter(|i| !i.is_empty()),
        in_reply_to: ids(m.in_reply_to()),
        references: ids(m.references()),
        from,
        from_name,
        to: addresses(m.to()),
        cc: addresses(m.cc()),
        delivered_to,
        subject: m.subject().unwrap_or("").trim().to_owned(),
        date: m.date().map(|d| d.to_timestamp()),
        text: cut(text, MAX_TEXT_BYTES),
        html,
        attachments,
        bounce_of: (origin == Origin::Bounce).then(|| bounced_id(&m)).flatten(),
        origin,
    })
}

#[cfg(test)]
mod tests;
