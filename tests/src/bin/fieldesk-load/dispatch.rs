//! `fieldesk-load <server> dispatch`: the server's side of dispatch at
//! bench size — 700 service groups and 300 providers with profiles (a
//! province, cities, or districts and polygons), 100 rules — then work
//! orders created one after another, each dispatched before the answer.

use std::time::{Duration, Instant};

use fieldesk_core::region::DivisionTable;
use fieldesk_testkit::server::TestServer;
use serde_json::{Value, json};

use crate::report;

const GROUPS: usize = 700;
const PROVIDERS: usize = 300;
const RULES: usize = 100;
const ORDERS: usize = 1_000;
const TYPES: [&str; 5] = ["repair", "maintenance", "install", "inspection", "recall"];

/// xorshift64*, reproducible (the mall's bench uses it too).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

async fn send(server: &TestServer, method: &str, path: &str, token: &str, body: &Value) -> Value {
    let res = server.send_json(method, path, token, body).await;
    assert!(
        res.status().is_success(),
        "{method} {path}: {}",
        res.status()
    );
    res.json().await.unwrap_or(Value::Null)
}

fn hexagon(rng: &mut Rng) -> Value {
    let (lon, lat) = (
        73.0 + rng.below(6200) as f64 / 100.0,
        18.0 + rng.below(3500) as f64 / 100.0,
    );
    let points: Vec<Value> = (0..6)
        .map(|k| {
            let a = k as f64 * std::f64::consts::PI / 3.0;
            json!([lon + 0.3 * a.cos(), lat + 0.3 * a.sin()])
        })
        .collect();
    json!({ "points": points })
}

pub async fn run(server: &TestServer) {
    let mut rng = Rng(0x5eed_d15b_a7c4);
    let table = DivisionTable::shipped();
    let codes: Vec<u32> = table.all().iter().map(|d| d.code).collect();
    let provinces: Vec<u32> = codes.iter().copied().filter(|c| c % 10_000 == 0).collect();
    let cities: Vec<u32> = codes
        .iter()
        .copied()
        .filter(|c| c % 100 == 0 && c % 10_000 != 0)
        .collect();
    let districts: Vec<u32> = codes.iter().copied().filter(|c| c % 100 != 0).collect();
    let ada = server.login("acme", "ada").await.token;

    let setup = Instant::now();
    let catalog: Vec<Value> = (0..20)
        .map(|i| json!({"key": format!("skill-{i}"), "name": format!("技能 {i}"), "levels": ["初级", "中级", "高级"]}))
        .collect();
    send(
        server,
        "PUT",
        "/api/dispatch/settings",
        &ada,
        &json!({ "catalog": catalog }),
    )
    .await;
    let levels = ["初级", "中级", "高级"];
    for i in 0..GROUPS + PROVIDERS {
        let (kind, path) = if i < GROUPS {
            ("service_group", "/api/groups")
        } else {
            ("service_provider", "/api/dispatch/providers")
        };
        let created = send(
            server,
            "POST",
            path,
            &ada,
            &json!({"name": format!("T{i}")}),
        )
        .await;
        let id = created["id"].as_i64().unwrap();
        let (divisions, polygons): (Vec<u32>, Vec<Value>) = match rng.below(10) {
            0..=2 => (vec![rng.pick(&provinces)], vec![]),
            3..=7 => (
                (0..2 + rng.below(3)).map(|_| rng.pick(&cities)).collect(),
                vec![],
            ),
            _ => (
                (0..5).map(|_| rng.pick(&districts)).collect(),
                (0..5).map(|_| hexagon(&mut rng)).collect(),
            ),
        };
        let mut skills: Vec<Value> = vec![];
        let mut held = vec![];
        for _ in 0..3 + rng.below(4) {
            let skill = rng.below(20);
            if !held.contains(&skill) {
                held.push(skill);
                skills.push(json!({"skill": format!("skill-{skill}"), "level": rng.pick(&levels)}));
            }
        }
        let profile =
            json!({"skills": skills, "region": {"divisions": divisions, "polygons": polygons}});
        send(
            server,
            "PUT",
            &format!("/api/dispatch/profiles/{kind}/{id}"),
            &ada,
            &profile,
        )
        .await;
    }
    for i in 0..RULES {
        let kinds = [rng.pick(&TYPES), rng.pick(&TYPES)];
        let rule = if i % 2 == 0 {
            json!({"kind": "skill", "name": format!("S{i}"),
                "target": if i % 3 == 0 { "service_provider" } else { "service_group" },
                "scope": [{"field": "order_type", "op": "equals", "values": [kinds[0]]},
                          {"field": "product_category", "op": "equals", "values": [format!("c{}", rng.below(10))]}],
                "skills": [{"skill": format!("skill-{}", rng.below(20)), "min_level": rng.pick(&levels[..2])}]})
        } else {
            json!({"kind": "auto", "name": format!("A{i}"), "priority": rng.below(10),
                "target": if i % 4 == 1 { "service_provider" } else { "service_group" },
                "scope": [{"field": "order_type", "op": "in", "values": kinds}]})
        };
        send(server, "POST", "/api/dispatch/rules", &ada, &rule).await;
    }
    println!(
        "dispatch setup: {} groups, {} providers with profiles, {} rules in {:.1} s",
        GROUPS,
        PROVIDERS,
        RULES,
        setup.elapsed().as_secs_f64()
    );

    let mut samples: Vec<Duration> = Vec::with_capacity(ORDERS);
    let mut assigned = 0;
    let started = Instant::now();
    for n in 0..ORDERS {
        let body = json!({
            "number": format!("WO-B-{n}"), "customer": "客户", "contact": "联系人",
            "address": "bench", "order_type": rng.pick(&TYPES),
            "product_category": format!("c{}", rng.below(10)), "priority": "normal",
            "division": rng.pick(&districts),
        });
        let t = Instant::now();
        let order = send(server, "POST", "/api/work-orders", &ada, &body).await;
        samples.push(t.elapsed());
        if !order["target"].is_null() {
            assigned += 1;
        }
    }
    report("create + dispatch (1 client)", samples, started.elapsed());
    println!("  {assigned} of {ORDERS} orders dispatched to a target");
}
