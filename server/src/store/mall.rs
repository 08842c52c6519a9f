//! Storage of the parts mall. The store keeps the invariants a database
//! keeps best: stock never below zero nor more reserved than on hand
//! (checked by the database, whatever the concurrency), an order, its
//! reservation, its payment and its first event written in one
//! transaction, one order per idempotency key, and every status change
//! written only over the status it was decided on.

use std::collections::BTreeMap;

use async_trait::async_trait;
use fieldesk_core::Locale;
use fieldesk_core::mall::catalog::{Category, Item, ItemBody};
use fieldesk_core::mall::checkout::PricedLine;
use fieldesk_core::mall::customer::Customer;
use fieldesk_core::mall::order::{Effect, OrderStatus};
use fieldesk_core::mall::payment::PaymentStatus;
use fieldesk_core::mall::price::{PriceList, PriceListBody};
use fieldesk_core::mall::proposal::{Proposal, ProposalStatus, ProposedItem};
use fieldesk_core::mall::shipment::ShipmentStatus;
use fieldesk_core::mall::{
    Buyer, Delivery, Location, LocationBody, MallSettings, Order, PaymentMethod, StockLevel,
};

use super::StoreResult;
use super::outbox::SendResult;

/// A mall mail (a sign-up code, an order update), built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutNotice {
    pub mailbox_id: i64,
    /// Queued once per key.
    pub client_key: String,
    pub envelope_from: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
}

/// A mall mail waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueNotice {
    pub id: i64,
    pub tenant_id: i64,
    pub mailbox_id: i64,
    pub envelope_from: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
    pub attempts: u32,
}

/// What the catalog is searched for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemQuery {
    /// Every term must match (`core::mall::catalog::query_terms`).
    pub terms: Vec<String>,
    /// Items fitting this model key (`catalog::model_key`).
    pub model: Option<String>,
    /// Items of this category (as the admin wrote it).
    pub category: Option<String>,
    /// Only items on sale.
    pub enabled_only: bool,
    /// Items with an id above this (paging).
    pub after: i64,
    pub limit: u32,
}

/// The mall settings as kept, with the sealed webhook secret.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoredMallSettings {
    pub settings: MallSettings,
    pub webhook_secret: Option<String>,
}

/// A customer with their password hash (for sign-in only).
#[derive(Debug, Clone)]
pub struct CustomerCredentials {
    pub customer: Customer,
    pub password_hash: String,
}

/// What checking an email code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right: the customer is verified now; the code is spent.
    Verified,
    /// Wrong, expired, spent or never sent.
    Refused,
}

/// A new order as checkout decided it.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub buyer: Buyer,
    /// Lines priced (one per item), with their SKU and name as bought.
    pub lines: Vec<(
        PricedLine,
        String,
        fieldesk_core::mall::catalog::LocalizedText,
    )>,
    /// Units to reserve per stocked item.
    pub reserve: BTreeMap<i64, u32>,
    pub total: fieldesk_core::mall::money::Money,
    pub delivery: Delivery,
    pub method: PaymentMethod,
    /// The payment's reference (random, unique).
    pub reference: String,
    pub reserved_until: i64,
    pub work_order_id: Option<i64>,
    pub device_id: Option<i64>,
    /// The proposal this checkout approves (it must still be open: it is
    /// approved in the order's transaction).
    pub proposal_id: Option<i64>,
    /// The idempotency key and the request's fingerprint.
    pub key: String,
    pub fingerprint: String,
}

/// A proposal as the engineer sends it, checked.
#[derive(Debug, Clone)]
pub struct NewProposal {
    pub work_order_id: i64,
    pub device_id: i64,
    /// Normalized.
    pub email: String,
    pub lines: Vec<ProposedItem>,
    pub note: String,
    pub sent_by: i64,
    /// The idempotency key (per sender) and the request's fingerprint.
    pub key: String,
    pub fingerprint: String,
}

/// Which proposals to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposalScope {
    WorkOrder(i64),
    /// Those sent to this (normalized) address, newest first.
    Email(String),
}

/// What placing an order did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    New(i64),
    /// The key was used with this body before: that order.
    Replayed(i64),
    /// The key was used with another body: nothing done.
    KeyReused,
    /// This item has not enough stock at any shipping location: nothing done.
    OutOfStock(i64),
    /// The proposal being approved is not open any more: nothing done.
    ProposalClosed,
}

/// A status change decided by `core::mall::order::apply` (or a payment
/// or shipment outcome), written only if the order is still `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderChange {
    pub from: OrderStatus,
    pub to: OrderStatus,
    /// The effects the store carries out (reservation release, restock).
    pub effects: Vec<Effect>,
    /// The payment's new status, if it changes.
    pub payment: Option<PaymentStatus>,
    /// The timeline entry (`what`, `detail`).
    pub what: String,
    pub detail: Option<String>,
    /// Units leaving with a new shipment (item → units) and its
    /// carrier, tracking number and URL.
    pub shipment: Option<NewShipment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShipment {
    pub carrier: String,
    pub tracking: String,
    pub url: Option<String>,
    pub lines: BTreeMap<i64, u32>,
}

/// Which orders to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderScope {
    All,
    Customer(i64),
    Provider(i64),
    WorkOrder(i64),
}

#[async_trait]
pub trait MallStore: Send + Sync + 'static {
    async fn mall_settings(&self, tenant_id: i64) -> StoreResult<StoredMallSettings>;
    async fn save_mall_settings(&self, tenant_id: i64, settings: MallSettings) -> StoreResult<()>;
    /// Keeps `sealed` as the webhook secret unless one is kept; answers
    /// the one kept.
    async fn webhook_secret(&self, tenant_id: i64, sealed: String) -> StoreResult<String>;

    /// Creates (`id` none) or changes an item (validated by the caller),
    /// its model index and search terms. A SKU the tenant has: conflict.
    async fn save_item(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        body: ItemBody,
        terms: Vec<String>,
        at: i64,
    ) -> StoreResult<Item>;
    async fn item(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Item>>;
    async fn items_by_id(&self, tenant_id: i64, ids: Vec<i64>) -> StoreResult<Vec<Item>>;
    /// Items matching the query, by id.
    async fn items(&self, tenant_id: i64, query: ItemQuery) -> StoreResult<Vec<Item>>;
    /// The categories of the items on sale, by name, with their counts.
    async fn categories(&self, tenant_id: i64) -> StoreResult<Vec<Category>>;
    /// Of `ids`, the photos the tenant does not have (an item may only
    /// name uploaded ones).
    async fn missing_photos(&self, tenant_id: i64, ids: Vec<String>) -> StoreResult<Vec<String>>;
    /// A photo (content type, bytes) some item of the tenant names, one on
    /// sale when `on_sale_only`; none for any other photo of the tenant.
    async fn item_photo(
        &self,
        tenant_id: i64,
        id: String,
        on_sale_only: bool,
    ) -> StoreResult<Option<(String, Vec<u8>)>>;

    async fn price_lists(&self, tenant_id: i64) -> StoreResult<Vec<PriceList>>;
    async fn save_price_list(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        body: PriceListBody,
    ) -> StoreResult<PriceList>;
    async fn provider_tier(&self, tenant_id: i64, provider_id: i64) -> StoreResult<Option<String>>;
    /// Sets (or with none clears) a provider's tier; an unknown provider
    /// is not found.
    async fn set_provider_tier(
        &self,
        tenant_id: i64,
        provider_id: i64,
        tier: Option<String>,
    ) -> StoreResult<()>;

    async fn locations(&self, tenant_id: i64) -> StoreResult<Vec<Location>>;
    async fn save_location(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        body: LocationBody,
    ) -> StoreResult<Location>;
    /// Sets the counted units of a part at a location; fewer than are
    /// reserved is a conflict.
    async fn set_stock(
        &self,
        tenant_id: i64,
        item_id: i64,
        location_id: i64,
        on_hand: u32,
    ) -> StoreResult<StockLevel>;
    /// Stock of these items at every location.
    async fn stock(&self, tenant_id: i64, item_ids: Vec<i64>) -> StoreResult<Vec<StockLevel>>;

    /// A new, unverified customer; an address the tenant has: conflict.
    async fn create_customer(
        &self,
        tenant_id: i64,
        email: String,
        name: String,
        locale: Locale,
        password_hash: String,
        at: i64,
    ) -> StoreResult<Customer>;
    async fn customer(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Customer>>;
    async fn customer_credentials(
        &self,
        tenant_id: i64,
        email: String,
    ) -> StoreResult<Option<CustomerCredentials>>;
    /// Marks an address verified without a code (an admin vouches for it:
    /// the demo customer, `fieldesk-server customer add`).
    async fn vouch_for_customer(
        &self,
        tenant_id: i64,
        customer_id: i64,
        at: i64,
    ) -> StoreResult<()>;
    /// Keeps a new code (replacing earlier ones) unless `max_per_hour`
    /// were sent in the last hour (then false).
    async fn put_code(
        &self,
        tenant_id: i64,
        customer_id: i64,
        code_hash: String,
        expires_at: i64,
        max_per_hour: u32,
        at: i64,
    ) -> StoreResult<bool>;
    /// Checks a code: right and fresh verifies the customer and spends
    /// it; wrong counts an attempt (spent after `max_attempts`).
    async fn check_code(
        &self,
        tenant_id: i64,
        customer_id: i64,
        code_hash: String,
        max_attempts: u32,
        at: i64,
    ) -> StoreResult<CodeCheck>;
    async fn create_customer_session(
        &self,
        tenant_id: i64,
        customer_id: i64,
        token_hash: String,
        at: i64,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// The live session's tenant and customer.
    async fn customer_session(
        &self,
        token_hash: String,
        at: i64,
    ) -> StoreResult<Option<(i64, Customer)>>;
    async fn end_customer_session(&self, token_hash: String, at: i64) -> StoreResult<()>;

    /// Checkout: the order, its lines, the stock reserved (each item
    /// from the lowest-numbered shipping location that has all of it),
    /// the payment opened and the first event, in one transaction; once
    /// per idempotency key.
    async fn place_order(&self, tenant_id: i64, order: NewOrder, at: i64) -> StoreResult<Placed>;
    async fn order(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Order>>;
    /// Orders in the scope, newest first, below `before` (0: from the top).
    async fn orders(
        &self,
        tenant_id: i64,
        scope: OrderScope,
        before: i64,
        limit: u32,
    ) -> StoreResult<Vec<Order>>;
    /// Writes a change decided on `change.from`; the order not in that
    /// status any more: conflict (the caller decides again).
    async fn change_order(
        &self,
        tenant_id: i64,
        order_id: i64,
        change: OrderChange,
        at: i64,
    ) -> StoreResult<Order>;
    /// Sets a payment's status without moving the order (a decline, a
    /// failure, a retry) and adds the timeline entry; the same status
    /// again changes nothing (false).
    async fn note_payment(
        &self,
        tenant_id: i64,
        order_id: i64,
        status: PaymentStatus,
        what: String,
        at: i64,
    ) -> StoreResult<bool>;
    /// The tenant and order of a payment reference.
    async fn payment_order(&self, reference: String) -> StoreResult<Option<(i64, i64)>>;
    /// A shipment's new status with its timeline entry; the same status
    /// again changes nothing. Answers the order id.
    async fn change_shipment(
        &self,
        tenant_id: i64,
        shipment_id: i64,
        from: ShipmentStatus,
        to: ShipmentStatus,
        at: i64,
    ) -> StoreResult<i64>;
    async fn shipment_status(
        &self,
        tenant_id: i64,
        shipment_id: i64,
    ) -> StoreResult<Option<(i64, ShipmentStatus)>>;
    /// Unpaid orders whose reservation ran out by `at`.
    async fn expired_orders(&self, at: i64, limit: u32) -> StoreResult<Vec<(i64, i64)>>;

    /// Queues a mall mail once per client key (false: it was before).
    /// Sends a proposal once per sender and key: `New`, `Replayed` (same
    /// body) or `KeyReused`.
    async fn create_proposal(
        &self,
        tenant_id: i64,
        proposal: NewProposal,
        at: i64,
    ) -> StoreResult<Placed>;
    async fn proposal(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Proposal>>;
    /// At most 100, newest first.
    async fn proposals(&self, tenant_id: i64, scope: ProposalScope) -> StoreResult<Vec<Proposal>>;
    /// Declines or withdraws an open proposal; false when it was not open.
    async fn close_proposal(
        &self,
        tenant_id: i64,
        id: i64,
        to: ProposalStatus,
        at: i64,
    ) -> StoreResult<bool>;
    /// The work orders of a customer (newest first, at most `limit`):
    /// those a proposal was sent to their address for, and those whose
    /// contact names the address.
    async fn customer_work_orders(
        &self,
        tenant_id: i64,
        email: String,
        limit: u32,
    ) -> StoreResult<Vec<i64>>;

    async fn queue_notice(&self, tenant_id: i64, notice: OutNotice, at: i64) -> StoreResult<bool>;
    /// Mall mail due at `at`, oldest first.
    async fn due_notices(&self, at: i64, limit: u32) -> StoreResult<Vec<DueNotice>>;
    async fn next_notice_due(&self) -> StoreResult<Option<i64>>;
    async fn record_notice(&self, id: i64, result: SendResult, at: i64) -> StoreResult<()>;
}
