//! The parts mall (配件商城): customers buy in the customer portal,
//! service providers in their portal, engineers for the device in front
//! of them. The rules live here once — money, price selection, the order
//! and payment machines, stock reservation sums, checkout — and the
//! server carries them out.

pub mod catalog;
pub mod checkout;
pub mod customer;
pub mod money;
pub mod order;
pub mod payment;
pub mod price;
pub mod proposal;
pub mod shipment;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Maps by item id in JSON: keys are strings there (`{"7": 2}`). serde
/// reads them back as numbers only when it sees them directly; inside a
/// tagged enum or a flattened struct (buffered first) it does not, so
/// these maps read their keys from strings or numbers alike, and write
/// them as strings.
pub mod id_map {
    use std::collections::BTreeMap;

    use serde::de::{Deserializer, Error, Visitor};
    use serde::{Deserialize, Serialize, Serializer};

    /// Keys as strings, as JSON has them (serializers that build
    /// objects — the app's IPC — take no number keys).
    pub fn serialize<S: Serializer, V: Serialize>(
        map: &BTreeMap<i64, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(map.iter().map(|(k, v)| (k.to_string(), v)))
    }

    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct Key(i64);

    impl<'de> Deserialize<'de> for Key {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
            struct K;
            impl Visitor<'_> for K {
                type Value = Key;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an item id")
                }
                fn visit_str<E: Error>(self, v: &str) -> Result<Key, E> {
                    v.trim().parse().map(Key).map_err(E::custom)
                }
                fn visit_i64<E: Error>(self, v: i64) -> Result<Key, E> {
                    Ok(Key(v))
                }
                fn visit_u64<E: Error>(self, v: u64) -> Result<Key, E> {
                    i64::try_from(v).map(Key).map_err(E::custom)
                }
            }
            d.deserialize_any(K)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
        d: D,
    ) -> Result<BTreeMap<i64, V>, D::Error> {
        let raw = BTreeMap::<Key, V>::deserialize(d)?;
        Ok(raw.into_iter().map(|(k, v)| (k.0, v)).collect())
    }
}

use catalog::{Item, LocalizedText};
use checkout::CartLine;
use money::{Currency, Money};
use order::OrderStatus;
use payment::PaymentStatus;
use shipment::ShipmentStatus;

/// How a buyer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Bank transfer or cash on delivery: pending until an admin marks it
    /// paid.
    Manual,
    /// The test gateway: the card decides; confirmation may come later by
    /// a signed webhook.
    Test,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Manual => "manual",
            PaymentMethod::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentMethod> {
        match s {
            "manual" => Some(PaymentMethod::Manual),
            "test" => Some(PaymentMethod::Test),
            _ => None,
        }
    }
}

/// The tenant's mall switch and choices (`GET/PUT /api/mall/settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MallSettings {
    /// Off by default: every mall route answers "not enabled".
    pub enabled: bool,
    pub currency: Currency,
    /// The service mailbox codes and order mails go out from.
    pub mailbox_id: Option<i64>,
    pub payment_methods: Vec<PaymentMethod>,
}

impl Default for MallSettings {
    fn default() -> Self {
        MallSettings {
            enabled: false,
            currency: Currency::CNY,
            mailbox_id: None,
            payment_methods: vec![PaymentMethod::Manual],
        }
    }
}

/// Where stock is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    Warehouse,
    /// A service provider's depot.
    Depot,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationBody {
    pub name: String,
    pub kind: LocationKind,
    /// The provider a depot belongs to.
    #[serde(default)]
    pub provider_id: Option<i64>,
    /// Orders are shipped from it (the lowest-numbered such location
    /// that has the stock).
    #[serde(default)]
    pub ships: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub id: i64,
    #[serde(flatten)]
    pub body: LocationBody,
}

/// Stock of one part at one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLevel {
    pub item_id: i64,
    pub location_id: i64,
    pub on_hand: u32,
    /// Held for orders not shipped yet.
    pub reserved: u32,
}

impl StockLevel {
    pub fn available(&self) -> u32 {
        self.on_hand.saturating_sub(self.reserved)
    }
}

/// `PUT /api/mall/stock`: the counted units of a part at a location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockBody {
    pub item_id: i64,
    pub location_id: i64,
    pub on_hand: i64,
}

/// An item as a buyer sees it: in their language, at their price beside
/// the list price, with what can be had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    pub item: Item,
    pub name: String,
    pub description: String,
    pub quote: price::Quote,
    /// Units available to order (services: none counted, always).
    pub available: Option<u32>,
}

/// Where an order goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Delivery {
    /// A postal address (customers; providers sending to a site).
    Address {
        name: String,
        phone: String,
        address: String,
    },
    /// The buying provider's depot.
    Depot { location_id: i64 },
}

impl Delivery {
    /// Name, phone and address filled and not absurd.
    pub fn is_valid(&self) -> bool {
        match self {
            Delivery::Address {
                name,
                phone,
                address,
            } => {
                let ok = |s: &str, max: usize| {
                    let n = s.trim().chars().count();
                    (1..=max).contains(&n) && !s.chars().any(|c| c.is_control() && c != '\n')
                };
                ok(name, 100)
                    && ok(address, 500)
                    && ok(phone, 40)
                    && phone.chars().any(|c| c.is_ascii_digit())
            }
            Delivery::Depot { .. } => true,
        }
    }
}

/// `POST …/checkout` (with an `Idempotency-Key` header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutBody {
    pub lines: Vec<CartLine>,
    pub delivery: Delivery,
    pub payment: PaymentMethod,
    /// The work order (and its device) the parts are for.
    #[serde(default)]
    pub work_order_id: Option<i64>,
    #[serde(default)]
    pub device_id: Option<i64>,
}

/// Who bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Buyer {
    Customer { customer_id: i64 },
    Provider { provider_id: i64, user_id: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    pub item_id: i64,
    pub sku: String,
    pub name: LocalizedText,
    pub quantity: u32,
    /// The price it was bought at, kept.
    pub unit_price: Money,
    pub list_price: Money,
    pub total: Money,
    pub shipped: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    pub amount: Money,
    /// The provider's reference (the webhook names it).
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipment {
    pub id: i64,
    pub carrier: String,
    pub tracking: String,
    pub url: Option<String>,
    pub status: ShipmentStatus,
    /// Item id → units in this shipment.
    #[serde(with = "id_map")]
    pub lines: BTreeMap<i64, u32>,
    pub shipped_at: i64,
}

/// One entry of an order's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub at: i64,
    /// `placed`, an order event (`payment_confirmed`, `shipped`, …), a
    /// payment outcome (`payment_declined`, `payment_failed`,
    /// `payment_refunded`) or a shipment's (`shipment_in_transit`, …).
    pub what: String,
    /// The status after it.
    pub status: OrderStatus,
    /// Tracking number, carrier, or the reason.
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub id: i64,
    pub buyer: Buyer,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub total: Money,
    pub delivery: Delivery,
    pub payment: Payment,
    pub shipments: Vec<Shipment>,
    pub timeline: Vec<TimelineEntry>,
    /// When an unpaid order's stock is released.
    pub reserved_until: Option<i64>,
    pub work_order_id: Option<i64>,
    pub device_id: Option<i64>,
    pub created_at: i64,
}

/// `POST …/orders/{id}/pay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayBody {
    /// The test gateway's card number.
    #[serde(default)]
    pub card: Option<String>,
}

/// `POST /api/mall/orders/{id}/ship`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipBody {
    pub carrier: String,
    pub tracking: String,
    #[serde(default)]
    pub url: Option<String>,
    /// Item id → units; empty: everything left.
    #[serde(default, with = "id_map")]
    pub lines: BTreeMap<i64, u32>,
}

/// What staff do to an order besides shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffAction {
    /// A bank transfer or cash arrived (manual payments).
    MarkPaid,
    StartPicking,
    Cancel,
    ReturnReceived,
    Refund,
}

/// `POST /api/mall/orders/{id}/actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffActionBody {
    pub action: StaffAction,
}

/// What the app's mall screens ask the shell (one IPC command).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MallCommand {
    Settings,
    SaveSettings {
        settings: MallSettings,
    },
    Orders {
        before: Option<i64>,
    },
    Order {
        id: i64,
    },
    Ship {
        id: i64,
        body: ShipBody,
    },
    Act {
        id: i64,
        action: StaffAction,
    },
    ReportShipment {
        id: i64,
        status: shipment::ShipmentStatus,
    },
    /// The catalog with its stock and the locations.
    Catalog {
        q: Option<String>,
    },
    SaveItem {
        id: Option<i64>,
        body: catalog::ItemBody,
    },
    SetStock {
        body: StockBody,
    },
    /// A provider's people: the catalog at their tier's price.
    Offers {
        q: Option<String>,
        model: Option<String>,
    },
    /// The warehouses and the provider's own depots.
    Locations,
    /// Checkout on the provider's account, once per `key`.
    Checkout {
        key: String,
        body: CheckoutBody,
    },
    Pay {
        id: i64,
        card: Option<String>,
    },
    Cancel {
        id: i64,
    },
    /// The parts for a work order's device (the app's copy offline).
    DeviceParts {
        work_order_id: i64,
        device_id: i64,
    },
    /// A work order's proposals and parts orders.
    WorkOrderParts {
        work_order_id: i64,
    },
    /// Sends the customer a proposal, once per `key`.
    Propose {
        key: String,
        body: proposal::ProposalBody,
    },
    Withdraw {
        id: i64,
    },
    /// Admins: price lists, provider tiers and the items to price.
    Prices,
    SavePriceList {
        id: Option<i64>,
        body: price::PriceListBody,
    },
    SetTier {
        provider_id: i64,
        tier: Option<String>,
    },
    /// An item's photo, as a `data:` URL (kept on the device once seen).
    Photo {
        id: String,
    },
    /// Uploads a picked photo (a `data:` URL) for an item; answers its id.
    UploadPhoto {
        data_url: String,
    },
}

/// What the admin's price screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricesView {
    pub lists: Vec<price::PriceList>,
    pub tiers: Vec<price::ProviderTier>,
    pub items: Vec<Item>,
}

/// Every item with its stock per location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogView {
    pub items: Vec<Item>,
    pub stock: Vec<StockLevel>,
    pub locations: Vec<Location>,
}

/// The shell's answer to a [`MallCommand`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum MallAnswer {
    Settings(MallSettings),
    Orders(Vec<Order>),
    Order(Order),
    Catalog(CatalogView),
    Item(Item),
    Stock(StockLevel),
    Offers(Vec<Offer>),
    Locations(Vec<Location>),
    DeviceParts(proposal::DeviceParts),
    WorkOrderParts(proposal::WorkOrderParts),
    Proposal(proposal::Proposal),
    Prices(PricesView),
    PriceList(price::PriceList),
    /// A photo as a `data:` URL; none offline when it was never seen here.
    Photo(Option<String>),
    PhotoId(String),
}

/// `POST /api/mall/shipments/{id}/events`: a carrier's report (manual
/// entry, or the `test` carrier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentEventBody {
    pub status: ShipmentStatus,
}

/// `GET /api/shop/{tenant}`: what the portal shows before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopInfo {
    pub name: String,
    pub currency: Currency,
    pub payment_methods: Vec<PaymentMethod>,
}

/// What a customer does to their order (`POST …/orders/{id}/actions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerAction {
    /// Before the shop starts picking; a paid order is refunded.
    Cancel,
    /// Confirms receipt.
    Complete,
    /// Asks to return a delivered order.
    Return,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerActionBody {
    pub action: CustomerAction,
}

/// The customer's live socket (`/api/shop/{tenant}/ws`): the first frame
/// in is `{"token": …}`; these come out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShopLive {
    /// Signed in: order changes follow.
    Ready,
    /// One of the customer's orders changed.
    Order {
        order: Box<Order>,
    },
    /// Changes were missed: fetch the orders again.
    Resync,
    Error {
        code: crate::ErrorCode,
    },
}

impl Order {
    /// Whether the buyer may still cancel it (before picking).
    pub fn cancellable(&self) -> bool {
        matches!(self.status, OrderStatus::PendingPayment | OrderStatus::Paid)
    }
}

/// Every `what` an order's timeline may hold: `placed`, the order
/// events' names, the payment outcomes and the shipments' statuses.
pub fn timeline_whats() -> Vec<String> {
    let mut all: Vec<String> = [
        "placed",
        "marked_paid",
        "payment_declined",
        "payment_failed",
        "payment_pending",
        "payment_refunded",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    all.extend(order::OrderEvent::ALL.iter().map(|e| e.name().to_owned()));
    all.extend(
        shipment::ShipmentStatus::ALL
            .iter()
            .map(|s| format!("shipment_{}", s.as_str())),
    );
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Locale;
    use crate::i18n::Catalog;

    #[test]
    fn id_maps_read_back_inside_tagged_answers() {
        let order_json = serde_json::json!({"kind": "order", "value": {"id": 1, "carrier": "c",
            "tracking": "t", "url": null, "status": "shipped", "lines": {"7": 2}, "shipped_at": 0}});
        #[derive(Deserialize, Debug)]
        #[serde(tag = "kind", content = "value", rename_all = "snake_case")]
        enum Tagged {
            Order(Shipment),
        }
        let Tagged::Order(s) = serde_json::from_value(order_json).unwrap();
        assert_eq!(s.lines, BTreeMap::from([(7, 2)]));
        let list: price::PriceList =
            serde_json::from_value(serde_json::json!({"id": 1, "name": "n",
            "audience": {"kind": "customers"}, "currency": "CNY", "prices": {"3": 100}}))
            .unwrap();
        assert_eq!(list.body.prices, BTreeMap::from([(3, 100)]));
        assert!(
            serde_json::from_value::<ShipBody>(
                serde_json::json!({"carrier": "c", "tracking": "t", "lines": {"x": 1}})
            )
            .is_err()
        );
    }

    #[test]
    fn every_status_and_timeline_entry_has_words_in_every_language() {
        let catalog = Catalog::new();
        for locale in Locale::ALL {
            for s in OrderStatus::ALL {
                assert!(catalog.has(locale, &s.message_key()), "{locale:?} {s:?}");
            }
            for what in timeline_whats() {
                let key = format!("shop-event-{}", what.replace('_', "-"));
                assert!(catalog.has(locale, &key), "{locale:?} {key}");
            }
            for m in [PaymentMethod::Manual, PaymentMethod::Test] {
                assert!(catalog.has(locale, &format!("shop-pay-{}", m.as_str())));
            }
        }
    }
}

#[cfg(test)]
mod ipc_tests {
    use super::*;

    #[test]
    fn price_list_commands_and_answers_cross_the_ipc() {
        let body = price::PriceListBody {
            name: "金牌".into(),
            audience: price::Audience::Providers("gold".into()),
            currency: Currency::CNY,
            valid_from: None,
            valid_until: Some(100),
            prices: BTreeMap::from([(7, 16_000)]),
        };
        let command = MallCommand::SavePriceList {
            id: None,
            body: body.clone(),
        };
        let json = serde_json::to_string(&command).unwrap();
        assert_eq!(serde_json::from_str::<MallCommand>(&json).unwrap(), command);
        let answer = MallAnswer::PriceList(price::PriceList { id: 3, body });
        let json = serde_json::to_string(&answer).unwrap();
        assert_eq!(
            serde_json::from_str::<MallAnswer>(&json).unwrap(),
            answer,
            "{json}"
        );
    }
}
