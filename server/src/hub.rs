//! The event hub: fans [`ServerEvent`]s out to the connections they
//! concern, by topic. Each connection registers a feed with a bounded
//! queue; a published event is queued only for the feeds it is for — a
//! staff feed by tenant and audience (the conversation-access rule), a
//! visitor feed by its conversation — so a socket never holds another's
//! text and a busy tenant or conversation costs nobody else.
//!
//! Every event queued for a staff feed carries that feed's next sequence
//! number ([`Sequenced`]), from 1. A feed whose queue is full is cut off
//! (the event it could not take still consumes its number, so the client
//! sees a gap); once its connection has sent what was queued it is told
//! [`FeedItem::Lagged`], registers again and resyncs its client (staff:
//! [`ServerEvent::Resync`]; visitors: what they missed, from the store).
//! Nothing a client must see is lost to a slow socket.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use fieldesk_core::Role;
use fieldesk_core::chat::VisitorEvent;
use fieldesk_core::conversation_access::LiveReaders;
use fieldesk_core::event::{Sequenced, ServerEvent};
use fieldesk_core::mall::Order;
use tokio::sync::mpsc;

/// Who an event is for, always within one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Tenant,
    /// Everyone who serves chat ([`Role::serves_chat`]).
    Staff,
    User(i64),
    /// Everyone of a role.
    Role(Role),
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

/// The connection a staff feed belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub tenant_id: i64,
    pub user_id: i64,
    pub role: Role,
    pub token_hash: String,
}

impl Envelope {
    /// Whether `listener`'s connection should receive this.
    pub fn is_for(&self, listener: &Listener) -> bool {
        let Listener {
            tenant_id,
            user_id,
            role,
            token_hash,
        } = listener;
        let (user_id, role) = (*user_id, *role);
        self.tenant_id == *tenant_id
            && match &self.audience {
                Audience::Tenant => true,
                Audience::Staff => role.serves_chat(),
                Audience::User(id) => *id == user_id,
                Audience::Role(r) => *r == role,
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

/// What a feed yields.
#[derive(Debug)]
pub enum FeedItem<T> {
    Event(T),
    /// The queue overflowed and events were dropped; the feed is
    /// registered again: resync the client, then carry on.
    Lagged,
}

/// One registration: where to queue, and the state shared with its feed.
struct Entry<T> {
    id: u64,
    tx: mpsc::Sender<T>,
    shared: Arc<Shared>,
}

/// A feed's state shared with its registration.
#[derive(Default)]
pub struct Shared {
    /// The last sequence number given out.
    seq: AtomicU64,
    lagged: AtomicBool,
}

struct StaffEntry {
    listener: Listener,
    entry: Entry<Sequenced>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    staff: HashMap<i64, Vec<StaffEntry>>,
    visitors: HashMap<(i64, i64), Vec<Entry<VisitorEvent>>>,
    buyers: HashMap<BuyerTopic, Vec<Entry<Order>>>,
}

/// A mall buyer's connection: their tenant and customer; it gets each of
/// their orders as it changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BuyerTopic {
    pub tenant_id: i64,
    pub customer_id: i64,
}

#[derive(Clone)]
pub struct Hub {
    registry: Arc<Mutex<Registry>>,
    capacity: usize,
}

/// Events queued per connection before it is cut off and resynced.
pub const DEFAULT_QUEUE: usize = 1024;

impl Default for Hub {
    fn default() -> Self {
        Hub::with_queue(DEFAULT_QUEUE)
    }
}

/// Queues `item` unless the queue is full (then the entry is marked
/// lagged and should be removed) or closed (removed).
fn offer<T>(entry: &Entry<T>, item: T) -> bool {
    match entry.tx.try_send(item) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            entry.shared.lagged.store(true, Ordering::SeqCst);
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

impl Hub {
    pub fn with_queue(capacity: usize) -> Self {
        Hub {
            registry: Arc::default(),
            capacity: capacity.max(1),
        }
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues the event for every staff feed it is for.
    pub fn publish(&self, envelope: Envelope) {
        let mut registry = self.registry();
        let Some(feeds) = registry.staff.get_mut(&envelope.tenant_id) else {
            return;
        };
        feeds.retain(|feed| {
            if !envelope.is_for(&feed.listener) {
                return true;
            }
            let seq = feed.entry.shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
            offer(
                &feed.entry,
                Sequenced {
                    seq,
                    event: envelope.event.clone(),
                },
            )
        });
    }

    /// Queues a visitor event for the feeds of its conversation.
    pub fn publish_visitor(&self, tenant_id: i64, conversation_id: i64, event: VisitorEvent) {
        let mut registry = self.registry();
        if let Some(feeds) = registry.visitors.get_mut(&(tenant_id, conversation_id)) {
            feeds.retain(|feed| offer(feed, event.clone()));
        }
    }

    /// Queues a changed order for its buyer's feeds.
    pub fn publish_buyer(&self, topic: &BuyerTopic, order: &Order) {
        let mut registry = self.registry();
        if let Some(feeds) = registry.buyers.get_mut(topic) {
            feeds.retain(|feed| offer(feed, order.clone()));
        }
    }

    /// A feed of one buyer's changed orders.
    pub fn subscribe_buyer(&self, topic: BuyerTopic) -> Feed<BuyerTopic> {
        Feed::new(self.clone(), topic)
    }

    fn entry<T>(
        &self,
        registry: &mut Registry,
        shared: Arc<Shared>,
    ) -> (Entry<T>, mpsc::Receiver<T>) {
        registry.next_id += 1;
        let (tx, rx) = mpsc::channel(self.capacity);
        (
            Entry {
                id: registry.next_id,
                tx,
                shared,
            },
            rx,
        )
    }

    /// A feed of the staff events for `listener`'s connection.
    pub fn subscribe(&self, listener: Listener) -> StaffFeed {
        Feed::new(self.clone(), listener)
    }

    /// A feed of one conversation's visitor events.
    pub fn subscribe_visitor(&self, tenant_id: i64, conversation_id: i64) -> VisitorFeed {
        Feed::new(self.clone(), (tenant_id, conversation_id))
    }

    /// Connections registered now (staff, visitor), for tests and metrics.
    pub fn feeds(&self) -> (usize, usize) {
        let registry = self.registry();
        (
            registry.staff.values().map(Vec::len).sum(),
            registry.visitors.values().map(Vec::len).sum(),
        )
    }
}

/// What a feed is of: where it registers in the hub, and what it yields.
pub trait Topic {
    type Item;
    fn register(&self, hub: &Hub, shared: Arc<Shared>) -> (u64, mpsc::Receiver<Self::Item>);
    fn unregister(&self, hub: &Hub, id: u64);
}

/// A staff connection: its tenant's events that are for it.
impl Topic for Listener {
    type Item = Sequenced;

    fn register(&self, hub: &Hub, shared: Arc<Shared>) -> (u64, mpsc::Receiver<Sequenced>) {
        let mut registry = hub.registry();
        let (entry, rx) = hub.entry(&mut registry, shared);
        let id = entry.id;
        let listener = self.clone();
        registry
            .staff
            .entry(self.tenant_id)
            .or_default()
            .push(StaffEntry { listener, entry });
        (id, rx)
    }

    fn unregister(&self, hub: &Hub, id: u64) {
        let mut registry = hub.registry();
        if let Some(feeds) = registry.staff.get_mut(&self.tenant_id) {
            feeds.retain(|f| f.entry.id != id);
            if feeds.is_empty() {
                registry.staff.remove(&self.tenant_id);
            }
        }
    }
}

/// A visitor connection: `(tenant, conversation)`.
impl Topic for (i64, i64) {
    type Item = VisitorEvent;

    fn register(&self, hub: &Hub, shared: Arc<Shared>) -> (u64, mpsc::Receiver<VisitorEvent>) {
        let mut registry = hub.registry();
        let (entry, rx) = hub.entry(&mut registry, shared);
        let id = entry.id;
        registry.visitors.entry(*self).or_default().push(entry);
        (id, rx)
    }

    fn unregister(&self, hub: &Hub, id: u64) {
        let mut registry = hub.registry();
        if let Some(feeds) = registry.visitors.get_mut(self) {
            feeds.retain(|f| f.id != id);
            if feeds.is_empty() {
                registry.visitors.remove(self);
            }
        }
    }
}

impl Topic for BuyerTopic {
    type Item = Order;

    fn register(&self, hub: &Hub, shared: Arc<Shared>) -> (u64, mpsc::Receiver<Order>) {
        let mut registry = hub.registry();
        let (entry, rx) = hub.entry(&mut registry, shared);
        let id = entry.id;
        registry.buyers.entry(self.clone()).or_default().push(entry);
        (id, rx)
    }

    fn unregister(&self, hub: &Hub, id: u64) {
        let mut registry = hub.registry();
        if let Some(feeds) = registry.buyers.get_mut(self) {
            feeds.retain(|f| f.id != id);
            if feeds.is_empty() {
                registry.buyers.remove(self);
            }
        }
    }
}

/// One connection's events; unregisters when dropped.
pub struct Feed<T: Topic> {
    hub: Hub,
    topic: T,
    id: u64,
    rx: mpsc::Receiver<T::Item>,
    shared: Arc<Shared>,
}

pub type StaffFeed = Feed<Listener>;
pub type VisitorFeed = Feed<(i64, i64)>;

impl<T: Topic> Feed<T> {
    fn new(hub: Hub, topic: T) -> Self {
        let shared = Arc::<Shared>::default();
        let (id, rx) = topic.register(&hub, shared.clone());
        Feed {
            hub,
            topic,
            id,
            rx,
            shared,
        }
    }

    /// The next event; `None` when the hub is gone.
    pub async fn recv(&mut self) -> Option<FeedItem<T::Item>> {
        if let Some(item) = self.rx.recv().await {
            return Some(FeedItem::Event(item));
        }
        // Closed: cut off for lag (or the hub dropped it).
        if !self.shared.lagged.swap(false, Ordering::SeqCst) {
            return None;
        }
        let (id, rx) = self.topic.register(&self.hub, self.shared.clone());
        self.id = id;
        self.rx = rx;
        Some(FeedItem::Lagged)
    }

    /// The next sequence number, for an event the connection adds itself
    /// (the resync notice).
    pub fn next_seq(&self) -> u64 {
        self.shared.seq.fetch_add(1, Ordering::SeqCst) + 1
    }
}

impl<T: Topic> Drop for Feed<T> {
    fn drop(&mut self) {
        self.topic.unregister(&self.hub, self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(tenant_id: i64, user_id: i64, role: Role, token_hash: &str) -> Listener {
        Listener {
            tenant_id,
            user_id,
            role,
            token_hash: token_hash.into(),
        }
    }

    #[test]
    fn envelopes_never_cross_tenants() {
        let env = |audience| Envelope {
            tenant_id: 1,
            audience,
            event: ServerEvent::SessionRevoked,
        };
        let a = Role::Agent;
        let is_for = |e: &Envelope, t, u, r, h| e.is_for(&listener(t, u, r, h));
        assert!(is_for(&env(Audience::Tenant), 1, 5, a, "h"));
        assert!(!is_for(&env(Audience::Tenant), 2, 5, a, "h"));
        assert!(is_for(&env(Audience::User(5)), 1, 5, a, "h"));
        assert!(!is_for(&env(Audience::User(5)), 1, 6, a, "h"));
        assert!(!is_for(&env(Audience::User(5)), 2, 5, a, "h"));
        assert!(is_for(&env(Audience::Session("h".into())), 1, 5, a, "h"));
        assert!(!is_for(
            &env(Audience::Session("h".into())),
            1,
            5,
            a,
            "other"
        ));
        assert!(is_for(&env(Audience::Staff), 1, 5, a, "h"));
        assert!(!is_for(&env(Audience::Staff), 1, 5, Role::Engineer, "h"));
        assert!(!is_for(&env(Audience::Staff), 2, 5, a, "h"));
        let alice_only = || LiveReaders::Agents(vec![5]);
        assert!(is_for(&env(Audience::Readers(alice_only())), 1, 5, a, "h"));
        assert!(!is_for(&env(Audience::Readers(alice_only())), 1, 6, a, "h"));
        assert!(is_for(
            &env(Audience::Readers(alice_only())),
            1,
            6,
            Role::Supervisor,
            "h"
        ));
        assert!(!is_for(
            &env(Audience::Readers(alice_only())),
            1,
            5,
            Role::Engineer,
            "h"
        ));
        assert!(!is_for(&env(Audience::Readers(alice_only())), 2, 5, a, "h"));
        assert!(!is_for(
            &env(Audience::NotReaders(alice_only())),
            1,
            5,
            a,
            "h"
        ));
        assert!(is_for(
            &env(Audience::NotReaders(alice_only())),
            1,
            6,
            a,
            "h"
        ));
        assert!(!is_for(
            &env(Audience::NotReaders(alice_only())),
            1,
            6,
            Role::Admin,
            "h"
        ));
    }

    fn message(tenant_id: i64, n: u64) -> Envelope {
        Envelope {
            tenant_id,
            audience: Audience::Tenant,
            event: ServerEvent::SyncAvailable { cursor: n },
        }
    }

    #[tokio::test]
    async fn a_feed_gets_only_its_events_numbered_in_order() {
        let hub = Hub::with_queue(16);
        let mut alice = hub.subscribe(listener(1, 5, Role::Agent, "a"));
        let mut other_tenant = hub.subscribe(listener(2, 9, Role::Agent, "b"));
        hub.publish(message(1, 1));
        hub.publish(Envelope {
            tenant_id: 1,
            audience: Audience::User(6),
            event: ServerEvent::LayoutsChanged,
        });
        hub.publish(message(1, 2));
        for want in 1..=2 {
            let Some(FeedItem::Event(got)) = alice.recv().await else {
                panic!("an event")
            };
            assert_eq!(got.seq, want);
            assert_eq!(got.event, ServerEvent::SyncAvailable { cursor: want });
        }
        hub.publish(message(2, 7));
        let Some(FeedItem::Event(got)) = other_tenant.recv().await else {
            panic!("an event")
        };
        assert_eq!(
            (got.seq, got.event),
            (1, ServerEvent::SyncAvailable { cursor: 7 })
        );
        assert_eq!(hub.feeds(), (2, 0));
        drop(alice);
        drop(other_tenant);
        assert_eq!(hub.feeds(), (0, 0));
    }

    #[tokio::test]
    async fn a_full_queue_is_cut_off_then_told_to_resync_and_a_gap_shows() {
        let hub = Hub::with_queue(4);
        let mut slow = hub.subscribe(listener(1, 5, Role::Agent, "a"));
        let mut quick = hub.subscribe(listener(1, 6, Role::Agent, "b"));
        for n in 1..=10 {
            hub.publish(message(1, n));
            // The quick one keeps up.
            let Some(FeedItem::Event(got)) = quick.recv().await else {
                panic!("an event")
            };
            assert_eq!(got.seq, n);
        }
        // The slow one: its four queued, then the lag, then it is back.
        for want in 1..=4 {
            let Some(FeedItem::Event(got)) = slow.recv().await else {
                panic!("an event")
            };
            assert_eq!(got.seq, want);
        }
        assert!(matches!(slow.recv().await, Some(FeedItem::Lagged)));
        // Event 5 was dropped (its number used): the resync notice is 6.
        assert_eq!(slow.next_seq(), 6);
        hub.publish(message(1, 11));
        let Some(FeedItem::Event(got)) = slow.recv().await else {
            panic!("an event")
        };
        assert_eq!(got.seq, 7);
        assert_eq!(hub.feeds(), (2, 0));
    }

    #[tokio::test]
    async fn visitor_feeds_hear_only_their_conversation() {
        let hub = Hub::with_queue(2);
        let mut one = hub.subscribe_visitor(1, 10);
        let mut two = hub.subscribe_visitor(1, 11);
        let mut same_id_other_tenant = hub.subscribe_visitor(2, 10);
        hub.publish_visitor(1, 11, VisitorEvent::AgentTyping);
        hub.publish_visitor(1, 10, VisitorEvent::Read { up_to: 3 });
        assert!(matches!(
            one.recv().await,
            Some(FeedItem::Event(VisitorEvent::Read { up_to: 3 }))
        ));
        assert!(matches!(
            two.recv().await,
            Some(FeedItem::Event(VisitorEvent::AgentTyping))
        ));
        // Over its queue: cut off, told, registered again.
        for up_to in 0..3 {
            hub.publish_visitor(2, 10, VisitorEvent::Read { up_to });
        }
        for _ in 0..2 {
            assert!(matches!(
                same_id_other_tenant.recv().await,
                Some(FeedItem::Event(_))
            ));
        }
        assert!(matches!(
            same_id_other_tenant.recv().await,
            Some(FeedItem::Lagged)
        ));
        assert_eq!(hub.feeds(), (0, 3));
    }
}
