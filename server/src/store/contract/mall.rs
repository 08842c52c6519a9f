use std::collections::BTreeMap;
use std::sync::Arc;

use fieldesk_core::Locale;
use fieldesk_core::mall::catalog::{Category, ItemBody, ItemKind, LocalizedText, query_terms};
use fieldesk_core::mall::checkout::PricedLine;
use fieldesk_core::mall::money::{Currency, Money};
use fieldesk_core::mall::order::{self, Actor, OrderEvent, OrderStatus};
use fieldesk_core::mall::payment::PaymentStatus;
use fieldesk_core::mall::proposal::ProposalStatus;
use fieldesk_core::mall::shipment::ShipmentStatus;
use fieldesk_core::mall::{
    Buyer, Delivery, LocationBody, LocationKind, MallSettings, PaymentMethod,
};

use super::MallContractStore;
use super::{two_tenants, user};
use crate::store::StoreError;
use crate::store::mall::{
    CodeCheck, ItemQuery, NewOrder, NewProposal, NewShipment, OrderChange, OrderScope, OutNotice,
    Placed, ProposalScope,
};
use crate::store::outbox::SendResult;

fn cny(minor: i64) -> Money {
    Money::new(minor, Currency::CNY)
}

fn part(sku: &str, name: &str, models: &[&str]) -> ItemBody {
    ItemBody {
        sku: sku.into(),
        kind: ItemKind::Part,
        name: LocalizedText {
            zh_cn: name.into(),
            ..Default::default()
        },
        description: LocalizedText::default(),
        original: true,
        unit: "个".into(),
        category: "配件".into(),
        photos: vec![],
        models: models.iter().map(|m| m.to_string()).collect(),
        list_price: cny(10_000),
        enabled: true,
    }
}

async fn save<S: MallContractStore + ?Sized>(store: &S, tenant: i64, body: ItemBody) -> i64 {
    let terms = body.search_terms();
    store
        .save_item(tenant, None, body, terms, 100)
        .await
        .unwrap()
        .id
}

/// A tenant's part with `on_hand` units at one shipping warehouse.
pub(crate) async fn stocked<S: MallContractStore + ?Sized>(
    store: &S,
    tenant: i64,
    on_hand: u32,
) -> (i64, i64) {
    let item = save(store, tenant, part("P-1", "压缩机滤网", &["FD-CH-200"])).await;
    let location = store
        .save_location(
            tenant,
            None,
            LocationBody {
                name: "总仓".into(),
                kind: LocationKind::Warehouse,
                provider_id: None,
                ships: true,
            },
        )
        .await
        .unwrap()
        .id;
    store
        .set_stock(tenant, item, location, on_hand)
        .await
        .unwrap();
    (item, location)
}

pub(crate) fn new_order(buyer: i64, item: i64, units: u32, key: &str) -> NewOrder {
    NewOrder {
        buyer: Buyer::Customer { customer_id: buyer },
        lines: vec![(
            PricedLine {
                item_id: item,
                quantity: units,
                unit_price: cny(9_000),
                list_price: cny(10_000),
                total: cny(9_000 * i64::from(units)),
            },
            "P-1".into(),
            LocalizedText {
                zh_cn: "压缩机滤网".into(),
                ..Default::default()
            },
        )],
        reserve: BTreeMap::from([(item, units)]),
        total: cny(9_000 * i64::from(units)),
        delivery: Delivery::Address {
            name: "李雷".into(),
            phone: "13800000000".into(),
            address: "上海市浦东新区".into(),
        },
        method: PaymentMethod::Test,
        reference: format!("pay_{key}"),
        reserved_until: 2_000,
        work_order_id: None,
        device_id: None,
        proposal_id: None,
        key: key.into(),
        fingerprint: format!("fp-{units}"),
    }
}

pub(crate) async fn customer<S: MallContractStore + ?Sized>(
    store: &S,
    tenant: i64,
    email: &str,
) -> i64 {
    store
        .create_customer(
            tenant,
            email.into(),
            "李雷".into(),
            Locale::ZhCn,
            "hash".into(),
            100,
        )
        .await
        .unwrap()
        .id
}

fn change(from: OrderStatus, event: OrderEvent, actor: Actor) -> OrderChange {
    let t = order::apply(from, event, actor).unwrap();
    OrderChange {
        from,
        to: t.next,
        effects: t.effects,
        payment: None,
        what: event.name().into(),
        detail: None,
        shipment: None,
    }
}

pub async fn catalog_items_are_per_tenant_and_found_by_chinese_terms_sku_and_model<
    S: MallContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let filter = save(
        &*store,
        a.id,
        part("FD-FLT-100", "压缩机滤网", &["FD-CH-200"]),
    )
    .await;
    let mut valve = part("FD-VLV-7", "膨胀阀", &["FD-CH-300"]);
    valve.category = "阀门".into();
    let valve = save(&*store, a.id, valve).await;
    let other = save(
        &*store,
        b.id,
        part("FD-FLT-100", "压缩机滤网", &["FD-CH-200"]),
    )
    .await;
    assert_ne!(filter, other, "the same SKU in two tenants");
    let dup = part("fd-flt-100", "重复", &[]);
    let terms = dup.search_terms();
    assert!(matches!(
        store.save_item(a.id, None, dup, terms, 100).await,
        Err(StoreError::Conflict(_))
    ));
    let find = |terms: Vec<String>, model: Option<&str>| {
        let store = store.clone();
        let q = ItemQuery {
            terms,
            model: model.map(str::to_owned),
            enabled_only: true,
            after: 0,
            limit: 50,
            ..Default::default()
        };
        async move {
            store
                .items(a.id, q)
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find(query_terms("滤网"), None).await, [filter]);
    assert_eq!(find(query_terms("fd-flt-100"), None).await, [filter]);
    assert_eq!(
        find(query_terms("滤网 膨胀"), None).await,
        Vec::<i64>::new(),
        "all terms"
    );
    assert_eq!(find(vec![], Some(" fd-ch-200 ")).await, [filter]);
    assert_eq!(find(vec![], None).await.len(), 2);
    // By category; the categories on sale, each with its count.
    let by_category = |category: &str| {
        let (store, category) = (store.clone(), category.to_owned());
        async move {
            let q = ItemQuery {
                category: Some(category),
                enabled_only: true,
                limit: 50,
                ..Default::default()
            };
            let items = store.items(a.id, q).await.unwrap();
            items.into_iter().map(|i| i.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(by_category("阀门").await, [valve]);
    assert_eq!(by_category("配件").await, [filter]);
    assert!(by_category("阀").await.is_empty(), "the whole name");
    let category = |name: &str, items: u32| Category {
        name: name.into(),
        items,
    };
    assert_eq!(
        store.categories(a.id).await.unwrap(),
        [category("配件", 1), category("阀门", 1)]
    );
    assert_eq!(store.categories(b.id).await.unwrap(), [category("配件", 1)]);
    // Disabled items are not on sale; a change re-indexes.
    let mut body = part("FD-FLT-100", "冷凝器", &["FD-CH-400"]);
    body.enabled = false;
    let terms = body.search_terms();
    store
        .save_item(a.id, Some(filter), body, terms, 200)
        .await
        .unwrap();
    assert!(find(query_terms("冷凝器"), None).await.is_empty());
    assert!(find(vec![], Some("FD-CH-200")).await.is_empty());
    assert_eq!(
        store.categories(a.id).await.unwrap(),
        [category("阀门", 1)],
        "items on sale only"
    );
    let all = store
        .items(
            a.id,
            ItemQuery {
                terms: query_terms("冷凝器"),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    // Not through another tenant.
    assert!(store.item(b.id, filter).await.unwrap().is_none());
    assert!(matches!(
        store
            .save_item(b.id, Some(filter), part("X", "x", &[]), vec![], 1)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn item_photos_are_served_only_while_an_item_of_the_tenant_names_them<
    S: MallContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let (shown, other, stray) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
    for id in [&shown, &other, &stray] {
        store
            .put_photo(a.id, id.clone(), "image/png", vec![1, 2, 3], 1)
            .await
            .unwrap();
    }
    let missing = "d".repeat(64);
    assert_eq!(
        store
            .missing_photos(a.id, vec![shown.clone(), missing.clone()])
            .await
            .unwrap(),
        [missing]
    );
    assert_eq!(
        store
            .missing_photos(b.id, vec![shown.clone()])
            .await
            .unwrap(),
        [shown.as_str()],
        "another tenant's photo is not there"
    );
    let mut body = part("FD-FLT-100", "压缩机滤网", &[]);
    body.photos = vec![shown.clone()];
    save(&*store, a.id, body).await;
    let mut hidden = part("FD-OLD-1", "旧滤网", &[]);
    hidden.photos = vec![other.clone()];
    hidden.enabled = false;
    save(&*store, a.id, hidden).await;
    let photo = |tenant: i64, id: &String, on_sale_only: bool| {
        let (store, id) = (store.clone(), id.clone());
        async move {
            store
                .item_photo(tenant, id, on_sale_only)
                .await
                .unwrap()
                .map(|(t, bytes)| (t, bytes.len()))
        }
    };
    assert_eq!(
        photo(a.id, &shown, true).await,
        Some(("image/png".to_owned(), 3))
    );
    assert_eq!(
        photo(a.id, &other, true).await,
        None,
        "its item is not on sale"
    );
    assert!(photo(a.id, &other, false).await.is_some());
    assert_eq!(photo(a.id, &stray, false).await, None, "no item names it");
    assert_eq!(
        photo(b.id, &shown, false).await,
        None,
        "not another tenant's"
    );
}

pub async fn stock_is_reserved_once_per_key_never_below_zero_and_released_shipped_or_restocked<
    S: MallContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let (item, location) = stocked(&*store, a.id, 3).await;
    let buyer = customer(&*store, a.id, "li@example.com").await;
    let Placed::New(first) = store
        .place_order(a.id, new_order(buyer, item, 2, "k-1"), 1_000)
        .await
        .unwrap()
    else {
        panic!("the first order is placed");
    };
    // The same key and body: the same order; another body: refused.
    assert_eq!(
        store
            .place_order(a.id, new_order(buyer, item, 2, "k-1"), 1_001)
            .await
            .unwrap(),
        Placed::Replayed(first)
    );
    assert_eq!(
        store
            .place_order(a.id, new_order(buyer, item, 1, "k-1"), 1_001)
            .await
            .unwrap(),
        Placed::KeyReused
    );
    // Two left? One: the second order of two is refused whole.
    assert_eq!(
        store
            .place_order(a.id, new_order(buyer, item, 2, "k-2"), 1_002)
            .await
            .unwrap(),
        Placed::OutOfStock(item)
    );
    let level = store.stock(a.id, vec![item]).await.unwrap()[0];
    assert_eq!(
        (level.on_hand, level.reserved, level.available()),
        (3, 2, 1)
    );
    // Counting fewer than are reserved is refused.
    assert!(matches!(
        store.set_stock(a.id, item, location, 1).await,
        Err(StoreError::Conflict(_))
    ));
    let order = store.order(a.id, first).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::PendingPayment);
    assert_eq!(order.payment.status, PaymentStatus::Pending);
    assert_eq!(order.timeline[0].what, "placed");
    assert_eq!(order.reserved_until, Some(2_000));
    assert_eq!(
        store.payment_order("pay_k-1".into()).await.unwrap(),
        Some((a.id, first))
    );
    assert_eq!(
        store.expired_orders(2_000, 10).await.unwrap(),
        [(a.id, first)]
    );
    assert!(store.expired_orders(1_999, 10).await.unwrap().is_empty());

    // Paid, then shipped one of two: one leaves the shelf.
    let mut paid = change(
        OrderStatus::PendingPayment,
        OrderEvent::PaymentConfirmed,
        Actor::System,
    );
    paid.payment = Some(PaymentStatus::Captured);
    store
        .change_order(a.id, first, paid.clone(), 1_010)
        .await
        .unwrap();
    // Decided on a status it is not in any more: conflict, nothing written.
    assert!(matches!(
        store.change_order(a.id, first, paid, 1_011).await,
        Err(StoreError::Conflict(_))
    ));
    let mut ship = change(
        OrderStatus::Paid,
        OrderEvent::Shipped { complete: false },
        Actor::Staff,
    );
    ship.shipment = Some(NewShipment {
        carrier: "顺丰".into(),
        tracking: "SF1".into(),
        url: None,
        lines: BTreeMap::from([(item, 1)]),
    });
    let order = store.change_order(a.id, first, ship, 1_020).await.unwrap();
    assert_eq!(order.status, OrderStatus::PartiallyShipped);
    assert_eq!(order.lines[0].shipped, 1);
    assert_eq!(order.shipments.len(), 1);
    assert_eq!(order.reserved_until, None);
    let level = store.stock(a.id, vec![item]).await.unwrap()[0];
    assert_eq!((level.on_hand, level.reserved), (2, 1));
    let shipment = order.shipments[0].id;
    store
        .change_shipment(
            a.id,
            shipment,
            ShipmentStatus::Shipped,
            ShipmentStatus::InTransit,
            1_030,
        )
        .await
        .unwrap();
    assert_eq!(
        store.shipment_status(a.id, shipment).await.unwrap(),
        Some((first, ShipmentStatus::InTransit))
    );
    assert!(
        store
            .shipment_status(b.id, shipment)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store
            .change_shipment(
                a.id,
                shipment,
                ShipmentStatus::Shipped,
                ShipmentStatus::InTransit,
                1_031
            )
            .await,
        Err(StoreError::Conflict(_))
    ));

    // A second order cancelled unpaid gives its reservation back.
    let Placed::New(second) = store
        .place_order(a.id, new_order(buyer, item, 1, "k-3"), 1_040)
        .await
        .unwrap()
    else {
        panic!("the last unit can be ordered");
    };
    assert_eq!(
        store.stock(a.id, vec![item]).await.unwrap()[0].available(),
        0
    );
    let mut cancel = change(
        OrderStatus::PendingPayment,
        OrderEvent::Cancel,
        Actor::Buyer,
    );
    cancel.payment = Some(PaymentStatus::Cancelled);
    let cancelled = store
        .change_order(a.id, second, cancel, 1_050)
        .await
        .unwrap();
    assert_eq!(cancelled.payment.status, PaymentStatus::Cancelled);
    assert_eq!(
        store.stock(a.id, vec![item]).await.unwrap()[0].available(),
        1
    );

    // The rest ships, arrives, comes back: the shelf is whole again.
    let mut rest = change(
        OrderStatus::PartiallyShipped,
        OrderEvent::Shipped { complete: true },
        Actor::Staff,
    );
    rest.shipment = Some(NewShipment {
        carrier: "顺丰".into(),
        tracking: "SF2".into(),
        url: None,
        lines: BTreeMap::from([(item, 1)]),
    });
    store.change_order(a.id, first, rest, 1_060).await.unwrap();
    let level = store.stock(a.id, vec![item]).await.unwrap()[0];
    assert_eq!((level.on_hand, level.reserved), (1, 0));
    for (from, event, actor) in [
        (OrderStatus::Shipped, OrderEvent::Delivered, Actor::System),
        (
            OrderStatus::Delivered,
            OrderEvent::ReturnRequested,
            Actor::Buyer,
        ),
        (
            OrderStatus::ReturnRequested,
            OrderEvent::ReturnReceived,
            Actor::Staff,
        ),
    ] {
        store
            .change_order(a.id, first, change(from, event, actor), 1_070)
            .await
            .unwrap();
    }
    let level = store.stock(a.id, vec![item]).await.unwrap()[0];
    assert_eq!((level.on_hand, level.reserved), (3, 0));
    let order = store.order(a.id, first).await.unwrap().unwrap();
    let whats: Vec<_> = order.timeline.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(
        whats,
        [
            "placed",
            "payment_confirmed",
            "shipped_partly",
            "shipment_in_transit",
            "shipped",
            "delivered",
            "return_requested",
            "return_received"
        ]
    );

    // Another tenant sees none of it.
    assert!(store.order(b.id, first).await.unwrap().is_none());
    assert!(
        store
            .orders(b.id, OrderScope::All, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        store
            .change_order(
                b.id,
                first,
                change(OrderStatus::Returned, OrderEvent::Refunded, Actor::Staff),
                1
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    let mine = store
        .orders(a.id, OrderScope::Customer(buyer), 0, 10)
        .await
        .unwrap();
    assert_eq!(
        mine.iter().map(|o| o.id).collect::<Vec<_>>(),
        [second, first]
    );
    assert!(
        store
            .orders(a.id, OrderScope::Customer(buyer + 1), 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let page = store
        .orders(a.id, OrderScope::All, second, 10)
        .await
        .unwrap();
    assert_eq!(page.iter().map(|o| o.id).collect::<Vec<_>>(), [first]);
    assert!(
        store
            .note_payment(
                a.id,
                first,
                PaymentStatus::Refunded,
                "payment_refunded".into(),
                1
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .note_payment(
                a.id,
                first,
                PaymentStatus::Refunded,
                "payment_refunded".into(),
                2
            )
            .await
            .unwrap()
    );
}

pub async fn customers_are_per_tenant_verified_by_a_fresh_code_and_sessions_end<
    S: MallContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let li = customer(&*store, a.id, "li@example.com").await;
    customer(&*store, b.id, "li@example.com").await;
    assert!(matches!(
        store
            .create_customer(
                a.id,
                "li@example.com".into(),
                "x".into(),
                Locale::En,
                "h".into(),
                1
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    let creds = store
        .customer_credentials(a.id, "li@example.com".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (creds.customer.id, creds.password_hash.as_str()),
        (li, "hash")
    );
    assert!(!creds.customer.verified);
    assert!(store.customer(b.id, li).await.unwrap().is_none());

    // At most 2 an hour here; a new code replaces the old one.
    assert!(
        store
            .put_code(a.id, li, "old".into(), 1_900, 2, 1_000)
            .await
            .unwrap()
    );
    assert!(
        store
            .put_code(a.id, li, "new".into(), 1_900, 2, 1_001)
            .await
            .unwrap()
    );
    assert!(
        !store
            .put_code(a.id, li, "third".into(), 1_900, 2, 1_002)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .check_code(a.id, li, "old".into(), 3, 1_010)
            .await
            .unwrap(),
        CodeCheck::Refused
    );
    assert_eq!(
        store
            .check_code(b.id, li, "new".into(), 3, 1_010)
            .await
            .unwrap(),
        CodeCheck::Refused
    );
    assert_eq!(
        store
            .check_code(a.id, li, "new".into(), 3, 1_010)
            .await
            .unwrap(),
        CodeCheck::Verified
    );
    assert!(store.customer(a.id, li).await.unwrap().unwrap().verified);
    assert_eq!(
        store
            .check_code(a.id, li, "new".into(), 3, 1_011)
            .await
            .unwrap(),
        CodeCheck::Refused,
        "spent"
    );
    // Wrong codes spend it; an expired one never works.
    assert!(
        store
            .put_code(a.id, li, "c".into(), 5_000, 9, 4_000)
            .await
            .unwrap()
    );
    for _ in 0..3 {
        assert_eq!(
            store
                .check_code(a.id, li, "x".into(), 3, 4_001)
                .await
                .unwrap(),
            CodeCheck::Refused
        );
    }
    assert_eq!(
        store
            .check_code(a.id, li, "c".into(), 3, 4_002)
            .await
            .unwrap(),
        CodeCheck::Refused
    );
    assert!(
        store
            .put_code(a.id, li, "d".into(), 5_000, 9, 4_003)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .check_code(a.id, li, "d".into(), 3, 5_000)
            .await
            .unwrap(),
        CodeCheck::Refused
    );

    store
        .create_customer_session(a.id, li, "tok".into(), 100, 10_000)
        .await
        .unwrap();
    let (tenant, who) = store
        .customer_session("tok".into(), 200)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((tenant, who.id), (a.id, li));
    assert!(
        store
            .customer_session("tok".into(), 10_000)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    store.end_customer_session("tok".into(), 300).await.unwrap();
    store.end_customer_session("tok".into(), 301).await.unwrap();
    assert!(
        store
            .customer_session("tok".into(), 400)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn settings_tiers_locations_and_price_lists_are_per_tenant<
    S: MallContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let stored = store.mall_settings(a.id).await.unwrap();
    assert!(!stored.settings.enabled, "off by default");
    let on = MallSettings {
        enabled: true,
        currency: Currency::CNY,
        mailbox_id: Some(7),
        payment_methods: vec![PaymentMethod::Test, PaymentMethod::Manual],
    };
    store.save_mall_settings(a.id, on.clone()).await.unwrap();
    assert_eq!(store.mall_settings(a.id).await.unwrap().settings, on);
    assert!(!store.mall_settings(b.id).await.unwrap().settings.enabled);
    // The webhook secret is made once.
    assert_eq!(store.webhook_secret(a.id, "s1".into()).await.unwrap(), "s1");
    assert_eq!(store.webhook_secret(a.id, "s2".into()).await.unwrap(), "s1");
    assert_eq!(
        store.mall_settings(a.id).await.unwrap().settings,
        on,
        "settings kept"
    );

    let provider = store
        .save_provider(
            a.id,
            None,
            fieldesk_core::group::ServiceGroupInput {
                name: "华东服务商".into(),
                member_ids: vec![],
            },
        )
        .await
        .unwrap()
        .id;
    store
        .set_provider_tier(a.id, provider, Some("gold".into()))
        .await
        .unwrap();
    assert_eq!(
        store
            .provider_tier(a.id, provider)
            .await
            .unwrap()
            .as_deref(),
        Some("gold")
    );
    assert!(matches!(
        store
            .set_provider_tier(b.id, provider, Some("gold".into()))
            .await,
        Err(StoreError::NotFound(_))
    ));
    store.set_provider_tier(a.id, provider, None).await.unwrap();
    assert_eq!(store.provider_tier(a.id, provider).await.unwrap(), None);

    let depot = LocationBody {
        name: "华东仓".into(),
        kind: LocationKind::Depot,
        provider_id: Some(provider),
        ships: false,
    };
    let saved = store
        .save_location(a.id, None, depot.clone())
        .await
        .unwrap();
    assert!(matches!(
        store.save_location(a.id, None, depot.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.save_location(b.id, None, depot).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.locations(a.id).await.unwrap(), [saved]);
    assert!(store.locations(b.id).await.unwrap().is_empty());

    let body = fieldesk_core::mall::price::PriceListBody {
        name: "金牌服务商".into(),
        audience: fieldesk_core::mall::price::Audience::Providers("gold".into()),
        currency: Currency::CNY,
        valid_from: Some(10),
        valid_until: None,
        prices: BTreeMap::from([(1, 7_000)]),
    };
    let list = store
        .save_price_list(a.id, None, body.clone())
        .await
        .unwrap();
    assert_eq!(
        store.price_lists(a.id).await.unwrap(),
        std::slice::from_ref(&list)
    );
    assert!(store.price_lists(b.id).await.unwrap().is_empty());
    assert!(matches!(
        store.save_price_list(b.id, Some(list.id), body).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn mall_mail_is_queued_once_per_key_and_sent_or_retried<S: MallContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, _) = two_tenants(&*store).await;
    let notice = OutNotice {
        mailbox_id: 1,
        client_key: "code:1:1000".into(),
        envelope_from: "shop@a.test".into(),
        recipients: vec!["li@example.com".into()],
        raw: b"Subject: code\r\n\r\n123456".to_vec(),
    };
    assert!(store.queue_notice(a.id, notice.clone(), 100).await.unwrap());
    assert!(!store.queue_notice(a.id, notice, 101).await.unwrap());
    assert_eq!(store.next_notice_due().await.unwrap(), Some(100));
    let due = store.due_notices(100, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].recipients, ["li@example.com"]);
    store
        .record_notice(
            due[0].id,
            SendResult::Retry {
                error: "421".into(),
                next_at: 200,
            },
            100,
        )
        .await
        .unwrap();
    assert!(store.due_notices(199, 10).await.unwrap().is_empty());
    let due = store.due_notices(200, 10).await.unwrap();
    assert_eq!(due[0].attempts, 1);
    store
        .record_notice(
            due[0].id,
            SendResult::Sent {
                answer: "250".into(),
            },
            200,
        )
        .await
        .unwrap();
    assert_eq!(store.next_notice_due().await.unwrap(), None);
}

pub async fn proposals_are_sent_once_per_key_approved_by_one_checkout_and_decided_once<
    S: MallContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let (item, _) = stocked(&*store, a.id, 5).await;
    let eve = user(&*store, &a, "eve", fieldesk_core::Role::Engineer).await;
    let mut input = super::field::input("WO-M1", "刘经理");
    input.contact = "刘经理 138 0000 0000 Liu@Example.test".into();
    input.devices[0].insert("model".into(), "FD-CH-200".into());
    let wo = store.create_work_order(a.id, input).await.unwrap();
    let device = wo.devices[0].id;
    let proposal = |key: &str, quantity: u32| NewProposal {
        work_order_id: wo.id,
        device_id: device,
        email: "liu@example.test".into(),
        lines: vec![fieldesk_core::mall::proposal::ProposedItem {
            item_id: item,
            sku: "P-1".into(),
            name: LocalizedText {
                zh_cn: "压缩机滤网".into(),
                ..Default::default()
            },
            quantity,
        }],
        note: "滤网堵塞".into(),
        sent_by: eve.id,
        key: key.into(),
        fingerprint: format!("fp-{quantity}"),
    };
    let Placed::New(id) = store
        .create_proposal(a.id, proposal("p-1", 1), 100)
        .await
        .unwrap()
    else {
        panic!("a proposal is sent");
    };
    assert_eq!(
        store
            .create_proposal(a.id, proposal("p-1", 1), 101)
            .await
            .unwrap(),
        Placed::Replayed(id)
    );
    assert_eq!(
        store
            .create_proposal(a.id, proposal("p-1", 2), 101)
            .await
            .unwrap(),
        Placed::KeyReused
    );
    let sent = store.proposal(a.id, id).await.unwrap().unwrap();
    assert_eq!(sent.status, ProposalStatus::Open);
    assert_eq!(sent.work_order_number, "WO-M1");
    assert_eq!(sent.device_label, "FD-CH-200 SN-1");
    assert_eq!(sent.sent_by_name, eve.display_name);
    assert_eq!(sent.lines[0].quantity, 1);
    // Another tenant sees nothing of it.
    assert!(store.proposal(b.id, id).await.unwrap().is_none());
    assert!(
        store
            .proposals(b.id, ProposalScope::Email("liu@example.test".into()))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .proposals(a.id, ProposalScope::WorkOrder(wo.id))
            .await
            .unwrap(),
        vec![sent.clone()]
    );
    // The customer's work orders: by the proposal, and by the contact.
    assert_eq!(
        store
            .customer_work_orders(a.id, "liu@example.test".into(), 10)
            .await
            .unwrap(),
        vec![wo.id]
    );
    assert!(
        store
            .customer_work_orders(a.id, "other@example.test".into(), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The customer's checkout approves it; a second checkout of it does
    // nothing, not even reserve.
    let buyer = customer(&*store, a.id, "liu@example.test").await;
    let approve = |key: &str| {
        let mut o = new_order(buyer, item, 1, key);
        o.work_order_id = Some(wo.id);
        o.device_id = Some(device);
        o.proposal_id = Some(id);
        o
    };
    let Placed::New(order_id) = store.place_order(a.id, approve("a-1"), 110).await.unwrap() else {
        panic!("an open proposal is approved");
    };
    assert_eq!(
        store.place_order(a.id, approve("a-1"), 111).await.unwrap(),
        Placed::Replayed(order_id)
    );
    assert_eq!(
        store.place_order(a.id, approve("a-2"), 112).await.unwrap(),
        Placed::ProposalClosed
    );
    assert_eq!(store.stock(a.id, vec![item]).await.unwrap()[0].reserved, 1);
    let approved = store.proposal(a.id, id).await.unwrap().unwrap();
    assert_eq!(approved.status, ProposalStatus::Approved);
    assert_eq!(approved.order_id, Some(order_id));
    assert_eq!(approved.decided_at, Some(110));
    assert!(
        !store
            .close_proposal(a.id, id, ProposalStatus::Declined, 120)
            .await
            .unwrap()
    );

    // Another is declined once, and then not approved.
    let Placed::New(other) = store
        .create_proposal(a.id, proposal("p-2", 1), 130)
        .await
        .unwrap()
    else {
        panic!("a second proposal is sent");
    };
    assert!(
        !store
            .close_proposal(b.id, other, ProposalStatus::Declined, 131)
            .await
            .unwrap()
    );
    assert!(
        store
            .close_proposal(a.id, other, ProposalStatus::Declined, 131)
            .await
            .unwrap()
    );
    assert!(
        !store
            .close_proposal(a.id, other, ProposalStatus::Withdrawn, 132)
            .await
            .unwrap()
    );
    let mut late = approve("a-3");
    late.proposal_id = Some(other);
    assert_eq!(
        store.place_order(a.id, late, 133).await.unwrap(),
        Placed::ProposalClosed
    );
    let listed = store
        .proposals(a.id, ProposalScope::Email("liu@example.test".into()))
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|p| (p.id, p.status)).collect::<Vec<_>>(),
        vec![
            (other, ProposalStatus::Declined),
            (id, ProposalStatus::Approved)
        ]
    );
}
