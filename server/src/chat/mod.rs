//! The online service engine: carries out the handoff decisions of
//! [`fieldesk_core::handoff`] (queue, assignment, hours, survey), stores
//! messages idempotently, answers with the AI agent, and tells both sides
//! through the hub. Handlers (`routes::chat`, `visitor_ws`) call it; it
//! holds no per-request state.
//!
//! Changes to who serves a conversation are serialized per tenant, so two
//! agents never get the same conversation and nobody is queued twice.

mod agent;
mod bot;
mod identity;
pub mod presence;
mod visitor;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use fieldesk_core::chat::{
    ChatMessage, ConversationSummary, ListCursor, Notice, QueuePlace, VisitorEvent,
    estimated_wait_secs,
};
use fieldesk_core::conversation_access::{Access, LiveReaders, live_readers, may_read};
use fieldesk_core::event::ServerEvent;
use fieldesk_core::handoff::{Availability, Effect, HandoffError, HandoffEvent, HandoffState};
use fieldesk_core::i18n::{Catalog, FluentArgs};
use fieldesk_core::{ErrorCode, Locale};

use self::presence::{Presence, RateLimiter, VisitorLimits};
pub use self::visitor::{Resume, Resumed, VisitorSession};
use crate::clock::now;
use crate::error::ApiError;
use crate::hub::{Audience, Envelope, Hub};
use crate::outbound::Outbound;
use crate::secret_box::SecretBox;
use crate::security::SecurityService;
use crate::store::chat::{
    ChatSettings, Conversation, ConversationPatch, ConversationRow, ListPage, NewMessage,
};
use crate::store::{Store, User};

pub type ChatResult<T> = Result<T, ApiError>;

fn fail<T>(code: ErrorCode) -> ChatResult<T> {
    Err(ApiError::new(code))
}

/// What the access rule needs of a conversation.
fn access(c: &Conversation) -> Access {
    Access {
        state: c.state,
        agent_id: c.agent_id,
        group_id: c.group_id,
        follow_up: c.follow_up,
    }
}

pub struct ChatService {
    store: Arc<dyn Store>,
    hub: Hub,
    catalog: Arc<Catalog>,
    pub presence: Presence,
    limiter: RateLimiter<(i64, i64)>,
    new_per_client: RateLimiter<(i64, IpAddr)>,
    new_per_tenant: RateLimiter<i64>,
    /// Rejected identities logged per client address (a window retrying
    /// with a bad hash must not flood the security log).
    identity_log: RateLimiter<(i64, IpAddr)>,
    locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// For tenants' LLM endpoints.
    outbound: Outbound,
    /// Opens the tenants' identity secrets.
    secrets: Arc<SecretBox>,
    /// The security event log (rejected identities, customer links).
    security: Arc<SecurityService>,
}

/// What the chat engine is built from besides the store and the hub.
pub struct ChatParts {
    pub catalog: Arc<Catalog>,
    pub limits: VisitorLimits,
    pub outbound: Outbound,
    pub secrets: Arc<SecretBox>,
    pub security: Arc<SecurityService>,
}

impl ChatService {
    pub fn new(store: Arc<dyn Store>, hub: Hub, parts: ChatParts) -> Self {
        let ChatParts {
            catalog,
            limits,
            outbound,
            secrets,
            security,
        } = parts;
        ChatService {
            store,
            hub,
            catalog,
            presence: Presence::default(),
            limiter: RateLimiter::new(limits.message_burst, limits.messages_per_sec),
            new_per_client: RateLimiter::new(
                limits.new_per_client_burst,
                limits.new_per_client_per_min / 60.0,
            ),
            new_per_tenant: RateLimiter::new(
                limits.new_per_tenant_burst,
                limits.new_per_tenant_per_min / 60.0,
            ),
            identity_log: RateLimiter::new(5, 1.0 / 60.0),
            locks: Mutex::new(HashMap::new()),
            outbound,
            secrets,
            security,
        }
    }

    /// Serializes changes of who serves conversations in one tenant.
    async fn lock(&self, tenant_id: i64) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self
            .locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(tenant_id)
            .or_default()
            .clone();
        lock.lock_owned().await
    }

    fn text(&self, locale: Locale, key: &str, args: &[(&str, String)]) -> String {
        if args.is_empty() {
            return self.catalog.message(locale, key);
        }
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, value.clone());
        }
        self.catalog.message_args(locale, key, Some(&fluent))
    }

    fn to_visitor(&self, tenant_id: i64, conversation_id: i64, event: VisitorEvent) {
        self.hub.publish_visitor(tenant_id, conversation_id, event);
    }

    /// Sends new messages (of one conversation) to those of the staff who
    /// may read it, and to the visitor.
    async fn deliver(&self, tenant_id: i64, messages: &[ChatMessage]) -> ChatResult<()> {
        let Some(first) = messages.first() else {
            return Ok(());
        };
        let c = self.conversation(tenant_id, first.conversation_id).await?;
        let readers = self.live_readers(&c).await?;
        for m in messages {
            self.hub.publish(Envelope {
                tenant_id,
                audience: Audience::Readers(readers.clone()),
                event: ServerEvent::ChatMessage { message: m.clone() },
            });
            self.to_visitor(
                tenant_id,
                m.conversation_id,
                VisitorEvent::Message(m.clone()),
            );
        }
        Ok(())
    }

    /// Who of the staff gets a conversation's live events now.
    async fn live_readers(&self, c: &Conversation) -> ChatResult<LiveReaders> {
        let members = match (c.state, c.group_id) {
            (HandoffState::Queued, Some(group)) => self
                .store
                .groups(c.tenant_id)
                .await?
                .into_iter()
                .find(|g| g.id == group)
                .map(|g| g.member_ids)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Ok(live_readers(&access(c), &members))
    }

    /// The conversation, if `user` may read it (else "not found": its
    /// existence is not revealed).
    pub async fn readable(&self, user: &User, id: i64) -> ChatResult<Conversation> {
        let c = self.conversation(user.tenant_id, id).await?;
        if self.may_read(user, &c).await? {
            Ok(c)
        } else {
            fail(ErrorCode::NotFound)
        }
    }

    async fn may_read(&self, user: &User, c: &Conversation) -> ChatResult<bool> {
        let a = access(c);
        if may_read(user.id, user.role, &[], &a, false) {
            return Ok(true);
        }
        if !user.role.serves_chat() {
            return Ok(false);
        }
        let groups = self.groups_of(user).await?;
        let served = self.store.has_served(user.tenant_id, c.id, user.id).await?;
        Ok(may_read(user.id, user.role, &groups, &a, served))
    }

    async fn groups_of(&self, user: &User) -> ChatResult<Vec<i64>> {
        Ok(self
            .store
            .groups(user.tenant_id)
            .await?
            .into_iter()
            .filter(|g| g.member_ids.contains(&user.id))
            .map(|g| g.id)
            .collect())
    }

    async fn queue_place(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        settings: &ChatSettings,
    ) -> ChatResult<Option<QueuePlace>> {
        let queue = self.store.queue(tenant_id).await?;
        Ok(queue
            .iter()
            .position(|c| c.id == conversation_id)
            .map(|i| self.place(i as u32 + 1, tenant_id, settings)))
    }

    fn place(&self, position: u32, tenant_id: i64, settings: &ChatSettings) -> QueuePlace {
        let agents = self.presence.online(tenant_id).len() as u32;
        QueuePlace {
            position,
            estimated_wait_secs: estimated_wait_secs(position, agents, settings.avg_handle_secs),
        }
    }

    fn summary(&self, row: ConversationRow, queue: Option<QueuePlace>) -> ConversationSummary {
        let c = row.conversation;
        ConversationSummary {
            id: c.id,
            visitor_name: c.contact_name.unwrap_or(c.visitor_name),
            visitor_id: c.visitor_id,
            customer: c.customer,
            state: c.state,
            locale: c.locale,
            agent_id: c.agent_id,
            queue,
            follow_up: c.follow_up,
            last_message: row.last_message,
            last_message_at: row.last_message_at,
            unread: row.unread,
            visitor_delivered_up_to: c.visitor_delivered_up_to,
            visitor_read_up_to: c.visitor_read_up_to,
            created_at: c.created_at,
            contact: c.contact,
            context: c.context,
            updated_at: c.updated_at,
            channel: c.channel,
            subject: c.subject,
            mailbox_id: c.mailbox_id,
        }
    }

    /// Tells those who may read the conversation where a sent mail is.
    pub(crate) async fn mail_status(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message_id: i64,
        status: fieldesk_core::email::outgoing::SendStatus,
        detail: String,
    ) {
        let c = match self.conversation(tenant_id, conversation_id).await {
            Ok(c) => c,
            Err(e) => return tracing::warn!(%e, "a sent mail's conversation"),
        };
        match self.live_readers(&c).await {
            Ok(readers) => self.hub.publish(Envelope {
                tenant_id,
                audience: Audience::Readers(readers),
                event: ServerEvent::MailStatus {
                    conversation_id,
                    message_id,
                    status,
                    detail,
                },
            }),
            Err(e) => tracing::warn!(%e, "who reads a sent mail's conversation"),
        }
    }

    /// A mail arrived in an email conversation: its message goes to the
    /// staff who may read it, and their lists learn of the conversation.
    pub(crate) async fn mail_arrived(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message: &ChatMessage,
    ) -> ChatResult<()> {
        self.deliver(tenant_id, std::slice::from_ref(message))
            .await?;
        self.announce(tenant_id, conversation_id).await
    }

    /// A page of `user`'s workbench list, with queue places: only those
    /// they may read (a queue for a group they are not in is not theirs).
    /// Full pages (`limit` rows) unless the list ends: the store is read
    /// page after page until that many are readable.
    pub async fn list(
        &self,
        user: &User,
        filter: crate::store::chat::ConversationFilter,
        before: Option<ListCursor>,
        limit: u32,
    ) -> ChatResult<Vec<ConversationSummary>> {
        let tenant_id = user.tenant_id;
        let settings = self.store.chat_settings(tenant_id).await?;
        let queue = self.store.queue(tenant_id).await?;
        let groups = self.groups_of(user).await?;
        let mut page = ListPage {
            before: before.map(|c| (c.activity, c.id)),
            limit,
        };
        let mut readable = Vec::new();
        'pages: loop {
            let rows = self.store.conversations(tenant_id, filter, page).await?;
            let last_page = rows.len() < page.limit as usize;
            for row in rows {
                let c = &row.conversation;
                page.before = Some((c.updated_at, c.id));
                if may_read(user.id, user.role, &groups, &access(c), false)
                    || self.store.has_served(tenant_id, c.id, user.id).await?
                {
                    readable.push(row);
                    if readable.len() == limit as usize {
                        break 'pages;
                    }
                }
            }
            if last_page {
                break;
            }
        }
        Ok(readable
            .into_iter()
            .map(|row| {
                let place = queue
                    .iter()
                    .position(|c| c.id == row.conversation.id)
                    .map(|i| self.place(i as u32 + 1, tenant_id, &settings));
                self.summary(row, place)
            })
            .collect())
    }

    /// Tells the staff that a conversation changed.
    async fn announce(&self, tenant_id: i64, conversation_id: i64) -> ChatResult<()> {
        let Some(row) = self
            .store
            .conversation_row(tenant_id, conversation_id)
            .await?
        else {
            return Ok(());
        };
        // Only a queued conversation has a place to compute.
        let place = if row.conversation.state == HandoffState::Queued
            && row.conversation.channel == fieldesk_core::channel::Channel::WebChat
        {
            let settings = self.store.chat_settings(tenant_id).await?;
            self.queue_place(tenant_id, conversation_id, &settings)
                .await?
        } else {
            None
        };
        let readers = self.live_readers(&row.conversation).await?;
        let conversation = self.summary(row, place);
        // The others learn only that it changed (their lists refresh).
        let mut redacted = conversation.clone();
        redacted.visitor_name = String::new();
        redacted.customer = None;
        redacted.last_message = None;
        redacted.unread = 0;
        redacted.contact = None;
        redacted.context = Default::default();
        self.hub.publish(Envelope {
            tenant_id,
            audience: Audience::Readers(readers.clone()),
            event: ServerEvent::ConversationChanged {
                conversation: Box::new(conversation),
            },
        });
        // A conversation with the AI agent is nobody's business but the
        // supervisors' (new visitors do not stir every agent's list).
        if redacted.state != HandoffState::Bot {
            self.hub.publish(Envelope {
                tenant_id,
                audience: Audience::NotReaders(readers),
                event: ServerEvent::ConversationChanged {
                    conversation: Box::new(redacted),
                },
            });
        }
        Ok(())
    }

    /// Tells every queued visitor their (new) place.
    async fn publish_queue(&self, tenant_id: i64, settings: &ChatSettings) -> ChatResult<()> {
        for (i, c) in self.store.queue(tenant_id).await?.iter().enumerate() {
            let place = self.place(i as u32 + 1, tenant_id, settings);
            self.to_visitor(
                tenant_id,
                c.id,
                VisitorEvent::State {
                    state: c.state,
                    queue: Some(place),
                    agent_name: None,
                },
            );
        }
        Ok(())
    }

    async fn agent_name(&self, tenant_id: i64, agent_id: i64) -> ChatResult<String> {
        Ok(self
            .store
            .user(tenant_id, agent_id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default())
    }

    /// The agent to assign now: online, under capacity, least loaded, then
    /// the one who got a conversation longest ago (round-robin).
    /// Among `among` when given (a group's members).
    async fn free_agent(&self, tenant_id: i64, among: Option<&[i64]>) -> ChatResult<Option<i64>> {
        let mut online = self.presence.online(tenant_id);
        if let Some(members) = among {
            online.retain(|a| members.contains(a));
        }
        if online.is_empty() {
            return Ok(None);
        }
        let counts = self.store.active_counts(tenant_id).await?;
        let mut best: Option<(u32, i64, i64)> = None;
        for agent in online {
            let load = counts
                .iter()
                .find(|(a, _)| *a == agent)
                .map_or(0, |(_, n)| *n);
            let (capacity, last_assigned) = self.store.agent_chat(tenant_id, agent).await?;
            if load >= capacity {
                continue;
            }
            let key = (load, last_assigned, agent);
            if best.is_none_or(|b| key < b) {
                best = Some(key);
            }
        }
        Ok(best.map(|(_, _, agent)| agent))
    }

    async fn availability(
        &self,
        tenant_id: i64,
        settings: &ChatSettings,
    ) -> ChatResult<Availability> {
        let within_business_hours = settings
            .business_hours
            .as_ref()
            .is_none_or(|h| h.is_open(now()));
        let free_agent = if within_business_hours {
            self.free_agent(tenant_id, None).await?
        } else {
            None
        };
        Ok(Availability {
            within_business_hours,
            free_agent,
        })
    }

    /// Applies a handoff event to a conversation and carries out its
    /// effects: state, queue, system messages in the visitor's language,
    /// survey, and live notices. Call with the tenant lock held.
    async fn handoff(
        &self,
        conversation: &Conversation,
        event: HandoffEvent,
        settings: &ChatSettings,
    ) -> ChatResult<Conversation> {
        let tenant_id = conversation.tenant_id;
        let locale = conversation.locale;
        let (next, effects) = match conversation.state.apply(event) {
            Ok(next) => next,
            Err(HandoffError::Closed) => return fail(ErrorCode::ConversationClosed),
            Err(HandoffError::AlreadyHuman) => return Ok(conversation.clone()),
        };
        let mut patch = ConversationPatch {
            state: Some(next),
            ..Default::default()
        };
        let mut messages = Vec::new();
        let mut survey = None;
        let queue = self.store.queue(tenant_id).await?;
        for effect in effects {
            match effect {
                Effect::AssignedTo { agent_id } => {
                    let agent = self.agent_name(tenant_id, agent_id).await?;
                    let (notice, key) = if matches!(conversation.state, HandoffState::Human { .. })
                    {
                        (Notice::Transferred, "chat-transferred")
                    } else {
                        (Notice::Assigned, "chat-assigned")
                    };
                    let body = self.text(locale, key, &[("agent", agent)]);
                    messages.push(NewMessage::system(notice, locale, body));
                    self.store.mark_assigned(tenant_id, agent_id, now()).await?;
                }
                Effect::Enqueue => {
                    let back_to_front = matches!(event, HandoffEvent::AgentLeft);
                    let (at, position) = if back_to_front {
                        (
                            conversation
                                .created_at
                                .min(queue.first().and_then(|c| c.queued_at).unwrap_or(i64::MAX))
                                - 1,
                            1,
                        )
                    } else {
                        (now(), queue.len() as u32 + 1)
                    };
                    patch.queued_at = Some(Some(at));
                    let place = self.place(position, tenant_id, settings);
                    let (notice, body) = if back_to_front {
                        (Notice::AgentLeft, self.text(locale, "chat-agent-left", &[]))
                    } else {
                        (
                            Notice::Queued,
                            self.queue_text(locale, "chat-queued", place),
                        )
                    };
                    messages.push(NewMessage::system(notice, locale, body));
                }
                Effect::TellQueuePosition => {
                    let position = queue
                        .iter()
                        .position(|c| c.id == conversation.id)
                        .map_or(queue.len() as u32, |i| i as u32 + 1);
                    let place = self.place(position, tenant_id, settings);
                    let body = self.queue_text(locale, "chat-queue-position", place);
                    messages.push(NewMessage::system(Notice::Queued, locale, body));
                }
                Effect::OutOfHours => {
                    messages.push(NewMessage::system(
                        Notice::OutOfHours,
                        locale,
                        self.out_of_hours_text(locale, settings),
                    ));
                }
                Effect::Dequeue => patch.queued_at = Some(None),
                Effect::SendSurvey { .. } => {
                    let question = fieldesk_core::chat::pick_text(
                        &settings.texts,
                        fieldesk_core::chat::TenantText::SurveyQuestion,
                        locale,
                    )
                    .map(str::to_owned)
                    .unwrap_or_else(|| self.text(locale, "chat-default-survey-question", &[]));
                    messages.push(NewMessage::system(
                        Notice::Ended,
                        locale,
                        self.text(locale, "chat-ended", &[]),
                    ));
                    messages.push(NewMessage::system(Notice::Survey, locale, question.clone()));
                    survey = Some(question);
                }
                Effect::TellEnded => messages.push(NewMessage::system(
                    Notice::Ended,
                    locale,
                    self.text(locale, "chat-ended", &[]),
                )),
                Effect::TellResolved => {
                    let minutes = settings.auto_resolve_minutes.unwrap_or(0).to_string();
                    messages.push(NewMessage::system(
                        Notice::Resolved,
                        locale,
                        self.text(locale, "chat-resolved", &[("minutes", minutes)]),
                    ));
                }
                Effect::TellReopened => messages.push(NewMessage::system(
                    Notice::Reopened,
                    locale,
                    self.text(locale, "chat-reopened", &[]),
                )),
            }
        }
        let (after, stored) = self
            .store
            .update_conversation(tenant_id, conversation.id, patch, messages)
            .await?;
        self.deliver(tenant_id, &stored).await?;
        let queue_place = self.queue_place(tenant_id, after.id, settings).await?;
        let agent_name = match after.state {
            HandoffState::Human { agent_id } => Some(self.agent_name(tenant_id, agent_id).await?),
            _ => None,
        };
        self.to_visitor(
            tenant_id,
            after.id,
            VisitorEvent::State {
                state: after.state,
                queue: queue_place,
                agent_name,
            },
        );
        if let Some(question) = survey {
            self.to_visitor(
                tenant_id,
                after.id,
                VisitorEvent::SurveyRequested { question },
            );
        }
        self.announce(tenant_id, after.id).await?;
        if after.queued_at != conversation.queued_at {
            self.publish_queue(tenant_id, settings).await?;
        }
        Ok(after)
    }

    fn queue_text(&self, locale: Locale, key: &str, place: QueuePlace) -> String {
        let minutes = place.estimated_wait_secs.div_ceil(60).max(1);
        self.text(
            locale,
            key,
            &[
                ("position", place.position.to_string()),
                ("minutes", minutes.to_string()),
            ],
        )
    }

    fn out_of_hours_text(&self, locale: Locale, settings: &ChatSettings) -> String {
        use fieldesk_core::chat::{TenantText, pick_text};
        let notice = pick_text(&settings.texts, TenantText::OutOfHours, locale)
            .map(str::to_owned)
            .unwrap_or_else(|| self.text(locale, "chat-default-out-of-hours", &[]));
        let resumes = settings.business_hours.as_ref().and_then(|h| {
            h.next_opening(now())
                .map(|at| self.text(locale, "chat-resumes-at", &[("time", h.format_local(at))]))
        });
        let tail = resumes.unwrap_or_else(|| self.text(locale, "chat-no-schedule", &[]));
        format!("{notice} {tail}")
    }

    /// Assigns queued conversations, oldest first, while agents are free.
    /// A conversation waiting for a group is taken only by its members.
    async fn drain_queue(&self, tenant_id: i64) -> ChatResult<()> {
        let settings = self.store.chat_settings(tenant_id).await?;
        'pass: loop {
            let queue = self.store.queue(tenant_id).await?;
            if queue.is_empty() {
                return Ok(());
            }
            let groups = self.store.groups(tenant_id).await?;
            for c in &queue {
                let members = c
                    .group_id
                    .and_then(|g| groups.iter().find(|x| x.id == g))
                    .map(|g| g.member_ids.as_slice());
                if let Some(agent_id) = self.free_agent(tenant_id, members).await? {
                    self.handoff(c, HandoffEvent::AgentAssigned { agent_id }, &settings)
                        .await?;
                    continue 'pass;
                }
            }
            return Ok(());
        }
    }

    /// When business hours end, queued visitors leave the queue and hear
    /// when service resumes (the AI agent keeps answering). Run
    /// periodically.
    pub async fn close_queues_out_of_hours(&self) -> ChatResult<()> {
        for tenant_id in self.store.tenants_with_queue().await? {
            let settings = self.store.chat_settings(tenant_id).await?;
            let open = settings
                .business_hours
                .as_ref()
                .is_none_or(|h| h.is_open(now()));
            if open {
                continue;
            }
            let _guard = self.lock(tenant_id).await;
            for c in self.store.queue(tenant_id).await? {
                self.handoff(&c, HandoffEvent::BusinessHoursEnded, &settings)
                    .await?;
            }
        }
        Ok(())
    }

    async fn conversation(&self, tenant_id: i64, id: i64) -> ChatResult<Conversation> {
        self.store
            .conversation(tenant_id, id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))
    }
}
