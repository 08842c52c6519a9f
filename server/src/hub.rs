//! The event hub: server-side fan-out of [`ServerEvent`]s to the WebSocket
//! connections they concern.

use std::sync::Arc;

use fieldesk_core::Role;
use fieldesk_core::chat::VisitorEvent;
use fieldesk_core::conversation_access::LiveReaders;
use fieldesk_core::event::ServerEvent;
use tokio::sync::broadcast;

/// Who an event is for, always within one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Tenant,
    /// Everyone who serves chat ([`Role::serves_chat`]).
    Staff,
    User(i64),
    /// One login session, by token hash.
    Session(String),
    /// Those who may read a conversation now: supervisors, admins and
    /// these agents ([`fieldesk_core::conversation_access`]).
    Readers(LiveReaders),
    /// Everyone who serves chat but not those readers (they get a
    /// summary without the conversation's text).
    NotReaders(LiveReaders),
}

#[derive(Debug, Clone)]
pub struct Envelope {
    pub tenant_id: i64,
    pub audience: Audience,
    pub event: ServerEvent,
}

impl Envelope {
    /// Whether a connection of `user_id` (with `role`) on session
    /// `token_hash` in `tenant_id` should receive this.
    pub fn is_for(&self, tenant_id: i64, user_id: i64, role: Role, token_hash: &str) -> bool {
        self.tenant_id == tenant_id
            && match &self.audience {
                Audience::Tenant => true,
                Audience::Staff => role.serves_chat(),
                Audience::User(id) => *id == user_id,
                Audience::Session(hash) => hash == token_hash,
                Audience::Readers(readers) => {
                    role.oversees_chat() || (role.serves_chat() && reads(readers, user_id))
                }
                Audience::NotReaders(readers) => {
                    role.serves_chat() && !role.oversees_chat() && !reads(readers, user_id)
                }
            }
    }
}

fn reads(readers: &LiveReaders, user_id: i64) -> bool {
    match readers {
        LiveReaders::AllAgents => true,
        LiveReaders::Agents(ids) => ids.contains(&user_id),
    }
}

/// An event for the visitor(s) of one conversation.
#[derive(Debug, Clone)]
pub struct VisitorEnvelope {
    pub tenant_id: i64,
    pub conversation_id: i64,
    pub event: VisitorEvent,
}

#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Envelope>>,
    visitors: broadcast::Sender<Arc<VisitorEnvelope>>,
}

impl Default for Hub {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(4096);
        let (visitors, _) = broadcast::channel(4096);
        Hub { tx, visitors }
    }
}

impl Hub {
    pub fn publish(&self, envelope: Envelope) {
        // No subscribers is fine: nobody is connected.
        let _ = self.tx.send(Arc::new(envelope));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Envelope>> {
        self.tx.subscribe()
    }

    pub fn publish_visitor(&self, tenant_id: i64, conversation_id: i64, event: VisitorEvent) {
        let _ = self.visitors.send(Arc::new(VisitorEnvelope {
            tenant_id,
            conversation_id,
            event,
        }));
    }

    pub fn subscribe_visitors(&self) -> broadcast::Receiver<Arc<VisitorEnvelope>> {
        self.visitors.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_never_cross_tenants() {
        let env = |audience| Envelope {
            tenant_id: 1,
            audience,
            event: ServerEvent::SessionRevoked,
        };
        let a = Role::Agent;
        assert!(env(Audience::Tenant).is_for(1, 5, a, "h"));
        assert!(!env(Audience::Tenant).is_for(2, 5, a, "h"));
        assert!(env(Audience::User(5)).is_for(1, 5, a, "h"));
        assert!(!env(Audience::User(5)).is_for(1, 6, a, "h"));
        assert!(!env(Audience::User(5)).is_for(2, 5, a, "h"));
        assert!(env(Audience::Session("h".into())).is_for(1, 5, a, "h"));
        assert!(!env(Audience::Session("h".into())).is_for(1, 5, a, "other"));
        assert!(env(Audience::Staff).is_for(1, 5, a, "h"));
        assert!(!env(Audience::Staff).is_for(1, 5, Role::Engineer, "h"));
        assert!(!env(Audience::Staff).is_for(2, 5, a, "h"));
        let alice_only = || LiveReaders::Agents(vec![5]);
        assert!(env(Audience::Readers(alice_only())).is_for(1, 5, a, "h"));
        assert!(!env(Audience::Readers(alice_only())).is_for(1, 6, a, "h"));
        assert!(env(Audience::Readers(alice_only())).is_for(1, 6, Role::Supervisor, "h"));
        assert!(!env(Audience::Readers(alice_only())).is_for(1, 5, Role::Engineer, "h"));
        assert!(!env(Audience::Readers(alice_only())).is_for(2, 5, a, "h"));
        assert!(!env(Audience::NotReaders(alice_only())).is_for(1, 5, a, "h"));
        assert!(env(Audience::NotReaders(alice_only())).is_for(1, 6, a, "h"));
        assert!(!env(Audience::NotReaders(alice_only())).is_for(1, 6, Role::Admin, "h"));
    }
}
