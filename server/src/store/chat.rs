//! Storage of the online service: chat settings and texts, visitors,
//! conversations, messages (idempotent by client id), surveys, agents'
//! capacity.

use async_trait::async_trait;
use fieldesk_core::Locale;
use fieldesk_core::business_hours::BusinessHours;
use fieldesk_core::chat::{Author, ChatMessage, MessagePage, Notice, Reference, TenantText};
use fieldesk_core::handoff::HandoffState;
use fieldesk_core::identity::CustomerLink;
use fieldesk_core::visit::VisitContext;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatSettings {
    /// Never empty.
    pub languages: Vec<Locale>,
    /// `None`: humans can always be reached.
    pub business_hours: Option<BusinessHours>,
    /// Average handling time, for the estimated wait.
    pub avg_handle_secs: u32,
    pub texts: Vec<(TenantText, Locale, String)>,
    pub llm: Option<LlmConfig>,
    /// Minutes without activity before a conversation is resolved.
    pub auto_resolve_minutes: Option<u32>,
    /// Name and contact asked before the first message.
    pub pre_chat: bool,
    /// The mailbox chat transcripts are mailed from (none: not offered).
    pub transcript_mailbox_id: Option<i64>,
}

/// The tenant's LLM endpoint, with its key (server side only; sealed with
/// the server key, see `secret_box`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LlmConfig {
    pub base_url: String,
    pub model: String,
    pub api_key: String,
}

impl Default for ChatSettings {
    fn default() -> Self {
        ChatSettings {
            languages: Locale::ALL.to_vec(),
            business_hours: None,
            avg_handle_secs: 300,
            texts: Vec::new(),
            llm: None,
            auto_resolve_minutes: None,
            pre_chat: false,
            transcript_mailbox_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    /// The verified customer, if any.
    pub customer: Option<CustomerLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: i64,
    pub tenant_id: i64,
    pub visitor_id: i64,
    pub visitor_name: String,
    pub state: HandoffState,
    /// The agent serving, or who served a closed conversation.
    pub agent_id: Option<i64>,
    pub locale: Locale,
    pub queued_at: Option<i64>,
    /// The service group it was transferred to, if any: only its members
    /// take it from the queue.
    pub group_id: Option<i64>,
    pub follow_up: bool,
    pub contact_name: Option<String>,
    pub contact: Option<String>,
    pub visitor_read_up_to: i64,
    pub visitor_delivered_up_to: i64,
    pub agent_read_up_to: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The visitor's verified customer, if any.
    pub customer: Option<CustomerLink>,
    /// Where the visit came from.
    pub context: VisitContext,
    /// Web chat or email; an email conversation's mailbox, subject and
    /// the first conversation of its thread.
    pub channel: fieldesk_core::channel::Channel,
    pub mailbox_id: Option<i64>,
    pub subject: Option<String>,
    pub linked_to: Option<i64>,
}

/// What a conversation starts with: the visitor's language, where they
/// came from, and the pre-chat form's name and contact, if asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConversation {
    pub locale: Locale,
    pub context: VisitContext,
    pub contact: Option<(String, String)>,
}

impl NewConversation {
    /// Nothing known but the language.
    pub fn in_locale(locale: Locale) -> Self {
        NewConversation {
            locale,
            context: VisitContext::default(),
            contact: None,
        }
    }
}

/// A conversation with what the workbench lists with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRow {
    pub conversation: Conversation,
    pub last_message: Option<String>,
    pub last_message_at: i64,
    /// Visitor messages after `agent_read_up_to`.
    pub unread: u32,
}

/// Which conversations to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationFilter {
    /// Served by this agent now.
    AgentActive(i64),
    Queued,
    FollowUp,
    /// Everything not closed, and closed ones of the last day.
    All,
}

/// A page of a conversation list, newest activity first: those before
/// `before` (last activity, id) of the previous page's last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPage {
    pub before: Option<(i64, i64)>,
    pub limit: u32,
}

impl ListPage {
    pub fn first(limit: u32) -> Self {
        ListPage {
            before: None,
            limit,
        }
    }

    /// No limit (an agent's own conversations, bounded by capacity).
    pub fn everything() -> Self {
        Self::first(u32::MAX)
    }
}

/// A message to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub client_id: Option<String>,
    pub author: Author,
    pub body: String,
    pub locale: Locale,
    pub references: Vec<Reference>,
    pub ai_generated: bool,
    pub notice: Option<Notice>,
}

impl NewMessage {
    pub fn system(notice: Notice, locale: Locale, body: String) -> Self {
        NewMessage {
            client_id: None,
            author: Author::System,
            body,
            locale,
            references: Vec::new(),
            ai_generated: false,
            notice: Some(notice),
        }
    }
}

/// Changes to a conversation, written with its messages in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationPatch {
    pub state: Option<HandoffState>,
    /// `Some(None)` takes it out of the queue.
    pub queued_at: Option<Option<i64>>,
    /// `Some(None)`: no group any more.
    pub group_id: Option<Option<i64>>,
    pub locale: Option<Locale>,
    /// A left message: name and contact, flagged for follow-up.
    pub left_message: Option<(String, String)>,
    pub visitor_read_up_to: Option<i64>,
    pub visitor_delivered_up_to: Option<i64>,
    pub agent_read_up_to: Option<i64>,
}

#[async_trait]
pub trait ChatStore: Send + Sync + 'static {
    async fn chat_settings(&self, tenant_id: i64) -> StoreResult<ChatSettings>;
    async fn set_chat_settings(&self, tenant_id: i64, settings: ChatSettings) -> StoreResult<()>;

    async fn create_visitor(&self, tenant_id: i64, token_hash: &str) -> StoreResult<Visitor>;
    async fn visitor_by_token(
        &self,
        tenant_id: i64,
        token_hash: &str,
    ) -> StoreResult<Option<Visitor>>;
    /// Links the visitor to a verified customer (`None`: unlinks);
    /// `false` when there is no such visitor.
    async fn link_customer(
        &self,
        tenant_id: i64,
        visitor_id: i64,
        link: Option<CustomerLink>,
    ) -> StoreResult<bool>;
    /// The tenant's identity secret, sealed, and when it was made.
    async fn identity_secret(&self, tenant_id: i64) -> StoreResult<Option<(String, i64)>>;
    /// Replaces (`None`: removes) the tenant's sealed identity secret.
    async fn set_identity_secret(
        &self,
        tenant_id: i64,
        sealed: Option<String>,
        at: i64,
    ) -> StoreResult<()>;

    /// The visitor's newest conversation that is not closed (a resolved
    /// one reopens when they write), if any.
    async fn open_conversation(
        &self,
        tenant_id: i64,
        visitor_id: i64,
    ) -> StoreResult<Option<Conversation>>;
    async fn create_conversation(
        &self,
        tenant_id: i64,
        visitor_id: i64,
        new: NewConversation,
    ) -> StoreResult<Conversation>;
    /// Conversations of any tenant, not closed or resolved, whose last
    /// activity is older than their tenant's idle time at `now`.
    async fn idle_conversations(&self, now: i64) -> StoreResult<Vec<Conversation>>;
    async fn conversation(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Conversation>>;
    /// Whether `agent_id` ever served the conversation.
    async fn has_served(&self, tenant_id: i64, id: i64, agent_id: i64) -> StoreResult<bool>;
    /// A page of the conversations matching `filter`, newest activity
    /// (`updated_at`) first.
    async fn conversations(
        &self,
        tenant_id: i64,
        filter: ConversationFilter,
        page: ListPage,
    ) -> StoreResult<Vec<ConversationRow>>;
    async fn conversation_row(
        &self,
        tenant_id: i64,
        id: i64,
    ) -> StoreResult<Option<ConversationRow>>;
    /// Queued conversations, first to serve first.
    async fn queue(&self, tenant_id: i64) -> StoreResult<Vec<Conversation>>;
    /// Tenants that have queued conversations.
    async fn tenants_with_queue(&self) -> StoreResult<Vec<i64>>;
    /// How many conversations each agent serves now.
    async fn active_counts(&self, tenant_id: i64) -> StoreResult<Vec<(i64, u32)>>;

    /// Stores a message; a message with the same author kind and client id
    /// in the conversation is returned instead (`false`: not new).
    async fn add_message(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message: NewMessage,
    ) -> StoreResult<(ChatMessage, bool)>;
    /// Applies `patch` and appends `messages` in one transaction.
    async fn update_conversation(
        &self,
        tenant_id: i64,
        id: i64,
        patch: ConversationPatch,
        messages: Vec<NewMessage>,
    ) -> StoreResult<(Conversation, Vec<ChatMessage>)>;
    /// At most `limit` messages of the page, oldest first: after an id,
    /// or the newest before one (or of all).
    async fn messages(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        page: MessagePage,
        limit: u32,
    ) -> StoreResult<Vec<ChatMessage>>;

    /// Stores the survey once; `false` if it was already stored.
    async fn save_survey(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        agent_id: Option<i64>,
        rating: u8,
        comment: &str,
    ) -> StoreResult<bool>;
    async fn survey(
        &self,
        tenant_id: i64,
        conversation_id: i64,
    ) -> StoreResult<Option<(Option<i64>, u8, String)>>;

    /// (capacity, last assigned at) of an agent.
    async fn agent_chat(&self, tenant_id: i64, user_id: i64) -> StoreResult<(u32, i64)>;
    async fn set_agent_capacity(
        &self,
        tenant_id: i64,
        user_id: i64,
        capacity: u32,
    ) -> StoreResult<()>;
    async fn mark_assigned(&self, tenant_id: i64, user_id: i64, at: i64) -> StoreResult<()>;
}
