//! Shared state of the running server, passed to handlers through axum's
//! `State` (never global).

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use fieldesk_core::i18n::Catalog;
use tokio::sync::watch;

use crate::chat::ChatService;
use crate::chat::presence::VisitorLimits;
use crate::dispatch::DispatchService;
use crate::field::FieldService;
use crate::hasher::Hasher;
use crate::hub::Hub;
use crate::mail::MailService;
use crate::mall::MallService;
use crate::outbound::Outbound;
use crate::perimeter::Limits;
use crate::secret_box::SecretBox;
use crate::security::SecurityService;
use crate::store::Store;
use crate::throttle::LoginThrottle;

/// Tunables of a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How often the WebSocket sends a heartbeat.
    pub heartbeat: Duration,
    /// Live events queued per connection before it is cut off and told
    /// to resync ([`crate::hub`]).
    pub live_queue: usize,
    /// The longest a sign-in may last, whatever a tenant's policy says.
    pub token_ttl: Duration,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How fast visitors may come and talk.
    pub visitors: VisitorLimits,
    /// The built chat window (`portal/dist`).
    pub portal_dir: PathBuf,
    /// How often queues are checked against business hours.
    pub hours_check: Duration,
    /// Connection limits and timeouts of the perimeter.
    pub limits: Limits,
    /// Proxies whose `X-Forwarded-For` names the client (TLS in front).
    pub trusted_proxies: Vec<IpAddr>,
    /// Lets tenants' endpoints be on private networks (on-premise models).
    pub allow_private_outbound: bool,
    /// The most bytes of photos one tenant may keep.
    pub photo_quota_bytes: u64,
    /// How long an unpaid mall order holds its stock.
    pub mall_reservation: Duration,
    /// Where people reach the server (links in mail); none: the listen
    /// address.
    pub public_url: Option<String>,
    /// The server key sealing tenants' secrets (`secret.key` in the data
    /// dir; an ephemeral one by default).
    pub secrets: Arc<SecretBox>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            heartbeat: Duration::from_secs(20),
            live_queue: crate::hub::DEFAULT_QUEUE,
            token_ttl: Duration::from_secs(30 * 24 * 3600),
            body_limit: 64 * 1024,
            visitors: VisitorLimits::default(),
            portal_dir: PathBuf::from("portal/dist"),
            hours_check: Duration::from_secs(60),
            limits: Limits::default(),
            trusted_proxies: Vec::new(),
            allow_private_outbound: false,
            photo_quota_bytes: 2048 * 1024 * 1024,
            mall_reservation: Duration::from_secs(
                fieldesk_core::mall::checkout::RESERVATION_SECONDS.unsigned_abs(),
            ),
            public_url: None,
            secrets: Arc::new(SecretBox::ephemeral()),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub hub: Hub,
    pub catalog: Arc<Catalog>,
    pub chat: Arc<ChatService>,
    /// Work orders and the engineers' sync.
    pub field: Arc<FieldService>,
    /// Dispatch decisions and carrying them out.
    pub dispatch: Arc<DispatchService>,
    /// Service mailboxes: the email channel.
    pub mail: Arc<MailService>,
    /// The parts mall.
    pub mall: Arc<MallService>,
    pub settings: Arc<Settings>,
    /// Requests to tenants' endpoints, public addresses only.
    pub outbound: Outbound,
    /// Sessions, disabled accounts, the security event log.
    pub security: Arc<SecurityService>,
    /// Password checks, a few at a time.
    pub hasher: Arc<Hasher>,
    /// Failed sign-ins per account and client address.
    pub throttle: Arc<LoginThrottle>,
    /// Turns true when the server shuts down, so long-lived connections end.
    pub shutdown: watch::Receiver<bool>,
}

impl FromRef<AppState> for Arc<Catalog> {
    fn from_ref(state: &AppState) -> Self {
        state.catalog.clone()
    }
}
