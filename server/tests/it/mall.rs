//! The parts mall over the real server, the loopback mail server and
//! real concurrency: off until an admin enables it; a customer signs up
//! with the code from their real mailbox; the last units cannot be
//! oversold; an idempotency key makes one order however often it is
//! sent; the test gateway's webhooks (always delivered twice, racing the
//! buyer's return) confirm once; cancelling a paid order refunds it and
//! puts the stock back; shipping with the test carrier reaches
//! "delivered" live on the customer's socket and by mail; nobody sees
//! another's orders.

use std::time::Duration;

use fieldesk_core::mall::Order;
use fieldesk_core::mall::order::OrderStatus;
use fieldesk_core::mall::payment::PaymentStatus;
use fieldesk_testkit::mail::{self, HOST, IMAP_PORT, SUBMISSION_PORT, SUPPORT_DOMAIN};
use fieldesk_testkit::server::{TestServer, expect_error};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::{bin, png_image, sha256_hex};

/// A shop request as a customer (`token` may be a staff token, to see it
/// refused).
async fn shop(
    server: &TestServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    key: Option<&str>,
) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .request(
            method.parse().unwrap(),
            server.url(&format!("/api/shop/acme{path}")),
        )
        .header("accept-language", "en");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn ok_json<T: serde::de::DeserializeOwned>(res: reqwest::Response) -> T {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The newest code mailed to `account`, from the subject "123456 is your … code".
async fn code_from_mailbox(account: &mail::Account, mails: usize) -> String {
    let inbox = mail::wait_inbox(account, mails).await;
    let subject = inbox.last().unwrap().header("Subject").unwrap();
    subject.split_whitespace().next().unwrap().to_owned()
}

/// A verified customer's token: signed up, code read from their real
/// mailbox, verified.
async fn customer(server: &TestServer, name: &str) -> (String, mail::Account) {
    let account = mail::account(name, mail::CUSTOMER_DOMAIN);
    let created: Value = ok_json(
        shop(
            server,
            "POST",
            "/signup",
            None,
            Some(json!({"email": account.address, "password": "a long enough secret 42", "name": name, "locale": "en"})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(created["verified"], false);
    // Not verified: no sign-in yet.
    let early = shop(
        server,
        "POST",
        "/signin",
        None,
        Some(json!({"email": account.address, "password": "a long enough secret 42"})),
        None,
    )
    .await;
    expect_error(early, 403, "email_not_verified").await;
    let code = code_from_mailbox(&account, 1).await;
    assert_eq!(code.len(), 6, "{code}");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    expect_error(
        shop(
            server,
            "POST",
            "/verify",
            None,
            Some(json!({"email": account.address, "code": wrong})),
            None,
        )
        .await,
        400,
        "verification_failed",
    )
    .await;
    let session: Value = ok_json(
        shop(
            server,
            "POST",
            "/verify",
            None,
            Some(json!({"email": account.address, "code": code})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(session["customer"]["verified"], true);
    (session["token"].as_str().unwrap().to_owned(), account)
}

struct Shop {
    server: TestServer,
    ada: String,
    /// The part with the scarce stock, and a roomy one.
    scarce: i64,
    filter: i64,
    warehouse: i64,
}

/// Acme with the mall on (test + manual payments, codes from a real
/// service mailbox), a warehouse, two parts and a customer price list.
async fn open_shop() -> Shop {
    open_shop_with(&[]).await
}

/// [`open_shop`] with more `serve` flags.
async fn open_shop_with(extra: &[&str]) -> Shop {
    let support = mail::account("shop", SUPPORT_DOMAIN);
    let args: Vec<&str> = ["--allow-private-outbound"]
        .iter()
        .chain(extra)
        .copied()
        .collect();
    let server = TestServer::start_with(bin(), &args, true);
    let ada = server.login("acme", "ada").await.token;
    let alice = server.login("acme", "alice").await.token;

    // Off by default: every mall route says so.
    expect_error(
        shop(&server, "GET", "", None, None, None).await,
        404,
        "mall_not_enabled",
    )
    .await;
    expect_error(
        shop(&server, "GET", "/offers", None, None, None).await,
        404,
        "mall_not_enabled",
    )
    .await;
    expect_error(
        server.get("/api/mall/orders", &ada).await,
        404,
        "mall_not_enabled",
    )
    .await;

    let settings = |port: u16| json!({"host": HOST, "port": port, "security": "none", "user": support.address});
    let mailbox: Value = ok_json(
        server
            .send_json(
                "POST",
                "/api/mail/mailboxes",
                &ada,
                &json!({
                    "address": support.address, "display_name": "Acme Parts", "aliases": [],
                    "smtp": settings(SUBMISSION_PORT), "smtp_password": support.password,
                    "imap": settings(IMAP_PORT), "imap_password": support.password,
                    "imap_folder": "INBOX", "max_message_bytes": 1_048_576,
                }),
            )
            .await,
    )
    .await;
    let on = json!({"enabled": true, "currency": "CNY", "mailbox_id": mailbox["id"], "payment_methods": ["test", "manual"]});
    expect_error(
        server
            .send_json("PUT", "/api/mall/settings", &alice, &on)
            .await,
        403,
        "forbidden",
    )
    .await;
    ok_json::<Value>(
        server
            .send_json("PUT", "/api/mall/settings", &ada, &on)
            .await,
    )
    .await;

    let warehouse: Value = ok_json(
        server
            .send_json(
                "POST",
                "/api/mall/locations",
                &ada,
                &json!({"name": "上海总仓", "kind": "warehouse", "ships": true}),
            )
            .await,
    )
    .await;
    let item = |sku: &str, zh: &str, en: &str, price: i64| {
        json!({
            "sku": sku, "kind": "part", "name": {"zh-CN": zh, "en": en}, "original": true,
            "unit": "个", "category": "制冷", "models": ["FD-CH-200"],
            "list_price": {"minor": price, "currency": "CNY"},
        })
    };
    let scarce: Value = ok_json(
        server
            .send_json(
                "POST",
                "/api/mall/items",
                &ada,
                &item("FD-CMP-9", "压缩机", "Compressor", 980_000),
            )
            .await,
    )
    .await;
    let filter: Value = ok_json(
        server
            .send_json(
                "POST",
                "/api/mall/items",
                &ada,
                &item("FD-FLT-100", "压缩机滤网", "Compressor filter", 12_800),
            )
            .await,
    )
    .await;
    expect_error(
        server
            .send_json(
                "POST",
                "/api/mall/items",
                &ada,
                &item("fd-flt-100", "重复", "dup", 1),
            )
            .await,
        409,
        "conflict",
    )
    .await;
    let mut bad = item("FD-BAD", "坏", "bad", -1);
    expect_error(
        server
            .send_json("POST", "/api/mall/items", &ada, &bad)
            .await,
        400,
        "invalid_catalog_item",
    )
    .await;
    bad["list_price"] = json!({"minor": 1, "currency": "USD"});
    expect_error(
        server
            .send_json("POST", "/api/mall/items", &ada, &bad)
            .await,
        400,
        "invalid_catalog_item",
    )
    .await;
    for (item, units) in [(&scarce, 10), (&filter, 500)] {
        ok_json::<Value>(
            server
                .send_json(
                    "PUT",
                    "/api/mall/stock",
                    &ada,
                    &json!({"item_id": item["id"], "location_id": warehouse["id"], "on_hand": units}),
                )
                .await,
        )
        .await;
    }
    // Customers pay less than the list price for the filter.
    let prices = json!({ filter["id"].as_i64().unwrap().to_string(): 11_500 });
    ok_json::<Value>(
        server
            .send_json(
                "POST",
                "/api/mall/price-lists",
                &ada,
                &json!({"name": "终端客户价", "audience": {"kind": "customers"}, "currency": "CNY", "prices": prices}),
            )
            .await,
    )
    .await;
    Shop {
        server,
        ada,
        scarce: scarce["id"].as_i64().unwrap(),
        filter: filter["id"].as_i64().unwrap(),
        warehouse: warehouse["id"].as_i64().unwrap(),
    }
}

fn checkout_body(item: i64, quantity: i64, payment: &str) -> Value {
    json!({
        "lines": [{"item_id": item, "quantity": quantity}],
        "delivery": {"to": "address", "name": "Li Lei", "phone": "+86 138 0000 0000", "address": "上海市浦东新区张江路 1 号"},
        "payment": payment,
    })
}

async fn available(server: &TestServer, ada: &str, item: i64) -> (i64, i64) {
    let levels: Vec<Value> = ok_json(
        server
            .get(&format!("/api/mall/stock?items={item}"), ada)
            .await,
    )
    .await;
    let l = &levels[0];
    (
        l["on_hand"].as_i64().unwrap(),
        l["reserved"].as_i64().unwrap(),
    )
}

async fn order_of(server: &TestServer, token: &str, id: i64) -> Order {
    ok_json(
        shop(
            server,
            "GET",
            &format!("/orders/{id}"),
            Some(token),
            None,
            None,
        )
        .await,
    )
    .await
}

/// Waits until the order satisfies `done`.
async fn wait_order(
    server: &TestServer,
    token: &str,
    id: i64,
    what: &str,
    done: impl Fn(&Order) -> bool,
) -> Order {
    for _ in 0..100 {
        let order = order_of(server, token, id).await;
        if done(&order) {
            return order;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "order {id} never {what}: {:?}",
        order_of(server, token, id).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_mall_cannot_oversell_or_double_charge_and_follows_an_order_to_the_door() {
    let Shop {
        server,
        ada,
        scarce,
        filter,
        warehouse,
    } = open_shop().await;
    let (li, li_mail) = customer(&server, "li").await;
    let (wang, _) = customer(&server, "wang").await;

    // Browsing: the customers' price beside the list price, in English,
    // found by Chinese words, by SKU and by the device's model.
    let offers: Vec<Value> =
        ok_json(shop(&server, "GET", "/offers?q=滤网", None, None, None).await).await;
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0]["name"], "Compressor filter");
    assert_eq!(offers[0]["quote"]["price"]["minor"], 11_500);
    assert_eq!(offers[0]["quote"]["list"]["minor"], 12_800);
    let by_sku: Vec<Value> =
        ok_json(shop(&server, "GET", "/offers?q=fd-cmp-9", None, None, None).await).await;
    assert_eq!(by_sku[0]["item"]["id"], scarce);
    assert_eq!(by_sku[0]["available"], 10);
    let by_model: Vec<Value> =
        ok_json(shop(&server, "GET", "/offers?model=fd-ch-200", None, None, None).await).await;
    assert_eq!(by_model.len(), 2);

    // 50 concurrent checkouts for the last 10 units: exactly 10 orders.
    let runs = (0..50).map(|i| {
        let (server, li) = (&server, &li);
        async move {
            shop(
                server,
                "POST",
                "/checkout",
                Some(li),
                Some(checkout_body(scarce, 1, "test")),
                Some(&format!("race-key-{i:04}")),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(runs).await;
    let mut placed = 0;
    for res in answers {
        match res.status().as_u16() {
            201 => placed += 1,
            409 => {
                let message = expect_error(res, 409, "out_of_stock").await;
                assert!(message.contains("FD-CMP-9"), "{message}");
            }
            other => panic!("checkout answered {other}: {}", res.text().await.unwrap()),
        }
    }
    assert_eq!(placed, 10);
    assert_eq!(available(&server, &ada, scarce).await, (10, 10));

    // The same key 20 times at once: one order, one payment.
    let key = "one-order-please-0001";
    let runs = (0..20).map(|_| {
        let (server, li) = (&server, &li);
        async move {
            shop(
                server,
                "POST",
                "/checkout",
                Some(li),
                Some(checkout_body(filter, 2, "test")),
                Some(key),
            )
            .await
        }
    });
    let mut ids = Vec::new();
    let mut created = 0;
    for res in futures_util::future::join_all(runs).await {
        if res.status() == 201 {
            created += 1;
        }
        let order: Order = ok_json(res).await;
        ids.push((order.id, order.payment.reference.clone()));
    }
    assert_eq!(created, 1);
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let paid_id = ids[0].0;
    assert_eq!(available(&server, &ada, filter).await, (500, 2));
    // The same key with another body is refused and changes nothing.
    expect_error(
        shop(
            &server,
            "POST",
            "/checkout",
            Some(&li),
            Some(checkout_body(filter, 3, "test")),
            Some(key),
        )
        .await,
        422,
        "idempotency_key_reused",
    )
    .await;
    expect_error(
        shop(
            &server,
            "POST",
            "/checkout",
            Some(&li),
            Some(checkout_body(filter, 3, "test")),
            None,
        )
        .await,
        400,
        "idempotency_key_required",
    )
    .await;
    for (q, code) in [
        (0, "invalid_quantity"),
        (-3, "invalid_quantity"),
        (100_000, "invalid_quantity"),
    ] {
        expect_error(
            shop(
                &server,
                "POST",
                "/checkout",
                Some(&li),
                Some(checkout_body(filter, q, "test")),
                Some(&format!("bad-quantity-{q}")),
            )
            .await,
            400,
            code,
        )
        .await;
    }
    expect_error(
        shop(
            &server,
            "POST",
            "/checkout",
            Some(&li),
            Some(checkout_body(99_999, 1, "test")),
            Some("unknown-item-1"),
        )
        .await,
        422,
        "item_unavailable",
    )
    .await;
    // A price the buyer did not see: refused with the new price.
    let mut stale = checkout_body(filter, 1, "test");
    stale["lines"][0]["seen_price"] = json!({"minor": 12_800, "currency": "CNY"});
    let message = expect_error(
        shop(
            &server,
            "POST",
            "/checkout",
            Some(&li),
            Some(stale),
            Some("stale-price-0001"),
        )
        .await,
        409,
        "price_changed",
    )
    .await;
    assert!(
        message.contains("¥115.00") && message.contains("¥128.00"),
        "{message}"
    );
    assert_eq!(
        available(&server, &ada, filter).await,
        (500, 2),
        "refusals reserve nothing"
    );

    // Paying: a declined card leaves it unpaid; the good card pays; the
    // gateway's webhook (twice) races the return: one confirmation.
    expect_error(
        shop(
            &server,
            "POST",
            &format!("/orders/{paid_id}/pay"),
            Some(&li),
            Some(json!({"card": "4000 0000 0000 0002"})),
            None,
        )
        .await,
        402,
        "payment_declined",
    )
    .await;
    let order: Order = ok_json(
        shop(
            &server,
            "POST",
            &format!("/orders/{paid_id}/pay"),
            Some(&li),
            Some(json!({"card": "4242 4242 4242 4242"})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(order.status, OrderStatus::Paid);
    // Paying again answers the paid order.
    let again: Order = ok_json(
        shop(
            &server,
            "POST",
            &format!("/orders/{paid_id}/pay"),
            Some(&li),
            Some(json!({"card": "4242 4242 4242 4242"})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(again.status, OrderStatus::Paid);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let order = order_of(&server, &li, paid_id).await;
    let confirmations = order
        .timeline
        .iter()
        .filter(|e| e.what == "payment_confirmed")
        .count();
    assert_eq!(confirmations, 1, "{:?}", order.timeline);
    assert!(order.timeline.iter().any(|e| e.what == "payment_declined"));

    // Pending then paid by the webhook alone.
    let later: Order = ok_json(
        shop(
            &server,
            "POST",
            "/checkout",
            Some(&li),
            Some(checkout_body(filter, 1, "test")),
            Some("pending-card-0001"),
        )
        .await,
    )
    .await;
    let pending: Order = ok_json(
        shop(
            &server,
            "POST",
            &format!("/orders/{}/pay", later.id),
            Some(&li),
            Some(json!({"card": "4000000000003220"})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(pending.status, OrderStatus::PendingPayment);
    let later = wait_order(&server, &li, later.id, "paid by webhook", |o| {
        o.status == OrderStatus::Paid
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let later = order_of(&server, &li, later.id).await;
    assert_eq!(
        later
            .timeline
            .iter()
            .filter(|e| e.what == "payment_confirmed")
            .count(),
        1
    );

    // Forged and garbage webhooks change nothing.
    let client = reqwest::Client::new();
    let forged = client
        .post(server.url("/api/shop/webhooks/test"))
        .header("fieldesk-signature", "t=1,v1=00")
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"reference":"{}","status":"refunded"}}"#,
            later.payment.reference
        ))
        .send()
        .await
        .unwrap();
    expect_error(forged, 401, "invalid_webhook").await;
    let garbage = client
        .post(server.url("/api/shop/webhooks/test"))
        .body("not json")
        .send()
        .await
        .unwrap();
    expect_error(garbage, 401, "invalid_webhook").await;
    assert_eq!(
        order_of(&server, &li, later.id).await.payment.status,
        PaymentStatus::Captured
    );

    // Cancelling the paid order refunds it and gives its stock back.
    let before = available(&server, &ada, filter).await;
    let cancelled: Order = ok_json(
        shop(
            &server,
            "POST",
            &format!("/orders/{}/actions", later.id),
            Some(&li),
            Some(json!({"action": "cancel"})),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.payment.status, PaymentStatus::Refunded);
    assert_eq!(
        available(&server, &ada, filter).await,
        (before.0, before.1 - 1)
    );

    // Buyers see only their own orders; staff tokens open no shop route,
    // customer tokens no staff route.
    expect_error(order_res(&server, &wang, paid_id).await, 404, "not_found").await;
    let wang_orders: Vec<Value> =
        ok_json(shop(&server, "GET", "/orders", Some(&wang), None, None).await).await;
    assert!(wang_orders.is_empty());
    expect_error(
        shop(&server, "GET", "/orders", Some(&ada), None, None).await,
        401,
        "session_expired",
    )
    .await;
    expect_error(
        server.get("/api/mall/orders", &li).await,
        401,
        "session_expired",
    )
    .await;
    let other_shop = reqwest::Client::new()
        .get(server.url("/api/shop/globex/orders"))
        .bearer_auth(&li)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(other_shop.status().as_u16(), 401 | 404),
        "{}",
        other_shop.status()
    );

    // The customer follows the paid order live while the warehouse ships
    // it with the test carrier: shipped (tracking) → delivered.
    let (mut socket, _) = tokio_tungstenite::connect_async(format!(
        "{}/api/shop/acme/ws",
        server
            .url("")
            .replacen("http://", "ws://", 1)
            .trim_end_matches('/')
    ))
    .await
    .unwrap();
    use futures_util::SinkExt;
    socket
        .send(tokio_tungstenite::tungstenite::Message::Text(
            json!({"token": li}).to_string().into(),
        ))
        .await
        .unwrap();
    let mut seen = Vec::new();
    let ready = socket.next().await.unwrap().unwrap();
    assert!(ready.to_text().unwrap().contains("ready"), "{ready:?}");
    let shipped: Order = ok_json(
        server
            .send_json(
                "POST",
                &format!("/api/mall/orders/{paid_id}/ship"),
                &ada,
                &json!({"carrier": "test", "tracking": "TEST123456", "url": "https://track.example/TEST123456"}),
            )
            .await,
    )
    .await;
    assert_eq!(shipped.status, OrderStatus::Shipped);
    assert_eq!(available(&server, &ada, filter).await, (498, 0));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !seen.contains(&OrderStatus::Delivered) {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("delivered in time")
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
        if v["type"] == "order" && v["order"]["id"] == paid_id {
            let order: Order = serde_json::from_value(v["order"].clone()).unwrap();
            seen.push(order.status);
        }
    }
    let delivered = order_of(&server, &li, paid_id).await;
    let whats: Vec<_> = delivered.timeline.iter().map(|e| e.what.as_str()).collect();
    for step in [
        "placed",
        "payment_confirmed",
        "shipped",
        "shipment_in_transit",
        "shipment_out_for_delivery",
        "shipment_delivered",
        "delivered",
    ] {
        assert!(whats.contains(&step), "{step} in {whats:?}");
    }
    assert!(
        delivered
            .timeline
            .iter()
            .any(|e| e.detail.as_deref() == Some("test TEST123456"))
    );
    // And by mail: paid, shipped (with tracking), delivered.
    let inbox = mail::wait_inbox(&li_mail, 4).await;
    let subjects: Vec<String> = inbox.iter().filter_map(|m| m.header("Subject")).collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.contains(&format!("Order {paid_id}: Shipped"))),
        "{subjects:?}"
    );
    let _ = warehouse;
}

async fn order_res(server: &TestServer, token: &str, id: i64) -> reqwest::Response {
    shop(
        server,
        "GET",
        &format!("/orders/{id}"),
        Some(token),
        None,
        None,
    )
    .await
}

/// An unpaid order holds its stock for the reservation time only (2 s
/// here): then it is cancelled, its stock is free again, and paying it
/// says the reservation expired.
#[tokio::test]
async fn an_unpaid_order_lets_its_stock_go_when_the_reservation_runs_out() {
    let server = TestServer::start_with(
        bin(),
        &["--mall-reservation-secs", "2", "--hours-check-secs", "1"],
        true,
    );
    let ada = server.login("acme", "ada").await.token;
    ok_json::<Value>(
        server
            .send_json(
                "PUT",
                "/api/mall/settings",
                &ada,
                &json!({"enabled": true, "currency": "CNY", "mailbox_id": null, "payment_methods": ["test"]}),
            )
            .await,
    )
    .await;
    let warehouse: Value = ok_json(
        server
            .send_json(
                "POST",
                "/api/mall/locations",
                &ada,
                &json!({"name": "总仓", "kind": "warehouse", "ships": true}),
            )
            .await,
    )
    .await;
    let item: Value = ok_json(
        server
            .send_json(
                "POST",
                "/api/mall/items",
                &ada,
                &json!({"sku": "FD-FAN-1", "kind": "part", "name": {"zh-CN": "风机"}, "unit": "个",
                        "category": "风机", "list_price": {"minor": 5_000, "currency": "CNY"}}),
            )
            .await,
    )
    .await;
    let id = item["id"].as_i64().unwrap();
    ok_json::<Value>(
        server
            .send_json(
                "PUT",
                "/api/mall/stock",
                &ada,
                &json!({"item_id": id, "location_id": warehouse["id"], "on_hand": 2}),
            )
            .await,
    )
    .await;
    // A customer the admin vouches for (no mailbox needed).
    server.add_customer(
        "zhao@example.com",
        "赵先生",
        None,
        "a long enough secret 42",
    );
    let session: Value = ok_json(
        shop(
            &server,
            "POST",
            "/signin",
            None,
            Some(json!({"email": "ZHAO@example.com", "password": "a long enough secret 42"})),
            None,
        )
        .await,
    )
    .await;
    let zhao = session["token"].as_str().unwrap().to_owned();
    let order: Order = ok_json(
        shop(
            &server,
            "POST",
            "/checkout",
            Some(&zhao),
            Some(checkout_body(id, 2, "test")),
            Some("hold-two-0001"),
        )
        .await,
    )
    .await;
    assert_eq!(available(&server, &ada, id).await, (2, 2));
    let expired = wait_order(&server, &zhao, order.id, "cancelled for its time", |o| {
        o.status == OrderStatus::Cancelled
    })
    .await;
    assert!(
        expired
            .timeline
            .iter()
            .any(|e| e.what == "reservation_expired"),
        "{:?}",
        expired.timeline
    );
    assert_eq!(expired.payment.status, PaymentStatus::Cancelled);
    assert_eq!(
        available(&server, &ada, id).await,
        (2, 0),
        "the stock is free again"
    );
    let message = expect_error(
        shop(
            &server,
            "POST",
            &format!("/orders/{}/pay", order.id),
            Some(&zhao),
            Some(json!({"card": "4242424242424242"})),
            None,
        )
        .await,
        409,
        "reservation_expired",
    )
    .await;
    assert!(message.contains("expired"), "{message}");
}

/// A staff request with an idempotency key.
async fn staff_once(
    server: &TestServer,
    token: &str,
    path: &str,
    body: &Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(server.url(path))
        .bearer_auth(token)
        .header("accept-language", "en")
        .json(body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_engineer_sends_a_devices_parts_to_the_customer_who_approves_and_pays_them() {
    use fieldesk_core::mall::proposal::{
        CustomerDevice, CustomerProposal, DeviceParts, Proposal, ProposalStatus, WorkOrderParts,
    };
    use fieldesk_core::work_order::WorkOrderView;

    let Shop {
        server,
        ada,
        scarce,
        filter,
        ..
    } = open_shop_with(&["--public-url", "https://parts.acme.example/"]).await;
    server.add_user("ed", "engineer", "Ed 工程师");
    server.add_user("olga", "engineer", "Olga");
    let ed = server.login("acme", "ed").await;
    let olga = server.login("acme", "olga").await.token;
    let sam = server.login("acme", "sam").await.token;
    // The customer has an account before the engineer writes.
    let (liu, liu_mail) = customer(&server, "liu").await;
    let (other, _) = customer(&server, "zhao").await;

    // A work order naming the customer, its chiller fits both parts;
    // ed's provider does it and ed leads it.
    let body = json!({
        "number": "WO-P1", "customer": "Coastal Mall",
        "contact": format!("Liu 138 0000 0000 {}", liu_mail.address),
        "address": "深圳市南山区文心五路 33 号", "order_type": "repair", "priority": "high",
        "devices": [{"model": "fd-ch-200", "serial_number": "SN-9"}, {"model": "OTHER-1"}],
    });
    let order: WorkOrderView = ok_json(server.post_ok("/api/work-orders", &ada, &body).await).await;
    let (chiller, odd) = (order.devices[0].id, order.devices[1].id);
    let provider: Value = ok_json(
        server
            .post_ok(
                "/api/dispatch/providers",
                &sam,
                &json!({"name": "P", "member_ids": [ed.me.user_id]}),
            )
            .await,
    )
    .await;
    let path = |what: &str| format!("/api/work-orders/{}/{what}", order.id);
    server
        .post_ok(
            &path("target"),
            &sam,
            &json!({"kind": "service_provider", "id": provider["id"]}),
        )
        .await;
    server
        .post_ok(
            &path("crew"),
            &sam,
            &json!({"lead": ed.me.user_id, "collaborators": []}),
        )
        .await;

    // "Parts for this device": exactly those fitting its model (any
    // case), the customer's price beside the list price, and ed's
    // provider's price.
    let parts_path =
        |device: i64| format!("/api/mall/work-orders/{}/devices/{device}/parts", order.id);
    let parts: DeviceParts = ok_json(server.get(&parts_path(chiller), &ed.token).await).await;
    assert_eq!(parts.model, "fd-ch-200");
    assert!(parts.provider);
    let mut skus: Vec<&str> = parts
        .parts
        .iter()
        .map(|p| p.offer.item.body.sku.as_str())
        .collect();
    skus.sort();
    assert_eq!(skus, ["FD-CMP-9", "FD-FLT-100"]);
    let filter_part = parts
        .parts
        .iter()
        .find(|p| p.offer.item.id == filter)
        .unwrap();
    assert_eq!(filter_part.offer.quote.price.minor, 11_500);
    assert_eq!(filter_part.offer.quote.list.minor, 12_800);
    assert_eq!(filter_part.provider_price.unwrap().price.minor, 12_800);
    let none: DeviceParts = ok_json(server.get(&parts_path(odd), &ed.token).await).await;
    assert!(none.parts.is_empty());
    // Not olga's work order; no device of it; no staff route for a customer.
    expect_error(
        server.get(&parts_path(chiller), &olga).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        server.get(&parts_path(999_999), &ed.token).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        server.get(&parts_path(chiller), &liu).await,
        401,
        "session_expired",
    )
    .await;

    // Send to customer: refused without a key, to no address, for no units.
    let proposal = |quantity: i64, email: &str| {
        json!({"work_order_id": order.id, "device_id": chiller, "email": email,
            "lines": [{"item_id": filter, "quantity": quantity}], "note": "滤网堵塞 clogged"})
    };
    let send = |body: Value, key: Option<&'static str>| {
        let token = ed.token.clone();
        let server = &server;
        async move { staff_once(server, &token, "/api/mall/proposals", &body, key).await }
    };
    expect_error(
        send(proposal(2, &liu_mail.address), None).await,
        400,
        "idempotency_key_required",
    )
    .await;
    expect_error(
        send(proposal(2, "not-an-address"), Some("prop-key-0")).await,
        400,
        "invalid_email",
    )
    .await;
    expect_error(
        send(proposal(0, &liu_mail.address), Some("prop-key-0")).await,
        400,
        "invalid_quantity",
    )
    .await;
    let mut foreign = proposal(1, &liu_mail.address);
    foreign["device_id"] = json!(999_999);
    expect_error(send(foreign, Some("prop-key-0")).await, 404, "not_found").await;
    expect_error(
        staff_once(
            &server,
            &olga,
            "/api/mall/proposals",
            &proposal(1, &liu_mail.address),
            Some("prop-key-0"),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Sent once however often the engineer's app retries.
    let first = send(
        proposal(2, &liu_mail.address.to_uppercase()),
        Some("prop-key-1"),
    )
    .await;
    assert_eq!(first.status(), 201);
    let sent: Proposal = ok_json(first).await;
    let again = send(
        proposal(2, &liu_mail.address.to_uppercase()),
        Some("prop-key-1"),
    )
    .await;
    assert_eq!(again.status(), 200);
    assert_eq!(ok_json::<Proposal>(again).await.id, sent.id);
    expect_error(
        send(proposal(3, &liu_mail.address), Some("prop-key-1")).await,
        422,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(sent.status, ProposalStatus::Open);
    assert_eq!(sent.email, liu_mail.address);
    assert_eq!(sent.device_label, "fd-ch-200 SN-9");

    // The customer gets one mail with the link; the proposal waits in
    // the portal at their price. Nobody else sees it.
    let inbox = mail::wait_inbox(&liu_mail, 2).await;
    let parsed = mail_parser::MessageParser::default()
        .parse(&inbox[1].raw)
        .unwrap();
    assert_eq!(
        parsed.subject().unwrap(),
        "Parts proposed for work order WO-P1"
    );
    let text = parsed.body_text(0).unwrap().into_owned();
    assert!(
        text.contains(&format!(
            "https://parts.acme.example/shop/acme?proposal={}",
            sent.id
        )),
        "{text}"
    );
    assert!(text.contains("FD-FLT-100 Compressor filter × 2"), "{text}");
    let mine: Vec<CustomerProposal> =
        ok_json(shop(&server, "GET", "/proposals", Some(&liu), None, None).await).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].proposal.id, sent.id);
    assert_eq!(mine[0].offers[0].quote.price.minor, 11_500);
    let theirs: Vec<CustomerProposal> =
        ok_json(shop(&server, "GET", "/proposals", Some(&other), None, None).await).await;
    assert!(theirs.is_empty());
    let one = format!("/proposals/{}", sent.id);
    expect_error(
        shop(&server, "GET", &one, Some(&other), None, None).await,
        404,
        "not_found",
    )
    .await;
    // Their devices: the work order's, by the contact and the proposal.
    let devices: Vec<CustomerDevice> =
        ok_json(shop(&server, "GET", "/devices", Some(&liu), None, None).await).await;
    assert_eq!(
        devices
            .iter()
            .map(|d| (
                d.work_order_number.as_str(),
                d.model.as_str(),
                d.serial_number.as_str()
            ))
            .collect::<Vec<_>>(),
        [("WO-P1", "fd-ch-200", "SN-9"), ("WO-P1", "OTHER-1", "")]
    );
    let none: Vec<CustomerDevice> =
        ok_json(shop(&server, "GET", "/devices", Some(&other), None, None).await).await;
    assert!(none.is_empty());

    // Approving is the customer's checkout of exactly the proposed lines
    // (more units or other items in the request change nothing), once
    // per key, linked to the work order and the device.
    let approve_body = json!({
        "lines": [{"item_id": filter, "quantity": 50, "seen_price": {"minor": 11_500, "currency": "CNY"}},
                  {"item_id": scarce, "quantity": 1}],
        "delivery": {"to": "address", "name": "Liu", "phone": "138 0000 0000", "address": "深圳市南山区文心五路 33 号"},
        "payment": "test",
    });
    let approve = format!("{one}/approve");
    expect_error(
        shop(
            &server,
            "POST",
            &approve,
            Some(&liu),
            Some(approve_body.clone()),
            None,
        )
        .await,
        400,
        "idempotency_key_required",
    )
    .await;
    expect_error(
        shop(
            &server,
            "POST",
            &approve,
            Some(&other),
            Some(approve_body.clone()),
            Some("approve-1"),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let answers = futures_util::future::join_all((0..5).map(|_| {
        shop(
            &server,
            "POST",
            &approve,
            Some(&liu),
            Some(approve_body.clone()),
            Some("approve-1"),
        )
    }))
    .await;
    let mut ids = vec![];
    for res in answers {
        assert!(
            res.status() == 201 || res.status() == 200,
            "{}",
            res.status()
        );
        ids.push(ok_json::<Order>(res).await.id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one order for one key: {ids:?}");
    let bought = order_of(&server, &liu, ids[0]).await;
    assert_eq!(bought.work_order_id, Some(order.id));
    assert_eq!(bought.device_id, Some(chiller));
    assert_eq!(bought.lines.len(), 1);
    assert_eq!(
        (
            bought.lines[0].item_id,
            bought.lines[0].quantity,
            bought.lines[0].unit_price.minor
        ),
        (filter, 2, 11_500)
    );
    expect_error(
        shop(
            &server,
            "POST",
            &approve,
            Some(&liu),
            Some(approve_body.clone()),
            Some("approve-2"),
        )
        .await,
        409,
        "proposal_closed",
    )
    .await;

    // The work order shows the proposal approved and its order's state
    // as it moves: paid with the test card.
    let wo_parts = || async {
        ok_json::<WorkOrderParts>(
            server
                .get(
                    &format!("/api/mall/work-orders/{}/parts", order.id),
                    &ed.token,
                )
                .await,
        )
        .await
    };
    let seen = wo_parts().await;
    assert_eq!(seen.proposals[0].status, ProposalStatus::Approved);
    assert_eq!(seen.proposals[0].order_id, Some(bought.id));
    assert_eq!(seen.orders.len(), 1);
    assert!(seen.orders[0].by_customer);
    assert_eq!(seen.orders[0].status, OrderStatus::PendingPayment);
    expect_error(
        server
            .get(&format!("/api/mall/work-orders/{}/parts", order.id), &olga)
            .await,
        404,
        "not_found",
    )
    .await;
    ok_json::<Order>(
        shop(
            &server,
            "POST",
            &format!("/orders/{}/pay", bought.id),
            Some(&liu),
            Some(json!({"card": "4242 4242 4242 4242"})),
            None,
        )
        .await,
    )
    .await;
    wait_order(&server, &liu, bought.id, "paid", |o| {
        o.status == OrderStatus::Paid
    })
    .await;
    assert_eq!(wo_parts().await.orders[0].status, OrderStatus::Paid);

    // Another proposal the customer declines: then it is closed for
    // everyone; a third the engineer withdraws.
    let declined: Proposal =
        ok_json(send(proposal(1, &liu_mail.address), Some("prop-key-2")).await).await;
    let decline = format!("/proposals/{}/decline", declined.id);
    let closed: Proposal =
        ok_json(shop(&server, "POST", &decline, Some(&liu), None, None).await).await;
    assert_eq!(closed.status, ProposalStatus::Declined);
    expect_error(
        shop(&server, "POST", &decline, Some(&liu), None, None).await,
        409,
        "proposal_closed",
    )
    .await;
    expect_error(
        shop(
            &server,
            "POST",
            &format!("/proposals/{}/approve", declined.id),
            Some(&liu),
            Some(approve_body.clone()),
            Some("approve-3"),
        )
        .await,
        409,
        "proposal_closed",
    )
    .await;
    let withdrawn: Proposal =
        ok_json(send(proposal(1, &liu_mail.address), Some("prop-key-3")).await).await;
    let withdraw = format!("/api/mall/proposals/{}/withdraw", withdrawn.id);
    expect_error(
        staff_once(&server, &olga, &withdraw, &json!(null), None).await,
        404,
        "not_found",
    )
    .await;
    let taken: Proposal =
        ok_json(staff_once(&server, &ed.token, &withdraw, &json!(null), None).await).await;
    assert_eq!(taken.status, ProposalStatus::Withdrawn);

    // Buying on the provider's account for this device; olga may not
    // buy for a work order that is not hers.
    let provider_buy = json!({
        "lines": [{"item_id": scarce, "quantity": 1}],
        "delivery": {"to": "address", "name": "Coastal Mall", "phone": "138 0000 0000", "address": "深圳市南山区文心五路 33 号"},
        "payment": "manual", "work_order_id": order.id, "device_id": chiller,
    });
    let placed: Order = ok_json(
        staff_once(
            &server,
            &ed.token,
            "/api/mall/checkout",
            &provider_buy,
            Some("onsite-1"),
        )
        .await,
    )
    .await;
    assert_eq!(placed.work_order_id, Some(order.id));
    expect_error(
        staff_once(
            &server,
            &olga,
            "/api/mall/checkout",
            &provider_buy,
            Some("onsite-2"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let after = wo_parts().await;
    assert_eq!(after.orders.len(), 2);
    assert!(!after.orders[0].by_customer);
    assert_eq!(
        after.proposals.iter().map(|p| p.status).collect::<Vec<_>>(),
        [
            ProposalStatus::Withdrawn,
            ProposalStatus::Declined,
            ProposalStatus::Approved
        ]
    );
}

/// An item's photo as the portal asks for it (no sign-in).
async fn shop_photo(server: &TestServer, id: &str) -> reqwest::Response {
    shop(server, "GET", &format!("/photos/{id}"), None, None, None).await
}

#[tokio::test]
async fn item_photos_show_in_the_shop_only_while_an_item_on_sale_names_them() {
    let Shop {
        server,
        ada,
        filter,
        ..
    } = open_shop().await;
    let (alice, eve) = (
        server.login("acme", "alice").await.token,
        server.login("acme", "eve").await.token,
    );
    let put = |bytes: Vec<u8>| {
        server
            .http
            .put(server.url(&format!("/api/photos/{}", sha256_hex(&bytes))))
            .header("accept-language", "en")
            .bearer_auth(&ada)
            .body(bytes)
            .send()
    };
    let (cover, second) = (png_image(16, 7), png_image(24, 8));
    let (cover_id, second_id) = (sha256_hex(&cover), sha256_hex(&second));
    let items: Vec<Value> = ok_json(server.get("/api/mall/items?q=FD-FLT-100", &ada).await).await;
    let mut item = items[0].clone();
    assert_eq!(item["id"], filter);
    let mut body = item.take();
    body.as_object_mut().unwrap().remove("id");
    body.as_object_mut().unwrap().remove("updated_at");
    body["photos"] = json!([cover_id, second_id]);

    // Named before it was uploaded: refused, in the admin's language.
    let message = expect_error(
        server
            .send_json("PUT", &format!("/api/mall/items/{filter}"), &ada, &body)
            .await,
        422,
        "photo_missing",
    )
    .await;
    assert!(
        message.contains("照片"),
        "in the tenant's language: {message}"
    );
    assert_eq!(put(cover.clone()).await.unwrap().status(), 204);
    assert_eq!(put(second.clone()).await.unwrap().status(), 204);
    let saved: Value = ok_json(
        server
            .send_json("PUT", &format!("/api/mall/items/{filter}"), &ada, &body)
            .await,
    )
    .await;
    assert_eq!(
        saved["photos"],
        json!([cover_id, second_id]),
        "the cover first"
    );

    // The portal shows them to anyone, as the image they are, cacheable
    // for good (a photo never changes under its id).
    let offers: Vec<Value> =
        ok_json(shop(&server, "GET", "/offers?q=FD-FLT-100", None, None, None).await).await;
    assert_eq!(offers[0]["item"]["photos"][0], cover_id.as_str());
    let res = shop_photo(&server, &cover_id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), cover.as_slice());
    // A provider's people and the warehouse see them in the app; a chat
    // agent is not a buyer.
    let res = server
        .get(&format!("/api/mall/photos/{second_id}"), &eve)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), second.as_slice());
    expect_error(
        server
            .get(&format!("/api/mall/photos/{second_id}"), &alice)
            .await,
        403,
        "forbidden",
    )
    .await;

    // Another photo of the tenant (a work order's) is not the shop's to show.
    let private = png_image(8, 9);
    assert_eq!(put(private.clone()).await.unwrap().status(), 204);
    expect_error(
        shop_photo(&server, &sha256_hex(&private)).await,
        404,
        "not_found",
    )
    .await;
    expect_error(shop_photo(&server, "nope").await, 404, "not_found").await;
    expect_error(
        server
            .get(&format!("/api/mall/photos/{}", sha256_hex(&private)), &ada)
            .await,
        404,
        "not_found",
    )
    .await;

    // Off sale: gone from the portal and from providers, kept for admins.
    body["enabled"] = json!(false);
    ok_json::<Value>(
        server
            .send_json("PUT", &format!("/api/mall/items/{filter}"), &ada, &body)
            .await,
    )
    .await;
    expect_error(shop_photo(&server, &cover_id).await, 404, "not_found").await;
    expect_error(
        server
            .get(&format!("/api/mall/photos/{cover_id}"), &eve)
            .await,
        404,
        "not_found",
    )
    .await;
    let res = server
        .get(&format!("/api/mall/photos/{cover_id}"), &ada)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), cover.as_slice());
}

#[tokio::test]
async fn customers_browse_the_catalog_by_category() {
    let Shop { server, ada, .. } = open_shop().await;
    ok_json::<Value>(
        server
            .send_json(
                "POST",
                "/api/mall/items",
                &ada,
                &json!({
                    "sku": "SVC-WARRANTY-1", "kind": "service",
                    "name": {"zh-CN": "延保一年", "en": "One more year of warranty"},
                    "unit": "次", "category": "服务", "models": [],
                    "list_price": {"minor": 88_000, "currency": "CNY"},
                }),
            )
            .await,
    )
    .await;
    let categories: Vec<Value> =
        ok_json(shop(&server, "GET", "/categories", None, None, None).await).await;
    assert_eq!(
        categories,
        [
            json!({"name": "制冷", "items": 2}),
            json!({"name": "服务", "items": 1})
        ]
    );
    let offers: Vec<Value> = ok_json(
        shop(
            &server,
            "GET",
            "/offers?category=%E6%9C%8D%E5%8A%A1",
            None,
            None,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0]["item"]["sku"], "SVC-WARRANTY-1");
    assert_eq!(
        offers[0]["available"],
        Value::Null,
        "a service has no stock"
    );
    let offers: Vec<Value> =
        ok_json(shop(&server, "GET", "/offers?category=nothing", None, None, None).await).await;
    assert!(offers.is_empty());
}
