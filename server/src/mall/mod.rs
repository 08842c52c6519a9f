//! The parts mall's service: it owns the mall's use cases — the switch,
//! the catalog and prices, customer accounts, checkout, payment,
//! shipping — deciding with `core::mall` and writing through the
//! `MallStore`. Routes only extract, check the role and call.
//!
//! Order changes follow the chat's shape: load the order, decide with
//! `core::mall::order::apply`, carry out what must happen outside the
//! database (the payment provider), write the change in one transaction
//! over the status it was decided on (a race is decided again), then
//! tell the buyer and the staff.

pub mod carrier;
mod catalog;
mod customers;
mod orders;
pub mod payment;
mod proposals;

use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use fieldesk_core::event::ServerEvent;
use fieldesk_core::i18n::{Catalog, FluentArgs};
use fieldesk_core::mall::{Buyer, MallSettings, Order};
use fieldesk_core::{ErrorCode, Locale, Role};

use tokio::sync::watch;

use crate::error::ApiError;
use crate::hasher::Hasher;
use crate::hub::{Audience, BuyerTopic, Envelope, Hub};
use crate::mail::MailService;
use crate::secret_box::SecretBox;
use crate::store::{Store, User};

pub use catalog::ShopQuery;
pub use customers::Shopper;
pub use orders::{BuyerRef, WEBHOOK_SIGNATURE};
pub use payment::Payments;

pub type MallResult<T> = Result<T, ApiError>;

/// How long a customer's sign-in lasts (seconds).
pub const CUSTOMER_SESSION_SECONDS: i64 = 30 * 24 * 3600;

pub struct MallService {
    store: Arc<dyn Store>,
    hub: Hub,
    catalog: Arc<Catalog>,
    secrets: Arc<SecretBox>,
    hasher: Arc<Hasher>,
    mail: Arc<MailService>,
    pub payments: Payments,
    /// The test carrier's pace.
    carrier_step: Duration,
    reservation_secs: i64,
    /// Each tenant's webhook secret, once opened (made on first use).
    webhook_keys: std::sync::Mutex<std::collections::HashMap<i64, Vec<u8>>>,
    /// This service, for the tasks it spawns (set by [`MallService::start`]).
    me: OnceLock<Weak<MallService>>,
    /// Where customers reach the server: the links mailed to them.
    public_url: OnceLock<String>,
}

/// What the mall needs besides the store.
pub struct MallParts {
    pub hub: Hub,
    pub catalog: Arc<Catalog>,
    pub secrets: Arc<SecretBox>,
    pub hasher: Arc<Hasher>,
    pub mail: Arc<MailService>,
    /// How long an unpaid order holds its stock (seconds).
    pub reservation_secs: i64,
}

impl MallService {
    pub fn new(store: Arc<dyn Store>, parts: MallParts) -> Self {
        MallService {
            store,
            hub: parts.hub,
            catalog: parts.catalog,
            secrets: parts.secrets,
            hasher: parts.hasher,
            mail: parts.mail,
            payments: Payments::default(),
            carrier_step: Duration::from_millis(700),
            reservation_secs: parts.reservation_secs,
            webhook_keys: Default::default(),
            me: OnceLock::new(),
            public_url: OnceLock::new(),
        }
    }

    /// Starts the background work: unpaid orders expire when their
    /// reservation runs out (checked every `every`). `base_url` is where
    /// this server listens (the test gateway's webhooks), `public_url`
    /// where customers reach it (links in mail).
    pub fn start(
        self: &Arc<Self>,
        base_url: String,
        public_url: String,
        every: Duration,
        mut stop: watch::Receiver<bool>,
    ) {
        let _ = self.me.set(Arc::downgrade(self));
        let _ = self.payments.base_url.set(base_url);
        let _ = self.public_url.set(public_url);
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tokio::select! {
                    _ = tick.tick() => match me.expire_unpaid().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(expired = n, "unpaid mall orders cancelled"),
                        Err(e) => tracing::error!(%e, "expiring unpaid mall orders"),
                    },
                    _ = stop.changed() => return,
                }
            }
        });
    }

    /// The tenant's settings (admins see them whether on or off).
    pub async fn settings(&self, tenant_id: i64) -> MallResult<MallSettings> {
        Ok(self.store.mall_settings(tenant_id).await?.settings)
    }

    /// The settings when the mall is on; "not enabled" otherwise.
    pub async fn enabled(&self, tenant_id: i64) -> MallResult<MallSettings> {
        let settings = self.settings(tenant_id).await?;
        if settings.enabled {
            Ok(settings)
        } else {
            Err(ApiError::new(ErrorCode::MallNotEnabled))
        }
    }

    /// Admins switch the mall and choose its currency, mailbox and
    /// payment methods (at least one; the mailbox one of the tenant's).
    pub async fn put_settings(
        &self,
        admin: &User,
        mut s: MallSettings,
    ) -> MallResult<MallSettings> {
        if !admin.role.runs_mall() {
            return Err(ApiError::new(ErrorCode::Forbidden));
        }
        s.payment_methods.sort_by_key(|m| m.as_str());
        s.payment_methods.dedup();
        if s.payment_methods.is_empty() {
            return Err(ApiError::new(ErrorCode::PaymentUnavailable));
        }
        if let Some(id) = s.mailbox_id
            && self.store.mailbox(admin.tenant_id, id).await?.is_none()
        {
            return Err(ApiError::new(ErrorCode::InvalidMailbox));
        }
        self.store
            .save_mall_settings(admin.tenant_id, s.clone())
            .await?;
        Ok(s)
    }

    fn text(&self, locale: Locale, key: &str, args: &[(&str, String)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, value.clone());
        }
        self.catalog.message_args(locale, key, Some(&fluent))
    }

    /// Tells whoever follows the order that it changed: the buyer's live
    /// feed (customers), the provider's people and the fulfilling staff.
    fn publish(&self, tenant_id: i64, order: &Order) {
        let event = ServerEvent::MallOrderChanged {
            order_id: order.id,
            status: order.status,
        };
        match order.buyer {
            Buyer::Customer { customer_id } => self.hub.publish_buyer(
                &BuyerTopic {
                    tenant_id,
                    customer_id,
                },
                order,
            ),
            Buyer::Provider { user_id, .. } => self.hub.publish(Envelope {
                tenant_id,
                audience: Audience::User(user_id),
                event: event.clone(),
            }),
        }
        for role in [Role::Admin, Role::Supervisor] {
            self.hub.publish(Envelope {
                tenant_id,
                audience: Audience::Role(role),
                event: event.clone(),
            });
        }
    }
}
