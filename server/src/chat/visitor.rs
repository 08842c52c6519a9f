//! What a visitor does in the chat window.

use std::net::IpAddr;

use fieldesk_core::chat::{
    Author, ChatMessage, HISTORY_PAGE, MessagePage, Notice, RESUME_PAGE, TenantText, VisitorEvent,
    WindowTexts, pick_text, validate_client_id, validate_text, visitor_locale,
};
use fieldesk_core::event::ServerEvent;
use fieldesk_core::handoff::{HandoffEvent, HandoffState, asks_for_human, resolves_idle};
use fieldesk_core::identity::{OnResume, SignedIdentity, on_resume};
use fieldesk_core::{ErrorCode, Locale};

use super::identity::Presented;
use super::{ChatResult, ChatService, fail};
use crate::auth::{new_token, token_hash};
use crate::clock::now;
use crate::hub::{Audience, Envelope};
use crate::store::chat::{
    ChatSettings, Conversation, ConversationPatch, NewConversation, NewMessage, Visitor,
};
use fieldesk_core::visit::{VisitContext, validate_pre_chat};

/// A visitor's live connection: who, and which conversation.
#[derive(Debug, Clone)]
pub struct VisitorSession {
    pub tenant_id: i64,
    pub visitor: Visitor,
    /// `None` until the first message or pre-chat form: a page view
    /// starts no conversation.
    pub conversation_id: Option<i64>,
    /// The window's language (the conversation's, once there is one).
    pub locale: Locale,
    /// Where the visit came from, recorded when the conversation starts.
    pub context: VisitContext,
}

impl VisitorSession {
    fn started(&self) -> ChatResult<i64> {
        self.conversation_id
            .ok_or(super::ApiError::new(ErrorCode::NotFound))
    }
}

/// What the chat window sends to start or resume (see
/// [`fieldesk_core::chat::VisitorCommand::Resume`]), and from where.
pub struct Resume<'a> {
    pub tenant: &'a str,
    pub token: Option<&'a str>,
    pub after: i64,
    pub locale: Option<&'a str>,
    pub identity: Option<SignedIdentity>,
    pub client: IpAddr,
    /// As the window reported it, with the connection's user agent.
    pub context: VisitContext,
}

/// A started or resumed visit: the session, the `ready` answer, and an
/// error to show after it (an identity that did not verify).
pub struct Resumed {
    pub session: VisitorSession,
    pub ready: VisitorEvent,
    pub warning: Option<ErrorCode>,
}

const MAX_CONTACT_CHARS: usize = 200;
const MAX_COMMENT_CHARS: usize = 1000;

impl ChatService {
    /// Whether the window offers "Email transcript": the tenant chose a
    /// mailbox for them and it is enabled.
    async fn offers_transcript(&self, tenant_id: i64, settings: &ChatSettings) -> ChatResult<bool> {
        Ok(match settings.transcript_mailbox_id {
            Some(id) => self
                .store
                .mailbox(tenant_id, id)
                .await?
                .is_some_and(|m| m.mailbox.enabled),
            None => false,
        })
    }

    fn window_texts(&self, settings: &ChatSettings, locale: Locale) -> WindowTexts {
        let welcome = pick_text(&settings.texts, TenantText::Welcome, locale)
            .map(str::to_owned)
            .unwrap_or_else(|| self.text(locale, TenantText::Welcome.default_key(), &[]));
        WindowTexts { locale, welcome }
    }

    /// Starts or resumes a visit. An unknown `token` is refused (forged or
    /// from another tenant); none creates a new visitor, as many as the
    /// client's address (and the tenant) may start a minute. `identity`:
    /// who the embedding site says the visitor is; verified, it links the
    /// visitor to that customer (another customer on the same browser gets
    /// a new visitor); not verified, the visit goes on as a guest and the
    /// answer carries [`ErrorCode::InvalidIdentity`] to show.
    pub async fn resume(&self, request: Resume<'_>) -> ChatResult<Resumed> {
        let Resume {
            tenant: tenant_slug,
            token,
            after,
            locale: requested_locale,
            identity,
            client,
            context,
        } = request;
        let tenant = self
            .store
            .tenant_by_slug(tenant_slug)
            .await?
            .ok_or(super::ApiError::new(ErrorCode::UnknownTenant))?;
        let settings = self.store.chat_settings(tenant.id).await?;
        let existing = match token {
            Some(token) => Some((
                token.to_owned(),
                self.store
                    .visitor_by_token(tenant.id, &token_hash(token))
                    .await?
                    .ok_or(super::ApiError::new(ErrorCode::InvalidVisitorToken))?,
            )),
            None => None,
        };
        let presented = self.presented(tenant.id, identity.as_ref(), client).await?;
        let (link, warning) = match presented {
            Presented::None => (None, None),
            Presented::Verified(link) => (Some(link), None),
            Presented::Rejected => (None, Some(ErrorCode::InvalidIdentity)),
        };
        let current = existing.as_ref().and_then(|(_, v)| v.customer.as_ref());
        let (token, mut visitor, link) = match (on_resume(current, link), existing) {
            (OnResume::Keep, Some((token, visitor))) => (token, visitor, None),
            (OnResume::Link(link), Some((token, visitor))) => (token, visitor, Some(link)),
            (OnResume::Keep, None) => {
                let (token, visitor) = self.new_visitor(tenant.id, client).await?;
                (token, visitor, None)
            }
            (OnResume::Link(link) | OnResume::NewVisitor(link), _) => {
                let (token, visitor) = self.new_visitor(tenant.id, client).await?;
                (token, visitor, Some(link))
            }
        };
        if let Some(link) = link {
            self.store
                .link_customer(tenant.id, visitor.id, Some(link.clone()))
                .await?;
            visitor.customer = Some(link);
        }
        let mut locale = visitor_locale(requested_locale, &settings.languages);
        // A conversation only once the visitor writes (see `start`).
        let mut conversation = self.store.open_conversation(tenant.id, visitor.id).await?;
        if let Some(c) = &mut conversation {
            if requested_locale.is_some() && c.locale != locale {
                *c = self.switch_language(c, locale).await?;
            }
            locale = c.locale;
        }
        // Resuming: what was missed (the rest comes with the catch-up); a
        // new window: the newest page, older ones on "load earlier".
        let (history, earlier) = match &conversation {
            None => (Vec::new(), false),
            Some(c) if after > 0 => (
                self.store
                    .messages(tenant.id, c.id, MessagePage::After(after), RESUME_PAGE)
                    .await?,
                false,
            ),
            Some(c) => self.page_before(tenant.id, c.id, None).await?,
        };
        let ready = VisitorEvent::Ready {
            token,
            conversation_id: conversation.as_ref().map(|c| c.id),
            pre_chat: settings.pre_chat && conversation.is_none(),
            transcript: self.offers_transcript(tenant.id, &settings).await?,
            languages: settings.languages.clone(),
            texts: self.window_texts(&settings, locale),
            state: conversation.as_ref().map_or(HandoffState::Bot, |c| c.state),
            history,
            earlier,
            agent_read_up_to: conversation.as_ref().map_or(0, |c| c.agent_read_up_to),
        };
        Ok(Resumed {
            session: VisitorSession {
                tenant_id: tenant.id,
                visitor,
                conversation_id: conversation.map(|c| c.id),
                locale,
                context: context.sanitized(),
            },
            ready,
            warning,
        })
    }

    /// The visitor's conversation, started now if there is none: with
    /// where the visit came from and the pre-chat form's `contact`. A
    /// tenant that asks for the form gets none without it.
    async fn start(
        &self,
        s: &mut VisitorSession,
        contact: Option<(String, String)>,
    ) -> ChatResult<i64> {
        if let Some(id) = s.conversation_id {
            return Ok(id);
        }
        if contact.is_none() && self.store.chat_settings(s.tenant_id).await?.pre_chat {
            return fail(ErrorCode::PreChatRequired);
        }
        let new = NewConversation {
            locale: s.locale,
            context: s.context.clone(),
            contact,
        };
        let c = self
            .store
            .create_conversation(s.tenant_id, s.visitor.id, new)
            .await?;
        self.announce(s.tenant_id, c.id).await?;
        s.conversation_id = Some(c.id);
        Ok(c.id)
    }

    /// The pre-chat form: a name and an email or phone, then the
    /// conversation starts with them. Sent again (a retry), it changes
    /// nothing.
    pub async fn pre_chat(
        &self,
        s: &mut VisitorSession,
        name: &str,
        contact: &str,
    ) -> ChatResult<VisitorEvent> {
        let (name, contact) = validate_pre_chat(name, contact)?;
        let id = self
            .start(s, Some((name, contact.as_str().to_owned())))
            .await?;
        Ok(VisitorEvent::Started {
            conversation_id: id,
        })
    }

    /// A resolved conversation opens again when the visitor writes.
    async fn reopen(&self, c: Conversation) -> ChatResult<Conversation> {
        if c.state != HandoffState::Resolved {
            return Ok(c);
        }
        let _guard = self.lock(c.tenant_id).await;
        let settings = self.store.chat_settings(c.tenant_id).await?;
        let c = self.conversation(c.tenant_id, c.id).await?;
        self.handoff(&c, HandoffEvent::VisitorReturned, &settings)
            .await
    }

    /// Resolves conversations that saw no activity for their tenant's
    /// idle time, with a system message to both sides. Run periodically.
    pub async fn resolve_idle(&self) -> ChatResult<usize> {
        let idle = self.store.idle_conversations(now()).await?;
        let mut resolved = 0;
        for c in idle {
            let _guard = self.lock(c.tenant_id).await;
            let settings = self.store.chat_settings(c.tenant_id).await?;
            // Read again under the lock: the visitor may just have written.
            let c = self.conversation(c.tenant_id, c.id).await?;
            if !resolves_idle(c.state, c.updated_at, now(), settings.auto_resolve_minutes) {
                continue;
            }
            self.handoff(&c, HandoffEvent::Idle, &settings).await?;
            resolved += 1;
        }
        Ok(resolved)
    }

    /// The visitor ends the chat: a served one asks for the survey, and
    /// the agent is free for the next. Ending twice is not an error.
    pub async fn visitor_end(&self, s: &VisitorSession) -> ChatResult<()> {
        let Some(id) = s.conversation_id else {
            return Ok(());
        };
        {
            let _guard = self.lock(s.tenant_id).await;
            let settings = self.store.chat_settings(s.tenant_id).await?;
            let c = self.conversation(s.tenant_id, id).await?;
            if c.state == HandoffState::Closed {
                return Ok(());
            }
            self.handoff(&c, HandoffEvent::Ended, &settings).await?;
        }
        self.agent_changed(s.tenant_id).await
    }

    /// The page of messages before `before` (or the newest) and whether
    /// older ones exist.
    async fn page_before(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        before: Option<i64>,
    ) -> ChatResult<(Vec<ChatMessage>, bool)> {
        let mut page = self
            .store
            .messages(
                tenant_id,
                conversation_id,
                MessagePage::Before(before),
                HISTORY_PAGE + 1,
            )
            .await?;
        let more = page.len() > HISTORY_PAGE as usize;
        if more {
            page.remove(0);
        }
        Ok((page, more))
    }

    /// "Load earlier" in the window.
    pub async fn earlier(&self, s: &VisitorSession, before: i64) -> ChatResult<VisitorEvent> {
        let (messages, more) = match s.conversation_id {
            Some(id) => self.page_before(s.tenant_id, id, Some(before)).await?,
            None => (Vec::new(), false),
        };
        Ok(VisitorEvent::Earlier { messages, more })
    }

    /// What a window missed after message `after` (its socket fell
    /// behind, or events came between the resume and its subscription):
    /// every message since, then the conversation's state now.
    pub async fn catch_up(&self, s: &VisitorSession, after: i64) -> ChatResult<Vec<VisitorEvent>> {
        let mut events = Vec::new();
        let Some(conversation_id) = s.conversation_id else {
            return Ok(events);
        };
        let mut last = after;
        loop {
            let page = self
                .store
                .messages(
                    s.tenant_id,
                    conversation_id,
                    MessagePage::After(last),
                    RESUME_PAGE,
                )
                .await?;
            let full = page.len() == RESUME_PAGE as usize;
            last = page.last().map_or(last, |m| m.id);
            events.extend(page.into_iter().map(VisitorEvent::Message));
            if !full {
                break;
            }
        }
        let Some(conversation) = self
            .store
            .conversation(s.tenant_id, conversation_id)
            .await?
        else {
            return fail(ErrorCode::NotFound);
        };
        let settings = self.store.chat_settings(s.tenant_id).await?;
        let queue = self
            .queue_place(s.tenant_id, conversation.id, &settings)
            .await?;
        let agent_name = match conversation.state {
            HandoffState::Human { agent_id } => Some(self.agent_name(s.tenant_id, agent_id).await?),
            _ => None,
        };
        events.push(VisitorEvent::State {
            state: conversation.state,
            queue,
            agent_name,
        });
        Ok(events)
    }

    /// A new visitor and their token, within the new-visitor limits.
    async fn new_visitor(&self, tenant_id: i64, client: IpAddr) -> ChatResult<(String, Visitor)> {
        if !self.new_per_client.allow((tenant_id, client)) {
            tracing::warn!(%client, tenant = tenant_id, "new visitors from one address throttled");
            return fail(ErrorCode::RateLimited);
        }
        if !self.new_per_tenant.allow(tenant_id) {
            tracing::warn!(tenant = tenant_id, "new visitors of a tenant throttled");
            return fail(ErrorCode::RateLimited);
        }
        let (token, hash) = new_token();
        Ok((token, self.store.create_visitor(tenant_id, &hash).await?))
    }

    async fn switch_language(
        &self,
        conversation: &Conversation,
        locale: Locale,
    ) -> ChatResult<Conversation> {
        let patch = ConversationPatch {
            locale: Some(locale),
            ..Default::default()
        };
        let (after, _) = self
            .store
            .update_conversation(conversation.tenant_id, conversation.id, patch, vec![])
            .await?;
        self.announce(after.tenant_id, after.id).await?;
        Ok(after)
    }

    /// The visitor picks another language: everything after is in it.
    /// Before a conversation the answer is for this window alone
    /// (returned); after, every window of the conversation hears it.
    pub async fn set_language(
        &self,
        s: &mut VisitorSession,
        requested: &str,
    ) -> ChatResult<Option<VisitorEvent>> {
        let settings = self.store.chat_settings(s.tenant_id).await?;
        let locale = Locale::try_negotiate(requested)
            .filter(|l| settings.languages.contains(l))
            .ok_or(super::ApiError::new(ErrorCode::InvalidLanguage))?;
        s.locale = locale;
        let texts = self.window_texts(&settings, locale);
        let Some(id) = s.conversation_id else {
            return Ok(Some(VisitorEvent::Language { texts }));
        };
        let conversation = self.conversation(s.tenant_id, id).await?;
        self.switch_language(&conversation, locale).await?;
        self.to_visitor(s.tenant_id, id, VisitorEvent::Language { texts });
        Ok(None)
    }

    /// Validates and stores a visitor message once per client id; a new
    /// one is delivered. Returns the conversation as it was before.
    async fn store_visitor_message(
        &self,
        s: &mut VisitorSession,
        client_id: &str,
        text: &str,
        contact: Option<(String, String)>,
    ) -> ChatResult<(Conversation, ChatMessage, bool)> {
        let client_id = validate_client_id(client_id)?;
        let text = validate_text(text)?;
        if !self.limiter.allow((s.tenant_id, s.visitor.id)) {
            return fail(ErrorCode::RateLimited);
        }
        let id = self.start(s, contact).await?;
        let conversation = self.conversation(s.tenant_id, id).await?;
        if conversation.state == HandoffState::Closed {
            return fail(ErrorCode::ConversationClosed);
        }
        let conversation = self.reopen(conversation).await?;
        let message = NewMessage {
            client_id: Some(client_id.to_owned()),
            author: Author::Visitor,
            body: text.to_owned(),
            locale: conversation.locale,
            references: vec![],
            ai_generated: false,
            notice: None,
        };
        let (stored, new) = self.store.add_message(s.tenant_id, id, message).await?;
        if new {
            self.deliver(s.tenant_id, std::slice::from_ref(&stored))
                .await?;
            self.announce(s.tenant_id, id).await?;
        }
        Ok((conversation, stored, new))
    }

    /// Stores a visitor message once per client id; a new one is answered
    /// by the AI agent unless a human serves the conversation.
    pub async fn visitor_send(
        &self,
        s: &mut VisitorSession,
        client_id: &str,
        text: &str,
    ) -> ChatResult<ChatMessage> {
        let (conversation, stored, new) =
            self.store_visitor_message(s, client_id, text, None).await?;
        if new && conversation.state.bot_answers() {
            if asks_for_human(&stored.body) {
                self.ask_for_human(s).await?;
            } else {
                self.bot_reply(&conversation, &stored).await?;
            }
        }
        Ok(stored)
    }

    /// The visitor asks for a human (button or phrase); this starts (or
    /// reopens) the conversation.
    pub async fn ask_for_human(&self, s: &mut VisitorSession) -> ChatResult<()> {
        let id = self.start(s, None).await?;
        let _guard = self.lock(s.tenant_id).await;
        let settings = self.store.chat_settings(s.tenant_id).await?;
        let mut conversation = self.conversation(s.tenant_id, id).await?;
        if conversation.state == HandoffState::Resolved {
            conversation = self
                .handoff(&conversation, HandoffEvent::VisitorReturned, &settings)
                .await?;
        }
        let availability = self.availability(s.tenant_id, &settings).await?;
        self.handoff(
            &conversation,
            HandoffEvent::VisitorAsksForHuman(availability),
            &settings,
        )
        .await?;
        Ok(())
    }

    pub async fn visitor_typing(&self, s: &VisitorSession) -> ChatResult<()> {
        let Some(id) = s.conversation_id else {
            return Ok(());
        };
        let c = self.conversation(s.tenant_id, id).await?;
        let readers = self.live_readers(&c).await?;
        self.hub.publish(Envelope {
            tenant_id: s.tenant_id,
            audience: Audience::Readers(readers),
            event: ServerEvent::VisitorTyping {
                conversation_id: id,
            },
        });
        Ok(())
    }

    /// The visitor's window received (`read: false`) or showed messages up
    /// to `up_to`.
    pub async fn visitor_marks(
        &self,
        s: &VisitorSession,
        up_to: i64,
        read: bool,
    ) -> ChatResult<()> {
        let Some(id) = s.conversation_id else {
            return Ok(());
        };
        let patch = ConversationPatch {
            visitor_delivered_up_to: Some(up_to),
            visitor_read_up_to: read.then_some(up_to),
            ..Default::default()
        };
        let (c, _) = self
            .store
            .update_conversation(s.tenant_id, id, patch, vec![])
            .await?;
        if let Some(agent_id) = c.agent_id {
            self.hub.publish(Envelope {
                tenant_id: s.tenant_id,
                audience: Audience::User(agent_id),
                event: ServerEvent::VisitorMarks {
                    conversation_id: c.id,
                    delivered_up_to: c.visitor_delivered_up_to,
                    read_up_to: c.visitor_read_up_to,
                },
            });
        }
        Ok(())
    }

    /// Out of hours (or any time): name, contact and text, kept as a
    /// conversation to follow up.
    pub async fn leave_message(
        &self,
        s: &mut VisitorSession,
        client_id: &str,
        name: &str,
        contact: &str,
        text: &str,
    ) -> ChatResult<()> {
        let (name, contact) = (name.trim(), contact.trim());
        if name.is_empty()
            || contact.is_empty()
            || name.chars().count() > MAX_CONTACT_CHARS
            || contact.chars().count() > MAX_CONTACT_CHARS
        {
            return fail(ErrorCode::BadRequest);
        }
        let contact_given = Some((name.to_owned(), contact.to_owned()));
        let (conversation, _, new) = self
            .store_visitor_message(s, client_id, text, contact_given)
            .await?;
        if !new {
            // A retry of the same form: already saved and thanked.
            return Ok(());
        }
        let locale = conversation.locale;
        let thanks = self.text(
            locale,
            "chat-message-left",
            &[("name", name.to_owned()), ("contact", contact.to_owned())],
        );
        let patch = ConversationPatch {
            left_message: Some((name.to_owned(), contact.to_owned())),
            ..Default::default()
        };
        let (_, messages) = self
            .store
            .update_conversation(
                s.tenant_id,
                conversation.id,
                patch,
                vec![NewMessage::system(Notice::MessageLeft, locale, thanks)],
            )
            .await?;
        self.deliver(s.tenant_id, &messages).await?;
        self.announce(s.tenant_id, conversation.id).await
    }

    /// The satisfaction survey after a human served; stored once with the
    /// agent who served.
    pub async fn survey(&self, s: &VisitorSession, rating: u8, comment: &str) -> ChatResult<()> {
        if !(1..=5).contains(&rating) || comment.chars().count() > MAX_COMMENT_CHARS {
            return fail(ErrorCode::BadRequest);
        }
        let conversation = self.conversation(s.tenant_id, s.started()?).await?;
        if conversation.state != HandoffState::Closed || conversation.agent_id.is_none() {
            return fail(ErrorCode::BadRequest);
        }
        let new = self
            .store
            .save_survey(
                s.tenant_id,
                conversation.id,
                conversation.agent_id,
                rating,
                comment.trim(),
            )
            .await?;
        if new {
            let thanks = self.text(conversation.locale, "chat-survey-thanks", &[]);
            let (_, messages) = self
                .store
                .update_conversation(
                    s.tenant_id,
                    conversation.id,
                    ConversationPatch::default(),
                    vec![NewMessage::system(
                        Notice::SurveyThanks,
                        conversation.locale,
                        thanks,
                    )],
                )
                .await?;
            self.deliver(s.tenant_id, &messages).await?;
        }
        Ok(())
    }
}
