//! Orders: checkout (idempotent, one transaction), payment (the buyer's
//! confirmation and the provider's webhook, whichever comes first),
//! cancellation with release and refund, the warehouse's picking and
//! shipping, carrier events, returns, and unpaid orders expiring.

use std::collections::BTreeMap;

use fieldesk_core::ErrorCode;
use fieldesk_core::mall::checkout::{self, CheckoutError};
use fieldesk_core::mall::order::{self, Actor, Effect, OrderError, OrderEvent, OrderStatus};
use fieldesk_core::mall::payment::PaymentStatus;
use fieldesk_core::mall::price::{self, Audience};
use fieldesk_core::mall::shipment::{self, ShipmentStatus};
use fieldesk_core::mall::{
    Buyer, CheckoutBody, Delivery, LocationKind, Order, PayBody, ShipBody, StaffAction,
};

use super::payment::{Confirmation, SIGNATURE_HEADER, WebhookStatus, WebhookTarget};
use super::{MallResult, MallService};
use crate::clock::now;
use crate::error::ApiError;
use crate::mail::Notice;
use crate::store::StoreError;
use crate::store::mall::{NewOrder, NewShipment, OrderChange, OrderScope, Placed};

/// Who is buying, as the routes found out.
#[derive(Debug, Clone)]
pub struct BuyerRef {
    pub tenant_id: i64,
    pub buyer: Buyer,
    pub audience: Audience,
}

impl BuyerRef {
    fn scope(&self) -> OrderScope {
        match self.buyer {
            Buyer::Customer { customer_id } => OrderScope::Customer(customer_id),
            Buyer::Provider { provider_id, .. } => OrderScope::Provider(provider_id),
        }
    }

    fn owns(&self, order: &Order) -> bool {
        match (&self.buyer, &order.buyer) {
            (Buyer::Customer { customer_id: a }, Buyer::Customer { customer_id: b }) => a == b,
            (Buyer::Provider { provider_id: a, .. }, Buyer::Provider { provider_id: b, .. }) => {
                a == b
            }
            _ => false,
        }
    }
}

/// How often a change decided on a status that moved meanwhile is
/// decided again.
const RETRIES: usize = 8;

fn not_allowed(_: OrderError) -> ApiError {
    ApiError::new(ErrorCode::OrderNotAllowed)
}

impl MallService {
    /// Checkout: the cart checked and priced now (a price the buyer did
    /// not see refuses it, listing the new prices), then the order, its
    /// reservation and its payment in one transaction — once per
    /// idempotency key (`true`: made now).
    pub async fn checkout(
        &self,
        who: &BuyerRef,
        key: Option<&str>,
        raw: &[u8],
        body: CheckoutBody,
    ) -> MallResult<(bool, Order)> {
        self.place(who, key, raw, body, None).await
    }

    /// [`Self::checkout`], approving `proposal_id` in the order's
    /// transaction when given (its lines, work order and device are in
    /// `body` already).
    pub(super) async fn place(
        &self,
        who: &BuyerRef,
        key: Option<&str>,
        raw: &[u8],
        body: CheckoutBody,
        proposal_id: Option<i64>,
    ) -> MallResult<(bool, Order)> {
        let tenant_id = who.tenant_id;
        let settings = self.enabled(tenant_id).await?;
        let key = key
            .filter(|k| checkout::valid_key(k))
            .ok_or(ApiError::new(ErrorCode::IdempotencyKeyRequired))?;
        if !settings.payment_methods.contains(&body.payment) {
            return Err(ApiError::new(ErrorCode::PaymentUnavailable));
        }
        self.check_delivery(who, &body.delivery).await?;
        let demand =
            checkout::demand(&body.lines).map_err(|_| ApiError::new(ErrorCode::InvalidQuantity))?;
        let items = self
            .store
            .items_by_id(tenant_id, demand.keys().copied().collect())
            .await?;
        let on_sale = |id: &i64| {
            items.iter().find(|i| {
                i.id == *id && i.body.enabled && i.body.list_price.currency == settings.currency
            })
        };
        if let Some(gone) = demand.keys().find(|id| on_sale(id).is_none()) {
            return Err(ApiError::with_details(
                ErrorCode::ItemUnavailable,
                vec![("mall-item-id", vec![("id", gone.to_string())])],
            ));
        }
        self.check_work_order(who, &body, proposal_id.is_some())
            .await?;
        let lists = self.store.price_lists(tenant_id).await?;
        let at = now();
        let quotes: BTreeMap<i64, price::Quote> = items
            .iter()
            .map(|i| {
                (
                    i.id,
                    price::quote(i.id, i.body.list_price, &who.audience, &lists, at),
                )
            })
            .collect();
        let (priced, total) =
            checkout::price(&body.lines, &demand, &quotes).map_err(|e| match e {
                CheckoutError::PriceChanged(changed) => ApiError::with_details(
                    ErrorCode::PriceChanged,
                    changed
                        .iter()
                        .map(|c| {
                            let sku = on_sale(&c.item_id)
                                .map(|i| i.body.sku.clone())
                                .unwrap_or_default();
                            (
                                "mall-price-now",
                                vec![
                                    ("sku", sku),
                                    ("seen", c.seen.display()),
                                    ("price", c.now.price.display()),
                                    ("list", c.now.list.display()),
                                ],
                            )
                        })
                        .collect(),
                ),
                _ => ApiError::new(ErrorCode::InvalidQuantity),
            })?;
        let lines = priced
            .into_iter()
            .filter_map(|l| {
                let item = on_sale(&l.item_id)?;
                Some((l, item.body.sku.clone(), item.body.name.clone()))
            })
            .collect();
        let reserve = demand
            .iter()
            .filter(|(id, _)| on_sale(id).is_some_and(|i| i.body.kind.stocked()))
            .map(|(id, q)| (*id, *q))
            .collect();
        let provider = self.payments.provider(body.payment);
        let new = NewOrder {
            buyer: who.buyer.clone(),
            lines,
            reserve,
            total,
            delivery: body.delivery,
            method: body.payment,
            reference: provider.open(),
            reserved_until: at + self.reservation_secs,
            work_order_id: body.work_order_id,
            device_id: body.device_id,
            proposal_id,
            key: key.to_owned(),
            fingerprint: checkout::fingerprint(raw),
        };
        let (created, id) = match self.store.place_order(tenant_id, new, at).await? {
            Placed::New(id) => (true, id),
            Placed::Replayed(id) => (false, id),
            Placed::KeyReused => return Err(ApiError::new(ErrorCode::IdempotencyKeyReused)),
            Placed::ProposalClosed => return Err(ApiError::new(ErrorCode::ProposalClosed)),
            Placed::OutOfStock(item) => {
                return Err(ApiError::with_details(
                    ErrorCode::OutOfStock,
                    vec![(
                        "mall-out-of-stock",
                        vec![(
                            "sku",
                            on_sale(&item)
                                .map(|i| i.body.sku.clone())
                                .unwrap_or_default(),
                        )],
                    )],
                ));
            }
        };
        let order = self.load(tenant_id, id).await?;
        if created {
            self.publish(tenant_id, &order);
            if let (Some(wo), None) = (order.work_order_id, proposal_id) {
                self.tell_work_order(tenant_id, wo).await;
            }
        }
        Ok((created, order))
    }

    /// An order for a work order's parts: a provider's people buy for
    /// the work orders they may see (and one of its devices); a customer
    /// only by approving a proposal.
    async fn check_work_order(
        &self,
        who: &BuyerRef,
        body: &CheckoutBody,
        approving: bool,
    ) -> MallResult<()> {
        let Some(wo) = body.work_order_id else {
            return match body.device_id {
                Some(_) => Err(ApiError::new(ErrorCode::BadRequest)),
                None => Ok(()),
            };
        };
        let Buyer::Provider { user_id, .. } = who.buyer else {
            return if approving {
                Ok(())
            } else {
                Err(ApiError::new(ErrorCode::BadRequest))
            };
        };
        let user = self
            .store
            .user(who.tenant_id, user_id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))?;
        let order = crate::field::visible_work_order(&*self.store, &user, wo).await?;
        if body
            .device_id
            .is_some_and(|d| !order.devices.iter().any(|x| x.id == d))
        {
            return Err(ApiError::new(ErrorCode::NotFound));
        }
        Ok(())
    }

    async fn check_delivery(&self, who: &BuyerRef, delivery: &Delivery) -> MallResult<()> {
        let bad = || ApiError::new(ErrorCode::InvalidDelivery);
        if !delivery.is_valid() {
            return Err(bad());
        }
        if let Delivery::Depot { location_id } = delivery {
            let Buyer::Provider { provider_id, .. } = who.buyer else {
                return Err(bad());
            };
            let depot = self
                .store
                .locations(who.tenant_id)
                .await?
                .into_iter()
                .find(|l| l.id == *location_id)
                .ok_or_else(bad)?;
            if depot.body.kind != LocationKind::Depot || depot.body.provider_id != Some(provider_id)
            {
                return Err(bad());
            }
        }
        Ok(())
    }

    async fn load(&self, tenant_id: i64, id: i64) -> MallResult<Order> {
        self.store
            .order(tenant_id, id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))
    }

    /// One of the buyer's orders (another's is not found).
    pub async fn order_of(&self, who: &BuyerRef, id: i64) -> MallResult<Order> {
        self.enabled(who.tenant_id).await?;
        let order = self.load(who.tenant_id, id).await?;
        if who.owns(&order) {
            Ok(order)
        } else {
            Err(ApiError::new(ErrorCode::NotFound))
        }
    }

    /// The buyer's orders, newest first, below `before`.
    pub async fn orders_of(&self, who: &BuyerRef, before: i64) -> MallResult<Vec<Order>> {
        self.enabled(who.tenant_id).await?;
        Ok(self
            .store
            .orders(who.tenant_id, who.scope(), before, 50)
            .await?)
    }

    /// Any order of the tenant (the warehouse).
    pub async fn staff_order(&self, tenant_id: i64, id: i64) -> MallResult<Order> {
        self.enabled(tenant_id).await?;
        self.load(tenant_id, id).await
    }

    /// Every order (the warehouse), or a work order's.
    pub async fn all_orders(
        &self,
        tenant_id: i64,
        work_order: Option<i64>,
        before: i64,
    ) -> MallResult<Vec<Order>> {
        self.enabled(tenant_id).await?;
        let scope = work_order.map_or(OrderScope::All, OrderScope::WorkOrder);
        Ok(self.store.orders(tenant_id, scope, before, 50).await?)
    }

    /// The buyer pays an unpaid order. A test card's outcome is known
    /// now (declined, failed: the order stays unpaid and may be paid
    /// again) or later by webhook; a manual payment waits for an admin.
    pub async fn pay(&self, who: &BuyerRef, id: i64, body: PayBody) -> MallResult<Order> {
        let order = self.order_of(who, id).await?;
        if order.payment.status == PaymentStatus::Captured {
            return Ok(order);
        }
        if order.status != OrderStatus::PendingPayment {
            return Err(ApiError::new(
                if order
                    .timeline
                    .iter()
                    .any(|e| e.what == "reservation_expired")
                {
                    ErrorCode::ReservationExpired
                } else {
                    ErrorCode::OrderNotAllowed
                },
            ));
        }
        if order.reserved_until.is_some_and(|until| until <= now()) {
            self.act(
                who.tenant_id,
                id,
                OrderEvent::ReservationExpired,
                Actor::System,
                None,
            )
            .await?;
            return Err(ApiError::new(ErrorCode::ReservationExpired));
        }
        let provider = self.payments.provider(order.payment.method);
        let target = self.webhook_target(who.tenant_id).await?;
        let outcome = provider
            .confirm(
                &order.payment.reference,
                order.total,
                body.card.as_deref(),
                target,
            )
            .await?;
        match outcome {
            Confirmation::Captured => {
                self.confirm_payment(who.tenant_id, id, Actor::System, "payment_confirmed")
                    .await
            }
            Confirmation::Pending => {
                if order.payment.status != PaymentStatus::Pending {
                    self.note_payment(who.tenant_id, id, PaymentStatus::Pending, "payment_pending")
                        .await?;
                }
                self.load(who.tenant_id, id).await
            }
            Confirmation::Declined => {
                self.note_payment(
                    who.tenant_id,
                    id,
                    PaymentStatus::Declined,
                    "payment_declined",
                )
                .await?;
                Err(ApiError::new(ErrorCode::PaymentDeclined))
            }
            Confirmation::Failed => {
                self.note_payment(who.tenant_id, id, PaymentStatus::Failed, "payment_failed")
                    .await?;
                Err(ApiError::new(ErrorCode::PaymentFailed))
            }
        }
    }

    async fn note_payment(
        &self,
        tenant_id: i64,
        id: i64,
        status: PaymentStatus,
        what: &str,
    ) -> MallResult<()> {
        if self
            .store
            .note_payment(tenant_id, id, status, what.to_owned(), now())
            .await?
        {
            let order = self.load(tenant_id, id).await?;
            self.publish(tenant_id, &order);
        }
        Ok(())
    }

    /// Where the test gateway posts, with the tenant's secret: opened once
    /// and kept; made (random, sealed) the first time a tenant needs one.
    async fn webhook_target(&self, tenant_id: i64) -> MallResult<WebhookTarget> {
        let url = self.payments.webhook_url();
        if let Some(secret) = self
            .webhook_keys
            .lock()
            .expect("webhook keys")
            .get(&tenant_id)
        {
            return Ok(WebhookTarget {
                url,
                secret: secret.clone(),
            });
        }
        let sealed = match self.store.mall_settings(tenant_id).await?.webhook_secret {
            Some(sealed) => sealed,
            None => {
                let fresh = self.secrets.seal(&crate::auth::random_bytes::<32>());
                self.store.webhook_secret(tenant_id, fresh).await?
            }
        };
        let secret = self.secrets.open(&sealed).map_err(|e| {
            tracing::error!(%e, tenant_id, "the mall's webhook secret does not open");
            ApiError::new(ErrorCode::Internal)
        })?;
        self.webhook_keys
            .lock()
            .expect("webhook keys")
            .insert(tenant_id, secret.clone());
        Ok(WebhookTarget { url, secret })
    }

    /// A captured payment: the order is paid — once, whichever of the
    /// buyer's return, the webhook or an admin comes first. A capture
    /// for an order cancelled meanwhile is refunded.
    pub async fn confirm_payment(
        &self,
        tenant_id: i64,
        id: i64,
        actor: Actor,
        what: &str,
    ) -> MallResult<Order> {
        for _ in 0..RETRIES {
            let order = self.load(tenant_id, id).await?;
            if matches!(
                order.payment.status,
                PaymentStatus::Captured | PaymentStatus::Refunded
            ) {
                return Ok(order);
            }
            if order.status == OrderStatus::Cancelled {
                tracing::warn!(tenant_id, order = id, "captured after cancelling: refunded");
                self.payments
                    .provider(order.payment.method)
                    .refund(&order.payment.reference, order.total)
                    .await?;
                self.note_payment(tenant_id, id, PaymentStatus::Refunded, "payment_refunded")
                    .await?;
                return self.load(tenant_id, id).await;
            }
            let t = order::apply(order.status, OrderEvent::PaymentConfirmed, actor)
                .map_err(not_allowed)?;
            let change = OrderChange {
                from: order.status,
                to: t.next,
                effects: t.effects.clone(),
                payment: Some(PaymentStatus::Captured),
                what: what.to_owned(),
                detail: None,
                shipment: None,
            };
            if let Some(changed) = self.commit(tenant_id, id, change, &t.effects).await? {
                return Ok(changed);
            }
        }
        Err(ApiError::new(ErrorCode::Conflict))
    }

    /// A payment provider's webhook: verified with the tenant's secret,
    /// applied once (a repeat or a race with the buyer's return changes
    /// nothing).
    pub async fn webhook(&self, signature: Option<&str>, body: &[u8]) -> MallResult<()> {
        let invalid = || ApiError::new(ErrorCode::InvalidWebhook);
        let signature = signature.ok_or_else(invalid)?;
        // Which tenant's secret to check with: the reference it names.
        let claimed: super::payment::WebhookEvent =
            serde_json::from_slice(body).map_err(|_| invalid())?;
        let (tenant_id, id) = self
            .store
            .payment_order(claimed.reference.clone())
            .await?
            .ok_or_else(invalid)?;
        let order = self.load(tenant_id, id).await?;
        let target = self.webhook_target(tenant_id).await?;
        let event =
            self.payments
                .provider(order.payment.method)
                .verify(&target.secret, signature, body)?;
        match event.status {
            WebhookStatus::Captured => {
                self.confirm_payment(tenant_id, id, Actor::System, "payment_confirmed")
                    .await?;
            }
            s @ (WebhookStatus::Declined | WebhookStatus::Failed) => {
                if order.payment.status == PaymentStatus::Pending {
                    let what = if s == WebhookStatus::Declined {
                        "payment_declined"
                    } else {
                        "payment_failed"
                    };
                    self.note_payment(tenant_id, id, s.payment(), what).await?;
                }
            }
            WebhookStatus::Refunded => {
                if order.payment.status == PaymentStatus::Captured {
                    self.note_payment(tenant_id, id, PaymentStatus::Refunded, "payment_refunded")
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// An event on an order, decided with `core::mall::order::apply` and
    /// its payment effects carried out with the provider before the
    /// change is written.
    pub(super) async fn act(
        &self,
        tenant_id: i64,
        id: i64,
        event: OrderEvent,
        actor: Actor,
        shipment: Option<NewShipment>,
    ) -> MallResult<Order> {
        for _ in 0..RETRIES {
            let order = self.load(tenant_id, id).await?;
            let t = order::apply(order.status, event, actor).map_err(not_allowed)?;
            let provider = self.payments.provider(order.payment.method);
            let mut payment = None;
            for effect in &t.effects {
                match effect {
                    Effect::CancelPayment if order.payment.status != PaymentStatus::Captured => {
                        provider.cancel(&order.payment.reference).await?;
                        payment = Some(PaymentStatus::Cancelled);
                    }
                    // Captured in the meantime: give it back.
                    Effect::CancelPayment | Effect::RefundPayment
                        if order.payment.status == PaymentStatus::Captured =>
                    {
                        provider
                            .refund(&order.payment.reference, order.total)
                            .await?;
                        payment = Some(PaymentStatus::Refunded);
                    }
                    Effect::RefundPayment => {
                        provider.cancel(&order.payment.reference).await?;
                        payment = Some(PaymentStatus::Cancelled);
                    }
                    _ => {}
                }
            }
            let change = OrderChange {
                from: order.status,
                to: t.next,
                effects: t.effects.clone(),
                payment,
                what: event.name().to_owned(),
                detail: shipment
                    .as_ref()
                    .map(|s| format!("{} {}", s.carrier, s.tracking)),
                shipment: shipment.clone(),
            };
            if let Some(changed) = self.commit(tenant_id, id, change, &t.effects).await? {
                return Ok(changed);
            }
        }
        Err(ApiError::new(ErrorCode::Conflict))
    }

    /// Writes a decided change and tells whoever follows the order;
    /// `None` when the order moved meanwhile (the caller decides again).
    async fn commit(
        &self,
        tenant_id: i64,
        id: i64,
        change: OrderChange,
        effects: &[Effect],
    ) -> MallResult<Option<Order>> {
        match self.store.change_order(tenant_id, id, change, now()).await {
            Ok(changed) => {
                self.after(tenant_id, &changed, effects).await;
                Ok(Some(changed))
            }
            Err(StoreError::Conflict(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The buyer cancels (before picking), confirms receipt or asks to
    /// return.
    pub async fn buyer_act(&self, who: &BuyerRef, id: i64, event: OrderEvent) -> MallResult<Order> {
        self.order_of(who, id).await?;
        match event {
            OrderEvent::Cancel | OrderEvent::Completed | OrderEvent::ReturnRequested => {
                self.act(who.tenant_id, id, event, Actor::Buyer, None).await
            }
            _ => Err(ApiError::new(ErrorCode::OrderNotAllowed)),
        }
    }

    /// What the warehouse does to an order besides shipping.
    pub async fn staff_act(
        &self,
        tenant_id: i64,
        id: i64,
        action: StaffAction,
    ) -> MallResult<Order> {
        self.enabled(tenant_id).await?;
        match action {
            StaffAction::MarkPaid => {
                let order = self.load(tenant_id, id).await?;
                if order.status != OrderStatus::PendingPayment {
                    return Err(ApiError::new(ErrorCode::OrderNotAllowed));
                }
                self.confirm_payment(tenant_id, id, Actor::Staff, "marked_paid")
                    .await
            }
            StaffAction::StartPicking => {
                self.act(tenant_id, id, OrderEvent::StartPicking, Actor::Staff, None)
                    .await
            }
            StaffAction::Cancel => {
                self.act(tenant_id, id, OrderEvent::Cancel, Actor::Staff, None)
                    .await
            }
            StaffAction::ReturnReceived => {
                self.act(
                    tenant_id,
                    id,
                    OrderEvent::ReturnReceived,
                    Actor::Staff,
                    None,
                )
                .await
            }
            StaffAction::Refund => {
                self.act(tenant_id, id, OrderEvent::Refunded, Actor::Staff, None)
                    .await
            }
        }
    }

    /// Ships what is left (or the lines given) with a carrier and a
    /// tracking number; a `test` carrier then reports its events.
    pub async fn ship(&self, tenant_id: i64, id: i64, body: ShipBody) -> MallResult<Order> {
        self.enabled(tenant_id).await?;
        let invalid = || ApiError::new(ErrorCode::InvalidTracking);
        if !shipment::check_tracking(&body.carrier, &body.tracking, body.url.as_deref()) {
            return Err(invalid());
        }
        let order = self.load(tenant_id, id).await?;
        let items = self
            .store
            .items_by_id(tenant_id, order.lines.iter().map(|l| l.item_id).collect())
            .await?;
        let stocked = |id: i64| items.iter().any(|i| i.id == id && i.body.kind.stocked());
        let ordered: BTreeMap<i64, u32> = order
            .lines
            .iter()
            .filter(|l| stocked(l.item_id))
            .map(|l| (l.item_id, l.quantity))
            .collect();
        let shipped: BTreeMap<i64, u32> = order
            .lines
            .iter()
            .filter(|l| stocked(l.item_id))
            .map(|l| (l.item_id, l.shipped))
            .collect();
        let this: BTreeMap<i64, u32> = if body.lines.is_empty() {
            ordered
                .iter()
                .map(|(item, q)| (*item, q - shipped.get(item).copied().unwrap_or(0)))
                .filter(|(_, q)| *q > 0)
                .collect()
        } else {
            body.lines.into_iter().filter(|(_, q)| *q > 0).collect()
        };
        // Services only: the order is complete with nothing to carry.
        let complete = if ordered.is_empty() && this.is_empty() {
            true
        } else {
            checkout::ship(&ordered, &shipped, &this).map_err(|_| invalid())?
        };
        let new = NewShipment {
            carrier: body.carrier.trim().to_owned(),
            tracking: body.tracking.trim().to_owned(),
            url: body.url,
            lines: this,
        };
        let carrier = super::carrier::carrier(&new.carrier, self.carrier_step);
        let script = carrier.script(&new.tracking);
        let changed = self
            .act(
                tenant_id,
                id,
                OrderEvent::Shipped { complete },
                Actor::Staff,
                Some(new),
            )
            .await?;
        if let Some(s) = changed.shipments.last().filter(|_| !script.is_empty()) {
            self.follow(tenant_id, s.id, script);
        }
        Ok(changed)
    }

    /// Plays a carrier's script for a shipment in the background.
    fn follow(
        &self,
        tenant_id: i64,
        shipment_id: i64,
        script: Vec<(std::time::Duration, ShipmentStatus)>,
    ) {
        let Some(me) = self.me.get().and_then(std::sync::Weak::upgrade) else {
            return;
        };
        tokio::spawn(async move {
            for (wait, status) in script {
                tokio::time::sleep(wait).await;
                if let Err(e) = me.shipment_event(tenant_id, shipment_id, status).await {
                    tracing::warn!(%e, shipment_id, "carrier event not applied");
                    return;
                }
            }
        });
    }

    /// A carrier's event (entered by staff or reported); when every
    /// shipment of a fully shipped order is delivered, the order is.
    pub async fn shipment_event(
        &self,
        tenant_id: i64,
        shipment_id: i64,
        to: ShipmentStatus,
    ) -> MallResult<Order> {
        let (order_id, from) = self
            .store
            .shipment_status(tenant_id, shipment_id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))?;
        match from.advance(to) {
            Ok(None) => return self.load(tenant_id, order_id).await,
            Ok(Some(_)) => {}
            Err(_) => return Err(ApiError::new(ErrorCode::OrderNotAllowed)),
        }
        match self
            .store
            .change_shipment(tenant_id, shipment_id, from, to, now())
            .await
        {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
        let order = self.load(tenant_id, order_id).await?;
        if order.status == OrderStatus::Shipped
            && order
                .shipments
                .iter()
                .all(|s| s.status == ShipmentStatus::Delivered)
        {
            return self
                .act(
                    tenant_id,
                    order_id,
                    OrderEvent::Delivered,
                    Actor::System,
                    None,
                )
                .await;
        }
        self.publish(tenant_id, &order);
        Ok(order)
    }

    /// Cancels unpaid orders whose reservation ran out.
    pub async fn expire_unpaid(&self) -> MallResult<usize> {
        let due = self.store.expired_orders(now(), 100).await?;
        let mut done = 0;
        for (tenant_id, id) in due {
            match self
                .act(
                    tenant_id,
                    id,
                    OrderEvent::ReservationExpired,
                    Actor::System,
                    None,
                )
                .await
            {
                Ok(_) => done += 1,
                Err(e) => {
                    tracing::warn!(%e, tenant_id, order = id, "an unpaid order did not expire")
                }
            }
        }
        Ok(done)
    }

    /// After a change is written: the buyer and the staff told; a
    /// customer also by email when it matters to them.
    async fn after(&self, tenant_id: i64, order: &Order, effects: &[Effect]) {
        self.publish(tenant_id, order);
        if let Some(wo) = order.work_order_id {
            self.tell_work_order(tenant_id, wo).await;
        }
        if !effects.contains(&Effect::NotifyBuyer) {
            return;
        }
        if let Err(e) = self.mail_buyer(tenant_id, order).await {
            tracing::warn!(%e, tenant_id, order = order.id, "order mail not queued");
        }
    }

    async fn mail_buyer(&self, tenant_id: i64, order: &Order) -> MallResult<()> {
        let Buyer::Customer { customer_id } = order.buyer else {
            return Ok(());
        };
        let Some(mailbox) = self.settings(tenant_id).await?.mailbox_id else {
            return Ok(());
        };
        let Some(customer) = self.store.customer(tenant_id, customer_id).await? else {
            return Ok(());
        };
        let locale = customer.locale;
        let status = self.catalog.message(locale, &order.status.message_key());
        let last = order.timeline.last();
        let tracking = order
            .shipments
            .last()
            .map(|s| {
                format!(
                    "{} {}{}",
                    s.carrier,
                    s.tracking,
                    s.url
                        .as_deref()
                        .map(|u| format!(" {u}"))
                        .unwrap_or_default()
                )
            })
            .filter(|_| {
                matches!(
                    order.status,
                    OrderStatus::Shipped | OrderStatus::PartiallyShipped
                )
            })
            .unwrap_or_default();
        self.mail
            .queue_notice(
                tenant_id,
                mailbox,
                Notice {
                    key: format!("order:{}:{}", order.id, order.timeline.len()),
                    to: &customer.email,
                    subject: self.text(
                        locale,
                        "mall-order-mail-subject",
                        &[("order", order.id.to_string()), ("status", status.clone())],
                    ),
                    text: self.text(
                        locale,
                        "mall-order-mail-text",
                        &[
                            ("name", customer.name.clone()),
                            ("order", order.id.to_string()),
                            ("status", status),
                            ("total", order.total.display()),
                            ("tracking", tracking),
                            ("at", last.map_or(0, |e| e.at).to_string()),
                        ],
                    ),
                },
            )
            .await?;
        Ok(())
    }
}

/// The signature header's name, for the route.
pub const WEBHOOK_SIGNATURE: &str = SIGNATURE_HEADER;
