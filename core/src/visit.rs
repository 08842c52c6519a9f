//! What is known of a visit besides its messages: where the visitor came
//! from (page, referrer, browser, language), recorded with the
//! conversation and shown in the workbench's visitor profile, and the
//! pre-chat form a tenant can ask to be filled before the first message.

use serde::{Deserialize, Serialize};

use crate::ErrorCode;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Longest URL or user agent kept; longer ones are cut.
pub const MAX_CONTEXT_CHARS: usize = 1000;
/// Longest name on the pre-chat form.
pub const MAX_NAME_CHARS: usize = 100;

/// Where a visit came from. Everything but the user agent is what the
/// window reports (unverified): shown to agents as text, never as HTML.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VisitContext {
    /// The page of the embedding site the chat was opened on.
    #[serde(default)]
    pub page_url: Option<String>,
    /// The page that led the visitor there.
    #[serde(default)]
    pub referrer: Option<String>,
    /// The browser's user agent (read by the server from the connection).
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The browser's language (`navigator.language`), e.g. `en-GB`.
    #[serde(default)]
    pub language: Option<String>,
}

fn cut(s: &str) -> String {
    s.chars().take(MAX_CONTEXT_CHARS).collect()
}

/// An http(s) URL without whitespace or control characters, cut to the
/// limit; anything else (`javascript:`, `data:`, garbage) is dropped.
fn url(value: Option<String>) -> Option<String> {
    let v = value?;
    let v = v.trim();
    let lower = v.to_ascii_lowercase();
    let ok = (lower.starts_with("http://") || lower.starts_with("https://"))
        && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| cut(v))
}

fn text(value: Option<String>) -> Option<String> {
    let v: String = value?.chars().filter(|c| !c.is_control()).collect();
    let v = v.trim();
    (!v.is_empty()).then(|| cut(v))
}

impl VisitContext {
    /// What may be stored: URLs only if http(s), texts without control
    /// characters, everything cut to [`MAX_CONTEXT_CHARS`]; the language
    /// only if it looks like a language tag.
    pub fn sanitized(self) -> VisitContext {
        let language = text(self.language).filter(|l| {
            l.len() <= 35
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
        VisitContext {
            page_url: url(self.page_url),
            referrer: url(self.referrer),
            user_agent: text(self.user_agent),
            language,
        }
    }

    pub fn is_empty(&self) -> bool {
        self == &VisitContext::default()
    }
}

/// How a visitor can be reached, from the pre-chat form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    Email(String),
    /// Digits with an optional leading `+`, as typed minus separators.
    Phone(String),
}

impl Contact {
    pub fn as_str(&self) -> &str {
        match self {
            Contact::Email(s) | Contact::Phone(s) => s,
        }
    }

    /// An email address (one `@`, a dotted domain, no spaces) or a phone
    /// number (6–20 digits, an optional leading `+`, and spaces, dashes,
    /// dots or parentheses between).
    pub fn parse(input: &str) -> Option<Contact> {
        let s = input.trim();
        if s.len() > 254 {
            return None;
        }
        if s.contains('@') {
            return crate::email::address::is_valid(s).then(|| Contact::Email(s.to_owned()));
        }
        let (plus, rest) = match s.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if !rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
        {
            return None;
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        (6..=20)
            .contains(&digits.len())
            .then(|| Contact::Phone(if plus { format!("+{digits}") } else { digits }))
    }
}

/// The pre-chat form's answers: a name and a contact, both required.
pub fn validate_pre_chat(name: &str, contact: &str) -> Result<(String, Contact), ErrorCode> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(ErrorCode::InvalidContact);
    }
    let contact = Contact::parse(contact).ok_or(ErrorCode::InvalidContact)?;
    Ok((name.to_owned(), contact))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_phones_are_told_apart_and_checked() {
        assert_eq!(
            Contact::parse(" wang@example.cn "),
            Some(Contact::Email("wang@example.cn".into()))
        );
        assert_eq!(
            Contact::parse("+86 138-0013-8000"),
            Some(Contact::Phone("+8613800138000".into()))
        );
        assert_eq!(
            Contact::parse("(021) 6666 8888"),
            Some(Contact::Phone("02166668888".into()))
        );
        for bad in [
            "",
            "wang",
            "wang@",
            "@example.com",
            "wang@example",
            "wang@@example.com",
            "wang @example.com",
            "wang@-x.com",
            "12345",
            "138 0013 8000 1234 5678 90",
            "+86 138abc",
            "13800138000+",
        ] {
            assert_eq!(Contact::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_form_needs_a_name_and_a_valid_contact() {
        assert_eq!(
            validate_pre_chat(" 王伟 ", "13800138000"),
            Ok(("王伟".into(), Contact::Phone("13800138000".into())))
        );
        assert_eq!(
            validate_pre_chat("  ", "13800138000"),
            Err(ErrorCode::InvalidContact)
        );
        assert_eq!(
            validate_pre_chat("Wang", "not a contact"),
            Err(ErrorCode::InvalidContact)
        );
        assert_eq!(
            validate_pre_chat(&"名".repeat(MAX_NAME_CHARS + 1), "a@b.cn"),
            Err(ErrorCode::InvalidContact)
        );
    }

    #[test]
    fn context_keeps_only_what_is_safe_to_show() {
        let c = VisitContext {
            page_url: Some("https://shop.example.com/pumps?id=7".into()),
            referrer: Some("javascript:alert(1)".into()),
            user_agent: Some(format!("Mozilla/5.0\u{7}{}", "x".repeat(2000))),
            language: Some("en-GB".into()),
        }
        .sanitized();
        assert_eq!(
            c.page_url.as_deref(),
            Some("https://shop.example.com/pumps?id=7")
        );
        assert_eq!(c.referrer, None);
        let ua = c.user_agent.unwrap();
        assert!(ua.starts_with("Mozilla/5.0x") && ua.chars().count() == MAX_CONTEXT_CHARS);
        assert_eq!(c.language.as_deref(), Some("en-GB"));
        let odd = VisitContext {
            language: Some("<b>en</b>".into()),
            page_url: Some("https://a.example/ b".into()),
            ..Default::default()
        }
        .sanitized();
        assert!(odd.is_empty());
    }
}
