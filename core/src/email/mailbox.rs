//! Service mailboxes (客服邮箱): what an admin sets up, what the API shows
//! (never a password), the one validation both the admin form and the
//! server apply, and the answer of "test connection".

use serde::{Deserialize, Serialize};

use super::address;
use crate::ErrorCode;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Smallest and largest per-message size limit an admin may set.
pub const MIN_MESSAGE_BYTES: u64 = 64 * 1024;
pub const MAX_MESSAGE_BYTES: u64 = 50 * 1024 * 1024;
/// The limit a new mailbox starts with.
pub const DEFAULT_MESSAGE_BYTES: u64 = 25 * 1024 * 1024;
/// Aliases a mailbox may send as.
pub const MAX_ALIASES: usize = 20;
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// How a connection to a mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (ports 587 / 143).
    #[default]
    #[serde(rename = "starttls")]
    StartTls,
    /// TLS from the first byte (ports 465 / 993).
    Tls,
    /// No encryption: only for servers on this machine or a trusted LAN.
    None,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::StartTls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Security> {
        match s {
            "starttls" => Some(Security::StartTls),
            "tls" => Some(Security::Tls),
            "none" => Some(Security::None),
            _ => None,
        }
    }
}

/// Where and as whom to connect (the password travels separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    #[serde(default)]
    pub security: Security,
    pub user: String,
}

/// What an admin sends to create or change a mailbox. Passwords are
/// write-only: on a change, `null` keeps the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MailboxBody {
    pub address: String,
    pub display_name: String,
    /// Other addresses the mailbox may send as (From).
    #[serde(default)]
    pub aliases: Vec<String>,
    pub smtp: ServerSettings,
    #[serde(default)]
    pub smtp_password: Option<String>,
    pub imap: ServerSettings,
    #[serde(default)]
    pub imap_password: Option<String>,
    /// The folder mail is read from.
    #[serde(default = "inbox")]
    pub imap_folder: String,
    /// Larger messages are not imported (a visible item says so).
    #[serde(default = "default_message_bytes")]
    pub max_message_bytes: u64,
    /// The groups that serve the mailbox's conversations.
    #[serde(default)]
    pub group_ids: Vec<i64>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn inbox() -> String {
    "INBOX".to_owned()
}

fn default_message_bytes() -> u64 {
    DEFAULT_MESSAGE_BYTES
}

fn yes() -> bool {
    true
}

/// A mailbox as the API shows it: everything but the passwords, and
/// whether each is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Mailbox {
    pub id: i64,
    pub address: String,
    pub display_name: String,
    pub aliases: Vec<String>,
    pub smtp: ServerSettings,
    pub smtp_password_set: bool,
    pub imap: ServerSettings,
    pub imap_password_set: bool,
    pub imap_folder: String,
    pub max_message_bytes: u64,
    pub group_ids: Vec<i64>,
    pub enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Mailbox {
    /// The addresses it may send as: its own first, then the aliases.
    pub fn from_addresses(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.address.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

fn server(s: &ServerSettings) -> Result<ServerSettings, ErrorCode> {
    let host = s.host.trim().to_ascii_lowercase();
    let user = s.user.trim();
    if !valid_host(&host) || s.port == 0 || user.is_empty() || user.chars().any(char::is_control) {
        return Err(ErrorCode::InvalidMailbox);
    }
    Ok(ServerSettings {
        host,
        port: s.port,
        security: s.security,
        user: user.to_owned(),
    })
}

fn password(p: &Option<String>) -> Result<Option<String>, ErrorCode> {
    match p {
        Some(p) if p.is_empty() || p.len() > 1024 || p.chars().any(|c| c == '\r' || c == '\n') => {
            Err(ErrorCode::InvalidMailbox)
        }
        other => Ok(other.clone()),
    }
}

/// The body as stored: addresses normalized, aliases each once and not
/// the address itself, servers trimmed; `creating` requires both
/// passwords. Any fault is [`ErrorCode::InvalidMailbox`].
pub fn validate(body: &MailboxBody, creating: bool) -> Result<MailboxBody, ErrorCode> {
    let invalid = Err(ErrorCode::InvalidMailbox);
    let address = address::normalize(&body.address);
    if !address::is_valid(&address) {
        return invalid;
    }
    let display_name = body.display_name.trim();
    if display_name.chars().count() > MAX_DISPLAY_NAME_CHARS
        || display_name.chars().any(char::is_control)
    {
        return invalid;
    }
    let mut aliases: Vec<String> = Vec::new();
    for alias in &body.aliases {
        let alias = address::normalize(alias);
        if !address::is_valid(&alias) {
            return invalid;
        }
        if alias != address && !aliases.contains(&alias) {
            aliases.push(alias);
        }
    }
    if aliases.len() > MAX_ALIASES {
        return invalid;
    }
    let folder = body.imap_folder.trim();
    if folder.is_empty() || folder.len() > 200 || folder.chars().any(char::is_control) {
        return invalid;
    }
    if !(MIN_MESSAGE_BYTES..=MAX_MESSAGE_BYTES).contains(&body.max_message_bytes) {
        return invalid;
    }
    let (smtp_password, imap_password) = (
        password(&body.smtp_password)?,
        password(&body.imap_password)?,
    );
    if creating && (smtp_password.is_none() || imap_password.is_none()) {
        return invalid;
    }
    let mut group_ids = body.group_ids.clone();
    group_ids.sort_unstable();
    group_ids.dedup();
    Ok(MailboxBody {
        address,
        display_name: display_name.to_owned(),
        aliases,
        smtp: server(&body.smtp)?,
        smtp_password,
        imap: server(&body.imap)?,
        imap_password,
        imap_folder: folder.to_owned(),
        max_message_bytes: body.max_message_bytes,
        group_ids,
        enabled: body.enabled,
    })
}

/// How one side of "test connection" went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Check {
    pub ok: bool,
    /// Why not: `mail_auth_failed`, `mail_unreachable`, `mail_tls_failed`,
    /// `mail_folder_missing` or `mail_server_refused`.
    pub code: Option<ErrorCode>,
    /// The reason in the caller's language.
    pub message: Option<String>,
    /// What the server answered, as it said it (for the admin's
    /// provider; never a password).
    pub detail: Option<String>,
}

/// "Test connection": sending and receiving, each on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConnectionCheck {
    pub smtp: Check,
    pub imap: Check,
}

/// What "test connection" is asked: settings as in the form, and the
/// mailbox they belong to (whose saved passwords fill those left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConnectionTest {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(flatten)]
    pub body: MailboxBody,
}

/// What the app's mailbox screen asks the shell (one IPC command).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailboxCommand {
    List,
    /// Creates (`id` none) or changes a mailbox.
    Save {
        id: Option<i64>,
        body: MailboxBody,
    },
    Delete {
        id: i64,
    },
    Test {
        test: ConnectionTest,
    },
    /// The mail that could not be read.
    Quarantine,
    /// Reads a quarantined mail again.
    Retry {
        id: i64,
    },
}

/// The shell's answer to a [`MailboxCommand`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum MailboxAnswer {
    Mailboxes(Vec<Mailbox>),
    Saved(Mailbox),
    Check(ConnectionCheck),
    Quarantine(Vec<super::quarantine::QuarantinedMail>),
    Retried(super::quarantine::RetryOutcome),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> MailboxBody {
        let server = |port| ServerSettings {
            host: " Mail.Example.CN ".into(),
            port,
            security: Security::StartTls,
            user: " support@example.cn ".into(),
        };
        MailboxBody {
            address: "Support <Support@Example.CN>".into(),
            display_name: " Acme Support ".into(),
            aliases: vec![
                "sales@example.cn".into(),
                "SALES@example.cn".into(),
                "support@example.cn".into(),
            ],
            smtp: server(587),
            smtp_password: Some("s3cret".into()),
            imap: server(143),
            imap_password: Some("s3cret".into()),
            imap_folder: "INBOX".into(),
            max_message_bytes: DEFAULT_MESSAGE_BYTES,
            group_ids: vec![3, 1, 3],
            enabled: true,
        }
    }

    #[test]
    fn a_mailbox_is_stored_normalized() {
        let v = validate(&body(), true).unwrap();
        assert_eq!(v.address, "support@example.cn");
        assert_eq!(v.display_name, "Acme Support");
        assert_eq!(v.aliases, vec!["sales@example.cn".to_owned()]);
        assert_eq!(v.smtp.host, "mail.example.cn");
        assert_eq!(v.smtp.user, "support@example.cn");
        assert_eq!(v.group_ids, vec![1, 3]);
    }

    #[test]
    fn faults_are_refused_with_one_code() {
        type Break = Box<dyn Fn(&mut MailboxBody)>;
        let cases: Vec<(&str, Break)> = vec![
            ("address", Box::new(|b| b.address = "support".into())),
            ("alias", Box::new(|b| b.aliases = vec!["nope".into()])),
            ("host", Box::new(|b| b.smtp.host = "mail example".into())),
            ("empty host", Box::new(|b| b.imap.host = " ".into())),
            ("port", Box::new(|b| b.imap.port = 0)),
            ("user", Box::new(|b| b.smtp.user = "".into())),
            ("folder", Box::new(|b| b.imap_folder = "".into())),
            ("too small", Box::new(|b| b.max_message_bytes = 1000)),
            (
                "too large",
                Box::new(|b| b.max_message_bytes = MAX_MESSAGE_BYTES + 1),
            ),
            (
                "empty password",
                Box::new(|b| b.smtp_password = Some("".into())),
            ),
            (
                "header injection",
                Box::new(|b| b.imap_password = Some("a\r\nb".into())),
            ),
            (
                "no password on create",
                Box::new(|b| b.imap_password = None),
            ),
        ];
        for (name, change) in cases {
            let mut b = body();
            change(&mut b);
            assert_eq!(validate(&b, true), Err(ErrorCode::InvalidMailbox), "{name}");
        }
        // A change may leave the passwords as they are.
        let mut b = body();
        b.smtp_password = None;
        b.imap_password = None;
        assert!(validate(&b, false).is_ok());
    }
}
