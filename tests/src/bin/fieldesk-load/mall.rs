//! `fieldesk-load <server> mall`: the parts mall at bench size. 100 000
//! parts (Chinese names from a vocabulary, SKUs, device models) created
//! over the API; catalog searches (Chinese words, SKU, a device's model)
//! against the shop's cheapest answer (`GET /api/shop/{tenant}`) in the
//! same run; then 100 concurrent buyers: checkouts of a part with plenty
//! of stock (throughput, against an authenticated read of the same
//! buyers), and a race for the last 500 units of another (every unit sold
//! once, none oversold).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fieldesk_testkit::server::{PASSWORD, TestServer};
use serde_json::{Value, json};

use crate::dispatch::Rng;
use crate::{percentile, report};

const ITEMS: usize = 100_000;
const SEED_CLIENTS: usize = 32;
const SEARCHES: usize = 3_000;
const SEARCH_CLIENTS: usize = 16;
const BUYERS: usize = 100;
const ORDERS_PER_BUYER: usize = 20;
const SCARCE: u32 = 500;

const WORDS: [&str; 40] = [
    "压缩机",
    "滤网",
    "膨胀阀",
    "冷凝器",
    "蒸发器",
    "风机",
    "电机",
    "轴承",
    "密封圈",
    "传感器",
    "控制板",
    "继电器",
    "接触器",
    "电容",
    "水泵",
    "阀门",
    "管路",
    "保温棉",
    "冷媒",
    "油过滤器",
    "干燥过滤器",
    "视液镜",
    "压力表",
    "温控器",
    "变频器",
    "主板",
    "显示屏",
    "按键板",
    "线束",
    "保险丝",
    "皮带",
    "叶轮",
    "换热器",
    "储液器",
    "消音器",
    "减震垫",
    "排水管",
    "电磁阀",
    "止回阀",
    "截止阀",
];
const SERIES: [&str; 10] = ["FD", "GX", "HL", "KT", "LS", "MR", "NT", "QW", "RV", "ZX"];

fn model(n: usize) -> String {
    format!("{}-CH-{}", SERIES[n % SERIES.len()], 100 + n % 500)
}

fn item(i: usize) -> Value {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ i as u64);
    let a = WORDS[rng.below(WORDS.len())];
    let b = WORDS[rng.below(WORDS.len())];
    json!({
        "sku": format!("P-{i:06}"),
        "kind": "part",
        "name": {"zh-CN": format!("{a}{b}组件 {}", i % 997), "en": format!("Part {i}")},
        "description": {"zh-CN": format!("适用于{}系列机组的原厂{a}。", SERIES[i % SERIES.len()])},
        "original": !i.is_multiple_of(3),
        "unit": "个",
        "category": a,
        "models": [model(i), model(i + 7)],
        "list_price": {"minor": 1_000 + (i as i64 % 50_000), "currency": "CNY"},
    })
}

async fn send(server: &TestServer, method: &str, path: &str, token: &str, body: &Value) -> Value {
    let res = server.send_json(method, path, token, body).await;
    let status = res.status();
    assert!(
        status.is_success(),
        "{method} {path}: {status} {}",
        res.text().await.unwrap_or_default()
    );
    res.json().await.unwrap_or(Value::Null)
}

/// `total` calls spread over `clients` tasks; each call gets its index.
async fn spread<F, Fut>(total: usize, clients: usize, call: F) -> (Vec<Duration>, Duration)
where
    F: Fn(usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (call, next) = (call.clone(), next.clone());
            tokio::spawn(async move {
                let mut samples = vec![];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return samples;
                    }
                    let t = Instant::now();
                    call(i).await;
                    samples.push(t.elapsed());
                }
            })
        })
        .collect();
    let mut samples = vec![];
    for t in tasks {
        samples.extend(t.await.expect("client task"));
    }
    (samples, started.elapsed())
}

pub async fn run(server: &TestServer) {
    println!("server: {} (fresh SQLite data dir)", server.base);
    let ada = server.login("acme", "ada").await.token;
    send(
        server,
        "PUT",
        "/api/mall/settings",
        &ada,
        &json!({
            "enabled": true, "currency": "CNY", "mailbox_id": null, "payment_methods": ["manual"],
        }),
    )
    .await;
    let warehouse = send(
        server,
        "POST",
        "/api/mall/locations",
        &ada,
        &json!({"name": "总仓", "kind": "warehouse", "ships": true}),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    // The catalog, over the API.
    let (http, url) = (server.http.clone(), server.url("/api/mall/items"));
    let token = ada.clone();
    let (samples, wall) = spread(ITEMS, SEED_CLIENTS, move |i| {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        async move {
            let res = http
                .post(&url)
                .bearer_auth(&token)
                .json(&item(i))
                .send()
                .await
                .expect("POST item");
            assert_eq!(res.status(), 201, "item {i}");
        }
    })
    .await;
    report("create item (API, 32 clients)", samples, wall);

    // Searches: a Chinese word, two words, a SKU, a device's model.
    let mut rng = Rng(42);
    let queries: Vec<String> = (0..SEARCHES)
        .map(|n| match n % 4 {
            0 => format!("q={}", urlencode(WORDS[rng.below(WORDS.len())])),
            1 => format!(
                "q={}",
                urlencode(&format!(
                    "{} {}",
                    WORDS[rng.below(WORDS.len())],
                    WORDS[rng.below(WORDS.len())]
                ))
            ),
            2 => format!("q=P-{:06}", rng.below(ITEMS)),
            _ => format!("model={}", urlencode(&model(rng.below(ITEMS)))),
        })
        .collect();
    let queries = Arc::new(queries);
    let found = Arc::new(AtomicUsize::new(0));
    let (http, base) = (server.http.clone(), server.url("/api/shop/acme"));
    let (q, f) = (queries.clone(), found.clone());
    let (search, search_wall) = spread(SEARCHES, SEARCH_CLIENTS, move |i| {
        let (http, url, f) = (http.clone(), format!("{base}/offers?{}", q[i]), f.clone());
        async move {
            let res = http.get(&url).send().await.expect("search");
            assert_eq!(res.status(), 200);
            let offers: Vec<Value> = res.json().await.expect("offers");
            if !offers.is_empty() {
                f.fetch_add(1, Ordering::Relaxed);
            }
        }
    })
    .await;
    let (http, url) = (server.http.clone(), server.url("/api/shop/acme"));
    let (info, info_wall) = spread(SEARCHES, SEARCH_CLIENTS, move |_| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let res = http.get(&url).send().await.expect("info");
            assert_eq!(res.status(), 200);
            res.bytes().await.expect("body");
        }
    })
    .await;
    let p99 = |mut s: Vec<Duration>| {
        s.sort();
        percentile(&s, 0.99)
    };
    let (search_p99, info_p99) = (p99(search.clone()), p99(info.clone()));
    report("catalog search (100k parts)", search, search_wall);
    report("baseline GET /api/shop/acme", info, info_wall);
    println!(
        "catalog search p99 {search_p99:.2} ms = {:.1}x the baseline's {info_p99:.2} ms; {} of {SEARCHES} searches found parts",
        search_p99 / info_p99,
        found.load(Ordering::Relaxed)
    );

    // 100 buyers with their own accounts, signed in.
    let started = Instant::now();
    let mut tokens = vec![];
    for b in 0..BUYERS {
        let email = format!("buyer{b}@bench.test");
        server.add_customer(&email, &format!("Buyer {b}"), None, PASSWORD);
        let session: Value = server
            .http
            .post(server.url("/api/shop/acme/signin"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(session["token"].as_str().expect("signed in").to_owned());
    }
    println!(
        "{BUYERS} buyers added and signed in in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let roomy = ITEMS as i64 / 2;
    let scarce = roomy + 1;
    for (id, units) in [(roomy, 1_000_000), (scarce, SCARCE)] {
        send(
            server,
            "PUT",
            "/api/mall/stock",
            &ada,
            &json!({"item_id": id, "location_id": warehouse, "on_hand": units}),
        )
        .await;
    }
    let tokens = Arc::new(tokens);
    let delivery =
        json!({"to": "address", "name": "买家", "phone": "13800000000", "address": "上海市"});

    // Throughput: each buyer checks out 20 times, all at once.
    let (http, url, t, d) = (
        server.http.clone(),
        server.url("/api/shop/acme/checkout"),
        tokens.clone(),
        delivery.clone(),
    );
    let (orders, orders_wall) = spread(BUYERS * ORDERS_PER_BUYER, BUYERS, move |i| {
        let (http, url, token, d) = (http.clone(), url.clone(), t[i % BUYERS].clone(), d.clone());
        async move {
            let res = http.post(&url).bearer_auth(&token).header("idempotency-key", format!("bench-roomy-{i:08}"))
                .json(&json!({"lines": [{"item_id": roomy, "quantity": 1}], "delivery": d, "payment": "manual"}))
                .send().await.expect("checkout");
            assert_eq!(res.status(), 201);
            res.bytes().await.expect("body");
        }
    })
    .await;
    let (http, url, t) = (
        server.http.clone(),
        server.url("/api/shop/acme/me"),
        tokens.clone(),
    );
    let (reads, reads_wall) = spread(BUYERS * ORDERS_PER_BUYER, BUYERS, move |i| {
        let (http, url, token) = (http.clone(), url.clone(), t[i % BUYERS].clone());
        async move {
            let res = http.get(&url).bearer_auth(&token).send().await.expect("me");
            assert_eq!(res.status(), 200);
            res.bytes().await.expect("body");
        }
    })
    .await;
    let rate = |n: usize, w: Duration| n as f64 / w.as_secs_f64();
    let (checkout_rate, read_rate) = (
        rate(orders.len(), orders_wall),
        rate(reads.len(), reads_wall),
    );
    report("checkout (100 buyers)", orders, orders_wall);
    report("baseline GET /api/shop/acme/me", reads, reads_wall);
    println!(
        "checkout {checkout_rate:.0} orders/s = {:.2}x the baseline's {read_rate:.0} req/s",
        checkout_rate / read_rate
    );

    // The race for the last 500 units: 100 buyers, 10 tries each.
    let sold = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let (http, url, t, d) = (
        server.http.clone(),
        server.url("/api/shop/acme/checkout"),
        tokens.clone(),
        delivery,
    );
    let (s, r) = (sold.clone(), refused.clone());
    let (race, race_wall) = spread(BUYERS * 10, BUYERS, move |i| {
        let (http, url, token, d, s, r) = (http.clone(), url.clone(), t[i % BUYERS].clone(), d.clone(), s.clone(), r.clone());
        async move {
            let res = http.post(&url).bearer_auth(&token).header("idempotency-key", format!("bench-race-{i:08}"))
                .json(&json!({"lines": [{"item_id": scarce, "quantity": 1}], "delivery": d, "payment": "manual"}))
                .send().await.expect("checkout");
            match res.status().as_u16() {
                201 => s.fetch_add(1, Ordering::Relaxed),
                409 => r.fetch_add(1, Ordering::Relaxed),
                other => panic!("checkout answered {other}"),
            };
            res.bytes().await.expect("body");
        }
    })
    .await;
    report("race for the last 500 units", race, race_wall);
    let level: Vec<Value> = server
        .get(&format!("/api/mall/stock?items={scarce}"), &ada)
        .await
        .json()
        .await
        .unwrap();
    let (on_hand, reserved) = (
        level[0]["on_hand"].as_i64().unwrap(),
        level[0]["reserved"].as_i64().unwrap(),
    );
    let sold = sold.load(Ordering::Relaxed);
    println!(
        "oversell check: {sold} orders for {SCARCE} units, {} refused out of stock; stock on hand {on_hand}, reserved {reserved}",
        refused.load(Ordering::Relaxed)
    );
    assert_eq!(sold, SCARCE as usize, "every unit sold once");
    assert_eq!(
        (on_hand, reserved),
        (i64::from(SCARCE), i64::from(SCARCE)),
        "none oversold"
    );
    println!("zero oversell");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
