//! What an agent does at the workbench: status, accept, reply, transfer,
//! end, read marks.

use fieldesk_core::chat::{
    AgentStatus, Author, ChatMessage, HISTORY_PAGE, MessagePage, Notice, RESUME_PAGE, VisitorEvent,
    validate_client_id, validate_text,
};
use fieldesk_core::event::ServerEvent;
use fieldesk_core::handoff::{HandoffEvent, HandoffState};
use fieldesk_core::{ErrorCode, Role};

use super::{ChatResult, ChatService, fail};
use crate::hub::{Audience, Envelope};
use crate::store::User;
use crate::store::chat::{
    Conversation, ConversationFilter, ConversationPatch, ListPage, NewMessage,
};

/// The most concurrent conversations an agent may take.
pub const MAX_CAPACITY: u32 = 50;

impl ChatService {
    /// Whether `agent` may act on `c`: the serving agent, or a supervisor.
    fn may_serve(agent: &User, c: &Conversation) -> bool {
        agent.role.oversees_chat() || c.state == (HandoffState::Human { agent_id: agent.id })
    }

    pub async fn set_status(
        &self,
        agent: &User,
        status: AgentStatus,
        capacity: Option<u32>,
    ) -> ChatResult<()> {
        if let Some(capacity) = capacity {
            if capacity > MAX_CAPACITY {
                return fail(ErrorCode::BadRequest);
            }
            self.store
                .set_agent_capacity(agent.tenant_id, agent.id, capacity)
                .await?;
        }
        self.presence.set_status(agent.tenant_id, agent.id, status);
        if status == AgentStatus::Offline {
            // Going offline hands the visitors back to the queue, first in line.
            let _guard = self.lock(agent.tenant_id).await;
            let settings = self.store.chat_settings(agent.tenant_id).await?;
            let serving = self
                .store
                .conversations(
                    agent.tenant_id,
                    ConversationFilter::AgentActive(agent.id),
                    ListPage::everything(),
                )
                .await?;
            for row in serving {
                self.handoff(&row.conversation, HandoffEvent::AgentLeft, &settings)
                    .await?;
            }
        }
        self.agent_changed(agent.tenant_id).await
    }

    /// Capacity or presence changed: serve the queue, refresh waits.
    pub async fn agent_changed(&self, tenant_id: i64) -> ChatResult<()> {
        let _guard = self.lock(tenant_id).await;
        self.drain_queue(tenant_id).await?;
        let settings = self.store.chat_settings(tenant_id).await?;
        self.publish_queue(tenant_id, &settings).await
    }

    /// An agent takes a queued (or bot) conversation.
    pub async fn accept(&self, agent: &User, conversation_id: i64) -> ChatResult<()> {
        if !agent.role.serves_chat() {
            return fail(ErrorCode::Forbidden);
        }
        let _guard = self.lock(agent.tenant_id).await;
        let settings = self.store.chat_settings(agent.tenant_id).await?;
        let c = self.conversation(agent.tenant_id, conversation_id).await?;
        match c.state {
            HandoffState::Closed | HandoffState::Resolved => {
                return fail(ErrorCode::ConversationClosed);
            }
            HandoffState::Human { agent_id } if agent_id == agent.id => return Ok(()),
            HandoffState::Human { .. } => return fail(ErrorCode::Conflict),
            HandoffState::Bot | HandoffState::Queued => {}
        }
        self.handoff(
            &c,
            HandoffEvent::AgentAssigned { agent_id: agent.id },
            &settings,
        )
        .await?;
        Ok(())
    }

    pub async fn transfer(
        &self,
        agent: &User,
        conversation_id: i64,
        to: i64,
        note: &str,
    ) -> ChatResult<()> {
        if note.chars().count() > 1000 {
            return fail(ErrorCode::BadRequest);
        }
        let target = self
            .store
            .user(agent.tenant_id, to)
            .await?
            .filter(|u| u.role.serves_chat() && u.role != Role::Engineer)
            .ok_or(super::ApiError::new(ErrorCode::NotFound))?;
        let _guard = self.lock(agent.tenant_id).await;
        let settings = self.store.chat_settings(agent.tenant_id).await?;
        let c = self.conversation(agent.tenant_id, conversation_id).await?;
        if c.state.is_over() {
            return fail(ErrorCode::ConversationClosed);
        }
        if !Self::may_serve(agent, &c) {
            return fail(ErrorCode::Forbidden);
        }
        if c.state
            == (HandoffState::Human {
                agent_id: target.id,
            })
        {
            return Ok(());
        }
        self.handoff(
            &c,
            HandoffEvent::AgentAssigned {
                agent_id: target.id,
            },
            &settings,
        )
        .await?;
        self.hub.publish(Envelope {
            tenant_id: agent.tenant_id,
            audience: Audience::User(target.id),
            event: ServerEvent::Transferred {
                conversation_id,
                from_agent: agent.display_name.clone(),
                note: note.trim().to_owned(),
            },
        });
        Ok(())
    }

    /// Hands a served conversation to a service group: a free member gets
    /// it now, or it waits in the queue for the first member who is free.
    pub async fn transfer_to_group(
        &self,
        agent: &User,
        conversation_id: i64,
        group_id: i64,
        note: &str,
    ) -> ChatResult<()> {
        if note.chars().count() > 1000 {
            return fail(ErrorCode::BadRequest);
        }
        let tenant_id = agent.tenant_id;
        let group = self
            .store
            .groups(tenant_id)
            .await?
            .into_iter()
            .find(|g| g.id == group_id)
            .ok_or(super::ApiError::new(ErrorCode::NotFound))?;
        let _guard = self.lock(tenant_id).await;
        let settings = self.store.chat_settings(tenant_id).await?;
        let c = self.conversation(tenant_id, conversation_id).await?;
        if c.state.is_over() {
            return fail(ErrorCode::ConversationClosed);
        }
        if !Self::may_serve(agent, &c) {
            return fail(ErrorCode::Forbidden);
        }
        let others: Vec<i64> = group
            .member_ids
            .iter()
            .copied()
            .filter(|m| *m != agent.id)
            .collect();
        let free_member = self.free_agent(tenant_id, Some(&others)).await?;
        let notice = self.text(
            c.locale,
            "chat-transferred-group",
            &[("group", group.name.clone())],
        );
        let patch = ConversationPatch {
            group_id: Some(Some(group.id)),
            ..Default::default()
        };
        let (c, messages) = self
            .store
            .update_conversation(
                tenant_id,
                conversation_id,
                patch,
                vec![NewMessage::system(Notice::Transferred, c.locale, notice)],
            )
            .await?;
        self.deliver(tenant_id, &messages).await?;
        self.handoff(
            &c,
            HandoffEvent::TransferredToGroup { free_member },
            &settings,
        )
        .await?;
        let to = free_member.map_or(others, |m| vec![m]);
        for member in to {
            self.hub.publish(Envelope {
                tenant_id,
                audience: Audience::User(member),
                event: ServerEvent::Transferred {
                    conversation_id,
                    from_agent: agent.display_name.clone(),
                    note: note.trim().to_owned(),
                },
            });
        }
        Ok(())
    }

    /// Ends a conversation; the visitor gets the survey. Ending twice is
    /// not an error.
    pub async fn end(&self, agent: &User, conversation_id: i64) -> ChatResult<()> {
        {
            let _guard = self.lock(agent.tenant_id).await;
            let settings = self.store.chat_settings(agent.tenant_id).await?;
            let c = self.conversation(agent.tenant_id, conversation_id).await?;
            if c.state == HandoffState::Closed {
                return Ok(());
            }
            if !Self::may_serve(agent, &c) {
                return fail(ErrorCode::Forbidden);
            }
            self.handoff(&c, HandoffEvent::Ended, &settings).await?;
        }
        self.agent_changed(agent.tenant_id).await
    }

    /// An agent's reply, stored once per client id.
    pub async fn agent_send(
        &self,
        agent: &User,
        conversation_id: i64,
        client_id: &str,
        text: &str,
    ) -> ChatResult<ChatMessage> {
        let client_id = validate_client_id(client_id)?;
        let text = validate_text(text)?;
        let c = self.conversation(agent.tenant_id, conversation_id).await?;
        if c.state.is_over() {
            return fail(ErrorCode::ConversationClosed);
        }
        if c.state != (HandoffState::Human { agent_id: agent.id }) {
            return fail(ErrorCode::Forbidden);
        }
        let message = NewMessage {
            client_id: Some(client_id.to_owned()),
            author: Author::Agent {
                user_id: agent.id,
                name: agent.display_name.clone(),
            },
            body: text.to_owned(),
            locale: c.locale,
            references: vec![],
            ai_generated: false,
            notice: None,
        };
        let (stored, new) = self
            .store
            .add_message(agent.tenant_id, conversation_id, message)
            .await?;
        if new {
            self.deliver(agent.tenant_id, std::slice::from_ref(&stored))
                .await?;
            self.announce(agent.tenant_id, conversation_id).await?;
        }
        Ok(stored)
    }

    pub async fn agent_read(
        &self,
        agent: &User,
        conversation_id: i64,
        up_to: i64,
    ) -> ChatResult<()> {
        let c = self.readable(agent, conversation_id).await?;
        if !Self::may_serve(agent, &c) {
            return fail(ErrorCode::Forbidden);
        }
        let patch = ConversationPatch {
            agent_read_up_to: Some(up_to),
            ..Default::default()
        };
        let (after, _) = self
            .store
            .update_conversation(agent.tenant_id, conversation_id, patch, vec![])
            .await?;
        self.to_visitor(
            agent.tenant_id,
            conversation_id,
            VisitorEvent::Read {
                up_to: after.agent_read_up_to,
            },
        );
        self.announce(agent.tenant_id, conversation_id).await
    }

    pub async fn agent_typing(&self, agent: &User, conversation_id: i64) -> ChatResult<()> {
        let c = self.conversation(agent.tenant_id, conversation_id).await?;
        if c.state == (HandoffState::Human { agent_id: agent.id }) {
            self.to_visitor(agent.tenant_id, conversation_id, VisitorEvent::AgentTyping);
        }
        Ok(())
    }

    /// A page of a conversation's messages, oldest first: before a
    /// message ("load earlier"), else after one (resuming, up to
    /// [`RESUME_PAGE`]: ask again after the last), else the newest page.
    pub async fn history(
        &self,
        agent: &User,
        conversation_id: i64,
        after: i64,
        before: Option<i64>,
    ) -> ChatResult<Vec<ChatMessage>> {
        if !agent.role.serves_chat() {
            return fail(ErrorCode::Forbidden);
        }
        self.readable(agent, conversation_id).await?;
        let (page, limit) = match (before, after) {
            (Some(before), _) => (MessagePage::Before(Some(before)), HISTORY_PAGE),
            (None, 0) => (MessagePage::Before(None), HISTORY_PAGE),
            (None, after) => (MessagePage::After(after), RESUME_PAGE),
        };
        Ok(self
            .store
            .messages(agent.tenant_id, conversation_id, page, limit)
            .await?)
    }
}
