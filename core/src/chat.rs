//! Online service (线上客服): conversations between a visitor, the AI agent
//! and human agents. Types shared by the server, the visitor chat window
//! (`portal/`) and the agent workbench, and the visitor WebSocket protocol.
//!
//! Every message a client sends carries a client message id; the server
//! stores it with a unique key, so a retried or duplicated send yields the
//! same message, never a second one. Message ids grow monotonically, so a
//! reconnecting client asks for what came after the last id it saw.

use serde::{Deserialize, Serialize};

use crate::handoff::HandoffState;
use crate::{ErrorCode, Locale};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The longest chat message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// The longest client message id accepted, in bytes.
pub const MAX_CLIENT_ID_BYTES: usize = 64;

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Visitor,
    /// The AI agent (智能客服).
    Bot,
    Agent {
        user_id: i64,
        name: String,
    },
    /// A notice from the service itself (queue, handoff, hours, survey).
    System,
}

/// An article an AI answer was drawn from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Reference {
    pub article_id: i64,
    pub title: String,
}

/// What a system message is about, so clients can style or act on it
/// (the text itself is already in the conversation's language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    Queued,
    Assigned,
    Transferred,
    OutOfHours,
    NoAnswer,
    MessageLeft,
    Ended,
    Survey,
    SurveyThanks,
    AgentLeft,
    /// Resolved after the tenant's idle time; writing reopens it.
    Resolved,
    /// The visitor wrote again in a resolved conversation.
    Reopened,
    /// The visitor asked for the transcript by email (it is queued).
    TranscriptSent,
}

/// One message of a conversation, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ChatMessage {
    /// Grows monotonically across the server; clients resume after it.
    pub id: i64,
    pub conversation_id: i64,
    /// The sender's id for this message (visitor or agent), if any.
    pub client_id: Option<String>,
    pub author: Author,
    /// Plain text; clients render it as text, never as HTML.
    pub body: String,
    /// The language the message was written or generated in.
    pub locale: Locale,
    /// AI answers carry the articles they quote.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Written by the AI agent; clients show the "AI-generated" label.
    #[serde(default)]
    pub ai_generated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
    pub created_at: i64,
}

/// Where a message is on its way to the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Sent,
    Delivered,
    Read,
}

impl Delivery {
    /// The state of message `id` given how far the other side has received
    /// and read.
    pub fn of(id: i64, delivered_up_to: i64, read_up_to: i64) -> Delivery {
        if id <= read_up_to {
            Delivery::Read
        } else if id <= delivered_up_to {
            Delivery::Delivered
        } else {
            Delivery::Sent
        }
    }
}

/// Where a queued visitor stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QueuePlace {
    /// 1 for the next to be served.
    pub position: u32,
    /// Estimated wait in seconds.
    pub estimated_wait_secs: u32,
}

/// Estimated wait: conversations ahead (and this one) share the agents
/// online, each taking the average handling time.
pub fn estimated_wait_secs(position: u32, agents_online: u32, avg_handle_secs: u32) -> u32 {
    let agents = agents_online.max(1);
    position.div_ceil(agents).saturating_mul(avg_handle_secs)
}

/// A validated chat message text: trimmed, non-empty, within the limit.
pub fn validate_text(text: &str) -> Result<&str, ErrorCode> {
    let text = text.trim();
    if text.is_empty() {
        Err(ErrorCode::BadRequest)
    } else if text.chars().count() > MAX_MESSAGE_CHARS {
        Err(ErrorCode::MessageTooLong)
    } else {
        Ok(text)
    }
}

/// A validated client message id: 1–64 bytes of printable ASCII.
pub fn validate_client_id(id: &str) -> Result<&str, ErrorCode> {
    if !id.is_empty() && id.len() <= MAX_CLIENT_ID_BYTES && id.bytes().all(|b| b.is_ascii_graphic())
    {
        Ok(id)
    } else {
        Err(ErrorCode::BadRequest)
    }
}

/// Agent availability as chosen in the workbench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    Online,
    Away,
    #[default]
    Offline,
}

/// Tenant-written texts of the chat window, stored per language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TenantText {
    Welcome,
    SurveyQuestion,
    OutOfHours,
}

impl TenantText {
    pub const ALL: [TenantText; 3] = [
        TenantText::Welcome,
        TenantText::SurveyQuestion,
        TenantText::OutOfHours,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TenantText::Welcome => "welcome",
            TenantText::SurveyQuestion => "survey_question",
            TenantText::OutOfHours => "out_of_hours",
        }
    }

    /// The built-in text used when the tenant wrote none.
    pub fn default_key(self) -> &'static str {
        match self {
            TenantText::Welcome => "chat-default-welcome",
            TenantText::SurveyQuestion => "chat-default-survey-question",
            TenantText::OutOfHours => "chat-default-out-of-hours",
        }
    }

    pub fn parse(s: &str) -> Option<TenantText> {
        TenantText::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Picks a tenant text: the conversation's language, else zh-CN.
pub fn pick_text(
    texts: &[(TenantText, Locale, String)],
    which: TenantText,
    locale: Locale,
) -> Option<&str> {
    let find = |l: Locale| {
        texts
            .iter()
            .find(|(t, tl, body)| *t == which && *tl == l && !body.trim().is_empty())
            .map(|(_, _, body)| body.as_str())
    };
    find(locale).or_else(|| find(Locale::ZhCn))
}

/// The languages a tenant offers, in a stable order; never empty.
pub fn parse_languages(list: &str) -> Vec<Locale> {
    let offered: Vec<Locale> = Locale::ALL
        .into_iter()
        .filter(|l| list.split(',').any(|t| t.trim() == l.tag()))
        .collect();
    if offered.is_empty() {
        vec![Locale::ZhCn]
    } else {
        offered
    }
}

/// The chat window's language: the requested one if the tenant offers it,
/// else zh-CN if offered, else the first offered.
pub fn visitor_locale(requested: Option<&str>, offered: &[Locale]) -> Locale {
    let wanted = requested.and_then(Locale::try_negotiate);
    match wanted {
        Some(l) if offered.contains(&l) => l,
        _ if offered.contains(&Locale::ZhCn) || offered.is_empty() => Locale::ZhCn,
        _ => offered[0],
    }
}

/// Which messages of a conversation to read, always answered oldest
/// first and at most a page's worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessagePage {
    /// The ones after this id (resuming: what was missed).
    After(i64),
    /// The newest ones before this id, or the newest of all (`None`):
    /// the first screen and "load earlier".
    Before(Option<i64>),
}

/// Messages a first screen or a "load earlier" shows.
pub const HISTORY_PAGE: u32 = 50;
/// Messages one resume or catch-up read carries (more: read again after
/// the last one).
pub const RESUME_PAGE: u32 = 500;

/// What the visitor sends on `GET /api/visitor/{tenant}/ws`. The first
/// message must be [`VisitorCommand::Resume`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorCommand {
    /// Start or resume: the visitor token from an earlier visit, if any,
    /// the last message id seen, the wanted language, and who the
    /// embedding site says the visitor is (signed with the tenant's
    /// identity secret).
    Resume {
        token: Option<String>,
        #[serde(default)]
        after: i64,
        locale: Option<String>,
        #[serde(default)]
        identity: Option<crate::identity::SignedIdentity>,
        /// The page the chat was opened on, its referrer and the
        /// browser's language (recorded with the conversation).
        #[serde(default)]
        context: crate::visit::VisitContext,
    },
    /// The pre-chat form ([`VisitorEvent::Ready`] `pre_chat`): name and
    /// email or phone; starts the conversation.
    PreChat {
        name: String,
        contact: String,
    },
    Send {
        client_id: String,
        text: String,
    },
    /// The "talk to a human" button.
    AskForHuman,
    SetLanguage {
        locale: String,
    },
    Typing,
    /// "Load earlier": the page of messages before this id
    /// ([`VisitorEvent::Earlier`]).
    LoadEarlier {
        before: i64,
    },
    /// The visitor saw everything up to this message id.
    Read {
        up_to: i64,
    },
    LeaveMessage {
        client_id: String,
        name: String,
        contact: String,
        text: String,
    },
    Survey {
        rating: u8,
        #[serde(default)]
        comment: String,
    },
    /// The visitor ends the chat (a served one asks for the survey).
    End,
    /// "Email transcript" ([`VisitorEvent::Ready`] `transcript`): the
    /// conversation so far, mailed to `to` (once per `client_id`; answered
    /// with [`VisitorEvent::Ack`] and a [`Notice::TranscriptSent`] message).
    EmailTranscript {
        client_id: String,
        to: String,
    },
    Ping {
        nonce: u64,
    },
}

/// Tenant-written and built-in texts of the chat window, in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowTexts {
    pub locale: Locale,
    pub welcome: String,
}

/// What the server sends to the visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorEvent {
    /// The answer to `Resume`: keep `token` for the next visit.
    Ready {
        token: String,
        /// `None` until the visitor's first message (or pre-chat form):
        /// a page view alone starts no conversation.
        conversation_id: Option<i64>,
        /// The tenant asks for name and contact before the first message.
        #[serde(default)]
        pre_chat: bool,
        /// The tenant mails transcripts ("Email transcript" is offered).
        #[serde(default)]
        transcript: bool,
        languages: Vec<Locale>,
        texts: WindowTexts,
        state: HandoffState,
        /// Messages after the `after` of `Resume`, oldest first; for a
        /// new window (`after` 0) the newest page.
        history: Vec<ChatMessage>,
        /// Whether older messages than `history` exist ("load earlier").
        #[serde(default)]
        earlier: bool,
        agent_read_up_to: i64,
    },
    Message(ChatMessage),
    /// The answer to `LoadEarlier`: the page before, oldest first, and
    /// whether there is more.
    Earlier {
        messages: Vec<ChatMessage>,
        more: bool,
    },
    /// The client's message was stored (sent once, whatever the retries).
    Ack {
        client_id: String,
        message_id: i64,
        /// The conversation it is in (the first message starts one).
        #[serde(default)]
        conversation_id: i64,
    },
    /// The message with this client id was refused for now (too many in a
    /// short time): the window keeps it, marked "not sent, retrying", and
    /// sends it again (same client id) after `retry_after_ms`.
    NotSent {
        client_id: String,
        code: ErrorCode,
        retry_after_ms: u32,
    },
    /// The pre-chat form was accepted and the conversation started.
    Started {
        conversation_id: i64,
    },
    State {
        state: HandoffState,
        queue: Option<QueuePlace>,
        /// The serving agent's display name.
        agent_name: Option<String>,
    },
    Language {
        texts: WindowTexts,
    },
    AgentTyping,
    /// The agent read everything up to this message id.
    Read {
        up_to: i64,
    },
    /// Show the survey form (rating 1–5 and a comment).
    SurveyRequested {
        question: String,
    },
    /// A command could not be carried out; the connection stays open.
    Error {
        code: ErrorCode,
        message: String,
    },
    Pong {
        nonce: u64,
    },
}

/// A conversation as the workbench lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConversationSummary {
    pub id: i64,
    /// The name the visitor typed (unverified) or the one given to them.
    pub visitor_name: String,
    /// One visitor is one browser's chat window (their token).
    #[serde(default)]
    pub visitor_id: i64,
    /// The customer the visitor is verified as: only then does the
    /// sidebar show work orders and earlier conversations.
    #[serde(default)]
    pub customer: Option<crate::identity::CustomerLink>,
    pub state: HandoffState,
    /// The visitor's current language.
    pub locale: Locale,
    pub agent_id: Option<i64>,
    pub queue: Option<QueuePlace>,
    /// A left message to follow up (out of hours).
    pub follow_up: bool,
    pub last_message: Option<String>,
    pub last_message_at: i64,
    /// Visitor messages the serving agent has not read.
    pub unread: u32,
    /// How far the visitor has received and read the agent's messages.
    pub visitor_delivered_up_to: i64,
    pub visitor_read_up_to: i64,
    pub created_at: i64,
    /// Email or phone from the pre-chat form or a left message.
    #[serde(default)]
    pub contact: Option<String>,
    /// Where the visit came from (the visitor profile panel).
    #[serde(default)]
    pub context: crate::visit::VisitContext,
    /// Last activity: lists are ordered by it, newest first.
    #[serde(default)]
    pub updated_at: i64,
    /// Web chat or email.
    #[serde(default)]
    pub channel: crate::channel::Channel,
    /// An email conversation's subject (of its first mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The service mailbox an email conversation came in on or went out
    /// from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_id: Option<i64>,
}

impl ConversationSummary {
    /// Where the next page of a list starts (`before=` this).
    pub fn cursor(&self) -> ListCursor {
        ListCursor {
            activity: self.updated_at,
            id: self.id,
        }
    }
}

/// Conversations per page of a workbench list, by default and at most.
pub const CONVERSATION_PAGE: u32 = 50;
pub const MAX_CONVERSATION_PAGE: u32 = 200;

/// A place in a conversation list (newest activity first): the last
/// activity and id of the last row held; `updated_at.id` in a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ListCursor {
    pub activity: i64,
    pub id: i64,
}

impl std::fmt::Display for ListCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.activity, self.id)
    }
}

impl std::str::FromStr for ListCursor {
    type Err = ErrorCode;

    fn from_str(s: &str) -> Result<Self, ErrorCode> {
        let (activity, id) = s.split_once('.').ok_or(ErrorCode::BadRequest)?;
        Ok(ListCursor {
            activity: activity.parse().map_err(|_| ErrorCode::BadRequest)?,
            id: id.parse().map_err(|_| ErrorCode::BadRequest)?,
        })
    }
}

/// `PUT /api/chat/status`: the caller's availability and capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AgentStatusBody {
    pub status: AgentStatus,
    /// Concurrent conversations (0–50); unchanged when absent.
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// `GET /api/chat/agents`: who a conversation can be transferred to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ChatAgent {
    pub user_id: i64,
    pub display_name: String,
    pub status: AgentStatus,
}

/// `POST /api/chat/conversations/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SendBody {
    /// The sender's id for this message; a retry with the same id stores
    /// nothing new.
    pub client_id: String,
    pub text: String,
}

/// `POST /api/chat/conversations/{id}/transfer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TransferBody {
    /// Exactly one of `to_agent` and `to_group`.
    #[serde(default)]
    pub to_agent: Option<i64>,
    /// A service group: a free member takes it, or it waits for one.
    #[serde(default)]
    pub to_group: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// `POST /api/chat/conversations/{id}/read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReadBody {
    pub up_to: i64,
}

/// A stored satisfaction survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SurveyBody {
    /// The agent who served.
    pub agent_id: Option<i64>,
    /// 1–5.
    pub rating: u8,
    pub comment: String,
}

/// One tenant-written text in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TenantTextEntry {
    pub key: TenantText,
    pub locale: Locale,
    pub body: String,
}

/// An OpenAI-compatible endpoint that phrases the AI agent's answers from
/// the retrieved passages. The key is never sent back: `GET` answers an
/// empty `api_key` and `api_key_set`; `PUT` with an empty key keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LlmSettings {
    /// e.g. `https://api.example.com/v1` (`/chat/completions` is appended).
    pub base_url: String,
    pub model: String,
    #[serde(default)]
    pub api_key: String,
    #[serde(default)]
    pub api_key_set: bool,
}

/// `GET`/`PUT /api/chat/settings` (admins): the chat window's languages,
/// business hours and texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ChatSettingsBody {
    /// A non-empty subset of zh-CN, zh-TW, en.
    pub languages: Vec<Locale>,
    /// `null`: humans can be reached at any time.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub business_hours: Option<crate::business_hours::BusinessHours>,
    pub avg_handle_secs: u32,
    pub texts: Vec<TenantTextEntry>,
    /// `null`: the AI agent answers by retrieval alone (the default).
    #[serde(default)]
    pub llm: Option<LlmSettings>,
    /// Minutes without activity after which a conversation is resolved
    /// (1–43200); `null`: never.
    #[serde(default)]
    pub auto_resolve_minutes: Option<u32>,
    /// Ask name and email or phone before the first message.
    #[serde(default)]
    pub pre_chat: bool,
    /// The service mailbox chat transcripts are mailed from; `null`: the
    /// window offers none.
    #[serde(default)]
    pub transcript_mailbox_id: Option<i64>,
}

/// Longest idle time a tenant can set (30 days).
pub const MAX_AUTO_RESOLVE_MINUTES: u32 = 43_200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_follows_the_other_sides_marks() {
        assert_eq!(Delivery::of(5, 4, 3), Delivery::Sent);
        assert_eq!(Delivery::of(5, 5, 3), Delivery::Delivered);
        assert_eq!(Delivery::of(5, 9, 5), Delivery::Read);
    }

    #[test]
    fn wait_is_shared_by_online_agents() {
        assert_eq!(estimated_wait_secs(1, 0, 300), 300);
        assert_eq!(estimated_wait_secs(3, 2, 300), 600);
        assert_eq!(estimated_wait_secs(4, 2, 300), 600);
    }

    #[test]
    fn text_limits() {
        assert_eq!(validate_text("  hi "), Ok("hi"));
        assert_eq!(validate_text("   "), Err(ErrorCode::BadRequest));
        let long = "字".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(validate_text(&long), Err(ErrorCode::MessageTooLong));
        assert!(validate_text(&"字".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert!(validate_client_id("c-1").is_ok());
        assert!(validate_client_id("").is_err());
        assert!(validate_client_id("a b").is_err());
        assert!(validate_client_id(&"x".repeat(65)).is_err());
    }

    #[test]
    fn languages_and_fallbacks() {
        assert_eq!(parse_languages("en, zh-TW"), vec![Locale::ZhTw, Locale::En]);
        assert_eq!(parse_languages("fr"), vec![Locale::ZhCn]);
        let offered = [Locale::ZhCn, Locale::ZhTw];
        assert_eq!(visitor_locale(Some("zh-Hant"), &offered), Locale::ZhTw);
        assert_eq!(visitor_locale(Some("en"), &offered), Locale::ZhCn);
        assert_eq!(visitor_locale(None, &offered), Locale::ZhCn);
        assert_eq!(visitor_locale(Some("xx"), &[Locale::En]), Locale::En);

        let texts = vec![
            (TenantText::Welcome, Locale::ZhCn, "欢迎".to_owned()),
            (TenantText::Welcome, Locale::En, "Welcome".to_owned()),
            (TenantText::OutOfHours, Locale::ZhTw, " ".to_owned()),
        ];
        assert_eq!(
            pick_text(&texts, TenantText::Welcome, Locale::En),
            Some("Welcome")
        );
        assert_eq!(
            pick_text(&texts, TenantText::Welcome, Locale::ZhTw),
            Some("欢迎")
        );
        assert_eq!(
            pick_text(&texts, TenantText::OutOfHours, Locale::ZhTw),
            None
        );
    }

    #[test]
    fn list_cursors_round_trip_and_refuse_garbage() {
        let c = ListCursor {
            activity: 1_764_700_000,
            id: 42,
        };
        assert_eq!(c.to_string(), "1764700000.42");
        assert_eq!("1764700000.42".parse(), Ok(c));
        for bad in ["", "42", "a.b", "1.2.3", "1.", ".2"] {
            assert_eq!(
                bad.parse::<ListCursor>(),
                Err(ErrorCode::BadRequest),
                "{bad}"
            );
        }
    }

    #[test]
    fn visitor_protocol_is_tagged_json() {
        let cmd: VisitorCommand =
            serde_json::from_str(r#"{"type":"send","client_id":"c1","text":"hi"}"#).unwrap();
        assert_eq!(
            cmd,
            VisitorCommand::Send {
                client_id: "c1".into(),
                text: "hi".into()
            }
        );
        let resume: VisitorCommand =
            serde_json::from_str(r#"{"type":"resume","token":null,"locale":"en"}"#).unwrap();
        assert!(matches!(resume, VisitorCommand::Resume { after: 0, .. }));
    }
}
