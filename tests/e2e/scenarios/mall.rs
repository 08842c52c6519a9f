//! The parts mall end to end: a customer signs up in the customer portal
//! in a real browser (the code read from their real mailbox), finds the
//! parts for their device, pays with the test card; an admin ships the
//! order in the app; the customer sees it shipped (with tracking) and
//! delivered, live.

use fantoccini::key::Key;
use fieldesk_testkit::mail::{self, HOST, IMAP_PORT, SUBMISSION_PORT, SUPPORT_DOMAIN};
use fieldesk_testkit::server::{PASSWORD, TestServer};
use serde_json::{Value, json};

use crate::Ctx;

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Acme's mall on, with a service mailbox for codes, a warehouse and a
/// compressor filter for the FD-CH-200 chiller (and a part for another).
async fn open_shop(server: &TestServer, support: &mail::Account) {
    let ada = server.login("acme", "ada").await.token;
    let settings = |port: u16| json!({"host": HOST, "port": port, "security": "none", "user": support.address});
    let mailbox = ok(server
        .send_json(
            "POST",
            "/api/mail/mailboxes",
            &ada,
            &json!({
                "address": support.address, "display_name": "Acme Parts", "aliases": [],
                "smtp": settings(SUBMISSION_PORT), "smtp_password": support.password,
                "imap": settings(IMAP_PORT), "imap_password": support.password,
            }),
        )
        .await)
    .await;
    ok(server
        .send_json("PUT", "/api/mall/settings", &ada, &json!({
            "enabled": true, "currency": "CNY", "mailbox_id": mailbox["id"], "payment_methods": ["test"],
        }))
        .await)
    .await;
    let warehouse = ok(server
        .send_json(
            "POST",
            "/api/mall/locations",
            &ada,
            &json!({"name": "上海总仓", "kind": "warehouse", "ships": true}),
        )
        .await)
    .await;
    for (sku, zh, en, model) in [
        ("FD-FLT-100", "压缩机滤网", "Compressor filter", "FD-CH-200"),
        ("FD-PMP-3", "水泵", "Water pump", "FD-CH-900"),
    ] {
        let item = ok(server
            .send_json(
                "POST",
                "/api/mall/items",
                &ada,
                &json!({
                    "sku": sku, "kind": "part", "name": {"zh-CN": zh, "en": en}, "original": true,
                    "unit": "个", "category": "制冷", "models": [model],
                    "list_price": {"minor": 12_800, "currency": "CNY"},
                }),
            )
            .await)
        .await;
        ok(server
            .send_json(
                "PUT",
                "/api/mall/stock",
                &ada,
                &json!({"item_id": item["id"], "location_id": warehouse["id"], "on_hand": 5}),
            )
            .await)
        .await;
    }
}

/// A PNG to stand for a part's photo (its printed label).
fn part_photo(sku: &str) -> Vec<u8> {
    fieldesk_scan::label_sheet_png(&[sku.to_owned()], 1).unwrap()
}

/// Uploads a photo as `token`'s user; answers its id (its SHA-256).
async fn upload_photo(server: &TestServer, token: &str, bytes: &[u8]) -> String {
    use sha2::Digest;
    let id = format!("{:x}", sha2::Sha256::digest(bytes));
    let res = server
        .http
        .put(server.url(&format!("/api/photos/{id}")))
        .bearer_auth(token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    id
}

pub async fn customer_buys_parts_for_their_device_and_follows_the_admins_shipment(ctx: Ctx) {
    let support = mail::account("parts", SUPPORT_DOMAIN);
    let buyer = mail::account("buyer", mail::CUSTOMER_DOMAIN);
    let server = ctx.server_with(&["--allow-private-outbound"]);
    open_shop(&server, &support).await;
    // The filter has a photo (the admin's upload; here by the API).
    let ada = server.login("acme", "ada").await.token;
    let photo = part_photo("FD-FLT-100");
    let photo_id = upload_photo(&server, &ada, &photo).await;
    let items = ok(server.get("/api/mall/items?q=FD-FLT-100", &ada).await).await;
    let mut body = items[0].clone();
    let id = body["id"].as_i64().unwrap();
    body["photos"] = json!([photo_id]);
    ok(server
        .send_json("PUT", &format!("/api/mall/items/{id}"), &ada, &body)
        .await)
    .await;

    let browser = fieldesk_testkit::browser::Browser::start(
        &ctx.artifacts.join(format!("{}.chromedriver.log", ctx.name)),
    )
    .await;
    // The parts for the customer's device: only the one that fits.
    let page = browser
        .open(&server.url("/shop/acme?lang=en&model=FD-CH-200"))
        .await;
    page.expect_lang("en").await;
    page.expect_count("shop-offer", 1).await;
    page.expect_text("offer-name", "Compressor filter").await;
    page.expect_image("[data-testid=offer-photo]").await;
    page.click("offer-add").await;
    page.wait_text("nav-cart", |t| t.contains('1')).await;
    ctx.shot(&page, "catalog").await;

    // Ordering needs an account: sign up, the code comes by mail.
    page.click("nav-cart").await;
    page.click("checkout-submit").await;
    page.click("to-sign-up").await;
    page.fill("signup-name", "Li Lei").await;
    page.fill("signup-email", &buyer.address).await;
    page.fill("signup-password", "short").await;
    page.click("signup-submit").await;
    page.wait_text("shop-error", |t| t.contains("12 characters"))
        .await;
    page.fill("signup-password", "a long enough secret 42")
        .await;
    page.click("signup-submit").await;
    page.wait_text("verify-sent", |t| t.contains(&buyer.address))
        .await;
    let mails = mail::wait_inbox(&buyer, 1).await;
    let subject = mails[0].header("Subject").unwrap();
    let code = subject.split_whitespace().next().unwrap().to_owned();
    assert_eq!(code.len(), 6, "{subject}");
    page.fill("verify-code", &code).await;
    page.click("verify-submit").await;
    page.wait_text("shop-customer", |t| t == "Li Lei").await;

    // Back at the cart: deliver, place, pay with the test card.
    page.find("cart-line").await;
    page.fill("checkout-name", "Li Lei").await;
    page.fill("checkout-phone", "+86 138 0000 0000").await;
    page.fill("checkout-address", "上海市浦东新区张江路 1 号")
        .await;
    page.click("checkout-submit").await;
    page.expect_attr("order-status", "data-status", "pending_payment")
        .await;
    page.fill("pay-card", "4000 0000 0000 0002").await;
    page.click("pay-submit").await;
    page.wait_text("shop-error", |t| t.contains("declined"))
        .await;
    page.fill("pay-card", "4242 4242 4242 4242").await;
    page.click("pay-submit").await;
    page.expect_attr("order-status", "data-status", "paid")
        .await;
    ctx.shot(&page, "paid").await;

    // The admin ships it in the app with the test carrier.
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "ada", PASSWORD).await;
    app.select("language-select", "en").await;
    app.click("view-mall").await;
    app.click("mall-order-open").await;
    app.expect_attr("mall-order-status", "data-status", "paid")
        .await;
    app.fill("mall-carrier", "test").await;
    app.fill("mall-tracking", "TEST20261207").await;
    app.fill("mall-tracking-url", "https://track.example/TEST20261207")
        .await;
    app.click("mall-ship-submit").await;
    app.expect_attr("mall-order-status", "data-status", "shipped")
        .await;
    ctx.shot(&app, "shipped-in-app").await;

    // The customer sees it shipped with its tracking, then delivered —
    // without reloading.
    page.wait_text("tracking", |t| t.contains("TEST20261207"))
        .await;
    page.expect_attr("order-status", "data-status", "delivered")
        .await;
    let whats = page.wait_texts("timeline-entry", |t| t.len() >= 6).await;
    assert!(whats.iter().any(|t| t.contains("Shipped")), "{whats:?}");
    assert!(
        whats.iter().any(|t| t.contains("Out for delivery")),
        "{whats:?}"
    );
    ctx.shot(&page, "delivered").await;
    // And the app's list follows the carrier too.
    app.expect_attr("mall-order-status", "data-status", "delivered")
        .await;
    page.close().await;
    app.close().await;
}

pub async fn provider_buys_at_its_tier_price_to_its_depot(ctx: Ctx) {
    let server = ctx.server_with(&[]);
    server.add_user("pat", "provider_admin", "Pat Provider");
    server.add_user("pe", "engineer", "Peng Engineer");
    let ada = server.login("acme", "ada").await.token;
    let users = ok(server.get("/api/users", &ada).await).await;
    let id_of = |name: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()["user_id"]
            .clone()
    };
    let (pat, pe) = (id_of("pat"), id_of("pe"));
    let provider = ok(server
        .send_json(
            "POST",
            "/api/dispatch/providers",
            &ada,
            &json!({"name": "粤电服务商", "member_ids": [pat, pe]}),
        )
        .await)
    .await["id"]
        .as_i64()
        .unwrap();
    ok(server.send_json("PUT", "/api/mall/settings", &ada, &json!({
        "enabled": true, "currency": "CNY", "mailbox_id": null, "payment_methods": ["manual", "test"],
    })).await)
    .await;
    let warehouse = ok(server
        .send_json(
            "POST",
            "/api/mall/locations",
            &ada,
            &json!({"name": "总仓", "kind": "warehouse", "ships": true}),
        )
        .await)
    .await;
    ok(server
        .send_json(
            "POST",
            "/api/mall/locations",
            &ada,
            &json!({"name": "粤电备件库", "kind": "depot", "provider_id": provider}),
        )
        .await)
    .await;
    let item = ok(server
        .send_json("POST", "/api/mall/items", &ada, &json!({
            "sku": "FD-VLV-7", "kind": "part", "name": {"zh-CN": "膨胀阀", "en": "Expansion valve"},
            "unit": "个", "category": "阀门", "models": ["FD-CH-200"],
            "list_price": {"minor": 20_000, "currency": "CNY"},
        }))
        .await)
    .await;
    ok(server
        .send_json(
            "PUT",
            "/api/mall/stock",
            &ada,
            &json!({"item_id": item["id"], "location_id": warehouse["id"], "on_hand": 3}),
        )
        .await)
    .await;

    // The admin gives the provider the gold tier, prices the valve for
    // gold providers, and fills in the valve's English description.
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "ada", PASSWORD).await;
    app.select("language-select", "en").await;
    app.click("view-mall").await;
    app.click("mall-tab-prices").await;
    app.fill("mall-tier", "gold").await;
    app.type_keys("mall-tier", &char::from(Key::Tab).to_string())
        .await;
    app.click("mall-price-list-new").await;
    app.fill("mall-price-list-name", "金牌").await;
    app.select("mall-price-list-audience", "providers").await;
    app.fill("mall-price-list-tier", "gold").await;
    app.fill("mall-price-input", "160").await;
    app.click("mall-price-list-save").await;
    app.expect_attr("mall-price-list", "data-name", "金牌")
        .await;
    ctx.shot(&app, "prices").await;
    let lists = ok(server.get("/api/mall/price-lists", &ada).await).await;
    assert_eq!(
        lists[0]["audience"],
        json!({"kind": "providers", "tier": "gold"}),
        "{lists}"
    );
    assert_eq!(
        lists[0]["prices"][item["id"].as_i64().unwrap().to_string()],
        16_000,
        "{lists}"
    );
    let tiers = ok(server.get("/api/mall/providers", &ada).await).await;
    assert_eq!(tiers[0]["provider_id"], provider);
    assert_eq!(tiers[0]["tier"], "gold", "{tiers}");
    app.click("mall-tab-catalog").await;
    app.click("mall-item-edit").await;
    app.expect_value("mall-item-price", "200.00").await;
    app.fill("mall-item-description-en", "Thermostatic, with seals")
        .await;
    // A photo of it: a file that is no image is refused, a PNG shows.
    let not_image = ctx.artifacts.join("mall-not-a-photo.png");
    std::fs::write(&not_image, b"not a picture").unwrap();
    app.find("mall-item-photo-input")
        .await
        .send_keys(not_image.to_str().unwrap())
        .await
        .unwrap();
    app.wait_text("mall-catalog-error", |t| t.contains("image"))
        .await;
    let photo = ctx.artifacts.join("mall-photo-FD-VLV-7.png");
    std::fs::write(&photo, part_photo("FD-VLV-7")).unwrap();
    app.find("mall-item-photo-input")
        .await
        .send_keys(photo.to_str().unwrap())
        .await
        .unwrap();
    app.find("mall-item-photo-cover").await;
    app.expect_image("[data-testid=mall-item-photo] img").await;
    app.scroll_to("mall-item-photos").await;
    ctx.shot(&app, "item-photo").await;
    app.click("mall-item-save").await;
    app.expect_gone("mall-item-cancel").await;
    let items = ok(server.get("/api/mall/items", &ada).await).await;
    assert_eq!(
        items[0]["description"]["en"], "Thermostatic, with seals",
        "{items}"
    );
    {
        use sha2::Digest;
        let sha = format!("{:x}", sha2::Sha256::digest(part_photo("FD-VLV-7")));
        assert_eq!(items[0]["photos"], json!([sha]), "{items}");
    }
    app.expect_image("[data-testid=mall-item] img").await;
    assert_eq!(items[0]["list_price"]["minor"], 20_000, "{items}");
    app.click("logout").await;

    app.log_in(&server.base, "acme", "pat", PASSWORD).await;
    app.select("language-select", "en").await;
    app.click("view-mall").await;
    app.fill("mall-search", "膨胀阀").await;
    app.click("mall-search-go").await;
    app.expect_text("mall-offer-price", "¥160.00").await;
    app.expect_image("[data-testid=mall-offer] img").await;
    app.click("mall-offer-add").await;
    // To the provider's own depot (the first choice), by transfer.
    app.wait_text("mall-deliver-to", |t| t.contains("粤电备件库"))
        .await;
    app.click("mall-checkout").await;
    app.expect_attr("mall-order-status", "data-status", "pending_payment")
        .await;
    app.expect_text("mall-order-line-price", "¥160.00").await;
    ctx.shot(&app, "ordered").await;

    // The warehouse marks the transfer paid: the provider's page follows.
    let orders = ok(server.get("/api/mall/orders", &ada).await).await;
    let id = orders[0]["id"].as_i64().unwrap();
    assert_eq!(orders[0]["delivery"]["to"], "depot", "{orders}");
    ok(server
        .send_json(
            "POST",
            &format!("/api/mall/orders/{id}/actions"),
            &ada,
            &json!({"action": "mark_paid"}),
        )
        .await)
    .await;
    app.expect_attr("mall-order-status", "data-status", "paid")
        .await;
    ctx.shot(&app, "paid").await;

    // The provider's engineer has the same Parts mall at the same price;
    // the tenant's own engineer (no provider) has none.
    app.click("logout").await;
    app.log_in(&server.base, "acme", "pe", PASSWORD).await;
    app.click("view-mall").await;
    app.expect_text("mall-offer-price", "¥160.00").await;
    app.click("mall-tab-orders").await;
    app.expect_attr("mall-order-status", "data-status", "paid")
        .await;
    app.click("logout").await;
    app.log_in(&server.base, "acme", "eve", PASSWORD).await;
    app.find("view-account").await;
    // (the tab would appear once the app's probe answers)
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(!app.exists("view-mall").await, "eve buys for no provider");
    app.close().await;
}

pub async fn engineer_sends_a_devices_parts_and_the_customer_approves_and_pays(ctx: Ctx) {
    let support = mail::account("onsite", SUPPORT_DOMAIN);
    let liu = mail::account("liu", mail::CUSTOMER_DOMAIN);
    let server = ctx.server_with(&["--allow-private-outbound"]);
    open_shop(&server, &support).await;
    // The customer's portal account (vouched for by an admin).
    server.add_customer(&liu.address, "Liu", Some("en"), "a long enough secret 42");
    // Eve's work order at the customer's site: a FD-CH-200 chiller.
    let ada = server.login("acme", "ada").await.token;
    let eve = server.login("acme", "eve").await.me.user_id;
    let order = ok(server
        .post_ok(
            "/api/work-orders",
            &ada,
            &json!({"number": "WO-PARTS-1", "customer": "Coastal Mall",
                "contact": format!("Liu 138 0000 0000 {}", liu.address),
                "address": "深圳市南山区文心五路 33 号", "order_type": "repair", "priority": "high",
                "devices": [{"serial_number": "SN-100", "model": "FD-CH-200"}]}),
        )
        .await)
    .await;
    let device = order["devices"][0]["id"].as_i64().unwrap();
    server
        .post_ok(
            &format!("/api/work-orders/{}/dispatch", order["id"]),
            &ada,
            &json!({"action": "assign", "engineers": [eve]}),
        )
        .await;

    // On site: the device's parts, sent to the customer.
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "eve", PASSWORD).await;
    app.select("language-select", "en").await;
    app.click("order-WO-PARTS-1").await;
    app.expect_text(
        "parts-none",
        "No parts ordered or proposed for this work order yet.",
    )
    .await;
    app.click(&format!("device-{device}")).await;
    app.click("device-parts-open").await;
    app.expect_count("device-part", 1).await;
    app.expect_text("device-part-customer-price", "Customer ¥128.00")
        .await;
    app.click("device-part-add").await;
    // The address comes from the work order's contact.
    app.expect_value("parts-customer-email", &liu.address).await;
    app.fill("parts-note", "The filter is clogged.").await;
    ctx.shot(&app, "proposal").await;
    app.click("parts-send").await;
    app.wait_text("device-parts-done", |t| t.contains(&liu.address))
        .await;
    app.expect_attr("parts-proposal-status", "data-status", "open")
        .await;
    app.expect_text("parts-proposal-status", "Waiting for the customer")
        .await;

    // The customer follows the mailed link, signs in, approves and pays.
    let mails = mail::wait_inbox(&liu, 1).await;
    let parsed = mail_parser::MessageParser::default()
        .parse(&mails[0].raw)
        .unwrap();
    let text = parsed.body_text(0).unwrap().into_owned();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("?proposal="))
        .unwrap_or_else(|| panic!("no link in {text}"));
    assert!(link.starts_with(&server.base), "{link}");
    let browser = fieldesk_testkit::browser::Browser::start(
        &ctx.artifacts.join(format!("{}.chromedriver.log", ctx.name)),
    )
    .await;
    let page = browser.open(&format!("{link}&lang=en")).await;
    page.fill("signin-email", &liu.address).await;
    page.fill("signin-password", "a long enough secret 42")
        .await;
    page.click("signin-submit").await;
    page.expect_attr("proposal-status", "data-status", "open")
        .await;
    page.expect_text("proposal-note", "The filter is clogged.")
        .await;
    page.expect_count("proposal-line", 1).await;
    page.wait_text("proposal-total", |t| t.contains("¥128.00"))
        .await;
    page.fill("proposal-phone", "138 0000 0000").await;
    page.fill("proposal-address", "深圳市南山区文心五路 33 号")
        .await;
    ctx.shot(&page, "approve").await;
    page.click("proposal-approve").await;
    page.expect_attr("order-status", "data-status", "pending_payment")
        .await;
    // The work order shows the approved parts' order, unpaid.
    app.expect_attr("parts-order-status", "data-status", "pending_payment")
        .await;
    page.fill("pay-card", "4242 4242 4242 4242").await;
    page.click("pay-submit").await;
    page.expect_attr("order-status", "data-status", "paid")
        .await;
    // …and paid, without reloading.
    app.expect_attr("parts-order-status", "data-status", "paid")
        .await;
    app.expect_text("parts-order-status", "Paid").await;
    ctx.shot(&app, "paid-on-work-order").await;
    // The customer's devices list the chiller with its parts.
    page.click("nav-devices").await;
    page.expect_attr("device-row", "data-model", "FD-CH-200")
        .await;
    page.click("device-parts").await;
    page.expect_count("shop-offer", 1).await;
    page.close().await;

    // Offline: the device's parts from the app's copy; ordering says it
    // needs the server.
    let _dir = server.stop();
    app.expect_attr("connection-status", "data-state", "offline")
        .await;
    app.click("device-parts-close").await;
    app.click("device-parts-open").await;
    app.wait_text("device-parts-offline", |t| t.starts_with("Offline"))
        .await;
    app.expect_count("device-part", 1).await;
    app.click("device-part-add").await;
    app.expect_attr("parts-send", "disabled", "true").await;
    app.expect_text(
        "parts-needs-server",
        "Ordering needs a connection to the server; try again when you are online.",
    )
    .await;
    ctx.shot(&app, "offline").await;
    app.close().await;
}
