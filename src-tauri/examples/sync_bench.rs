//! `cargo xtask bench sync`: the engineer app's sync against the real
//! server on loopback, in release. Figures:
//! - initial pull of 50 000 change rows (plus 50 work orders of 200
//!   devices each) into a fresh local store;
//! - 10 000 local actions (the time the UI waits for each) and their push;
//! - the same rows bulk-inserted with raw rusqlite, as the baseline.
//!
//! Usage: `sync_bench SERVER_BINARY`.

use std::time::{Duration, Instant};

use fieldesk_app_lib::field::{self, engine::sync_with};
use fieldesk_app_lib::local_store::StoredSession;
use fieldesk_app_lib::server_client::{ServerClient, parse_server_url};
use fieldesk_app_lib::state::Shell;
use fieldesk_core::sync::{Envelope, Operation};
use fieldesk_testkit::server::TestServer;
use serde_json::json;

const ORDERS: usize = 50;
const DEVICES: usize = 200;
const STEPS: i64 = 5;
const PUSHED: usize = 10_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The baseline: `rows` change rows inserted with raw rusqlite in one
/// transaction, into the same table shape as the app's.
fn raw_insert(rows: &[(i64, i64, String)]) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = rusqlite::Connection::open(dir.path().join("raw.sqlite3")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch(
        "CREATE TABLE field_changes (seq INTEGER PRIMARY KEY, work_order INTEGER NOT NULL, op TEXT NOT NULL);
         CREATE INDEX field_changes_by_order ON field_changes (work_order, seq);",
    )
    .unwrap();
    let started = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO field_changes (seq, work_order, op) VALUES (?1, ?2, ?3)")
            .unwrap();
        for (seq, order, op) in rows {
            insert.execute(rusqlite::params![seq, order, op]).unwrap();
        }
    }
    tx.commit().unwrap();
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let bin = std::env::args()
        .nth(1)
        .expect("usage: sync_bench SERVER_BINARY");
    let server = TestServer::start(std::path::Path::new(&bin));
    let ada = server.login("acme", "ada").await.token;
    let eve = server.login("acme", "eve").await;
    let steps: Vec<_> = (1..=STEPS)
        .map(|id| json!({"id": id, "title": format!("Step {id}"), "kind": {"kind": "number", "unit": "bar", "min": 0.0, "max": 1000.0}}))
        .collect();
    let template: serde_json::Value = server
        .post_ok(
            "/api/templates",
            &ada,
            &json!({"name": "Bench", "steps": steps}),
        )
        .await
        .json()
        .await
        .unwrap();

    println!("sync bench: seeding {ORDERS} work orders × {DEVICES} devices × {STEPS} steps");
    let mut orders = vec![];
    for n in 0..ORDERS {
        let devices: Vec<_> = (0..DEVICES)
            .map(|d| json!({"serial_number": format!("SN-{n}-{d}")}))
            .collect();
        let order: serde_json::Value = server
            .post_ok(
                "/api/work-orders",
                &ada,
                &json!({"number": format!("B-{n}"), "customer": "Bench", "contact": "x",
                    "address": "x", "order_type": "maintenance", "priority": "normal",
                    "template_id": template["id"], "devices": devices}),
            )
            .await
            .json()
            .await
            .unwrap();
        let id = order["id"].as_i64().unwrap();
        server
            .post_ok(
                &format!("/api/work-orders/{id}/dispatch"),
                &ada,
                &json!({"action": "assign", "engineers": [eve.me.user_id]}),
            )
            .await;
        let devices: Vec<i64> = order["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect();
        orders.push((id, devices));
    }
    // 50 000 step results written by "another device", through the API.
    let mut ops = vec![];
    for (order, devices) in &orders {
        for device in devices {
            for step in 1..=STEPS {
                ops.push(Envelope {
                    op_id: format!("seed-{order}-{device}-{step}"),
                    op: Operation::StepResult {
                        work_order: *order,
                        device: *device,
                        step,
                        value: json!(step * 10),
                        base_seq: 0,
                    },
                });
            }
        }
    }
    let seeded = ops.len();
    let started = Instant::now();
    for batch in ops.chunks(500) {
        server
            .post_ok("/api/sync/push", &eve.token, &json!({ "ops": batch }))
            .await;
    }
    let server_apply = started.elapsed();
    println!(
        "server applies pushed operations: {seeded} in {:.1} s = {:.0} ops/s",
        server_apply.as_secs_f64(),
        seeded as f64 / server_apply.as_secs_f64()
    );

    // The app: a fresh local store, its first sync.
    let dir = tempfile::tempdir().unwrap();
    let shell = Shell::open(dir.path()).unwrap();
    let url = parse_server_url(&server.base).unwrap();
    shell
        .store
        .set_session(&StoredSession {
            server_url: url.to_string(),
            me: eve.me.clone(),
        })
        .unwrap();
    let client = ServerClient::default();
    let user = eve.me.user_id;
    let started = Instant::now();
    sync_with(&shell.store, &client, &url, &eve.token, user)
        .await
        .unwrap();
    let pull = started.elapsed();
    let rows = seeded + ORDERS; // the step results and the assignments
    println!(
        "initial pull into the local store: {rows} change rows + {ORDERS} work orders in {:.2} s = {:.0} rows/s",
        pull.as_secs_f64(),
        rows as f64 / pull.as_secs_f64()
    );

    // 10 000 local actions: what the engineer waits for, then the push.
    let mut waits = Vec::with_capacity(PUSHED);
    for i in 0..PUSHED {
        let (order, devices) = &orders[i % ORDERS];
        let op = Operation::StepResult {
            work_order: *order,
            device: devices[(i / ORDERS) % DEVICES],
            step: (i % STEPS as usize) as i64 + 1,
            value: json!(i % 1000),
            base_seq: 0,
        };
        let started = Instant::now();
        field::act(&shell, op).unwrap();
        waits.push(started.elapsed());
    }
    waits.sort();
    let total_acts: Duration = waits.iter().sum();
    println!(
        "local action (check + outbox write + the order as shown): p50 {:.2} ms, p99 {:.2} ms ({PUSHED} in {:.1} s)",
        ms(percentile(&waits, 0.5)),
        ms(percentile(&waits, 0.99)),
        total_acts.as_secs_f64()
    );
    let started = Instant::now();
    sync_with(&shell.store, &client, &url, &eve.token, user)
        .await
        .unwrap();
    let push = started.elapsed();
    assert_eq!(shell.store.pending_count(user).unwrap(), 0);
    println!(
        "push of the outbox (+ pull of its own changes and refresh): {PUSHED} ops in {:.2} s = {:.0} ops/s",
        push.as_secs_f64(),
        PUSHED as f64 / push.as_secs_f64()
    );

    // Baseline: the same number of rows straight into SQLite.
    let sample = serde_json::to_string(&ops[0].op).unwrap();
    let raw_rows: Vec<(i64, i64, String)> = (0..rows as i64)
        .map(|i| (i + 1, i % ORDERS as i64, sample.clone()))
        .collect();
    let raw = raw_insert(&raw_rows);
    println!(
        "baseline: raw rusqlite bulk insert of {rows} rows in {:.3} s = {:.0} rows/s; the initial pull takes {:.1}× that",
        raw.as_secs_f64(),
        rows as f64 / raw.as_secs_f64(),
        pull.as_secs_f64() / raw.as_secs_f64()
    );
    let raw_push = raw_insert(&raw_rows[..PUSHED]);
    println!(
        "baseline: raw rusqlite insert of {PUSHED} rows in {:.3} s; the app's 10k actions + push take {:.1}× that",
        raw_push.as_secs_f64(),
        (total_acts + push).as_secs_f64() / raw_push.as_secs_f64()
    );
}
