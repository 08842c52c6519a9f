//! The event hub: server-side fan-out of [`ServerEvent`]s to the WebSocket
//! connections they concern.

use std::sync::Arc;

use fieldesk_core::event::ServerEvent;
use tokio::sync::broadcast;

/// Who an event is for, always within one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Tenant,
    User(i64),
    /// One login session, by token hash.
    Session(String),
}

#[derive(Debug, Clone)]
pub struct Envelope {
    pub tenant_id: i64,
    pub audience: Audience,
    pub event: ServerEvent,
}

impl Envelope {
    /// Whether a connection of `user_id` on session `token_hash` in
    /// `tenant_id` should receive this.
    pub fn is_for(&self, tenant_id: i64, user_id: i64, token_hash: &str) -> bool {
        self.tenant_id == tenant_id
            && match &self.audience {
                Audience::Tenant => true,
                Audience::User(id) => *id == user_id,
                Audience::Session(hash) => hash == token_hash,
            }
    }
}

#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Envelope>>,
}

impl Default for Hub {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(1024);
        Hub { tx }
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
        assert!(env(Audience::Tenant).is_for(1, 5, "h"));
        assert!(!env(Audience::Tenant).is_for(2, 5, "h"));
        assert!(env(Audience::User(5)).is_for(1, 5, "h"));
        assert!(!env(Audience::User(5)).is_for(1, 6, "h"));
        assert!(!env(Audience::User(5)).is_for(2, 5, "h"));
        assert!(env(Audience::Session("h".into())).is_for(1, 5, "h"));
        assert!(!env(Audience::Session("h".into())).is_for(1, 5, "other"));
    }
}
