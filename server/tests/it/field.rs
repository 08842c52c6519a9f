//! Field service over the real server: work orders, dispatch, and the
//! offline sync protocol (push once, pull after a cursor, conflicts kept).

use fieldesk_core::event::ServerEvent;
use fieldesk_core::sync::{Outcome, PullAnswer, PushAnswer, RejectReason};
use fieldesk_core::work_order::{WorkOrderStatus, WorkOrderView};
use fieldesk_testkit::chat::StaffEvents;
use fieldesk_testkit::server::{TestServer, expect_error};
use serde_json::{Value, json};

use crate::{bin, png_image, sha256_hex};

async fn new_order(server: &TestServer, token: &str, number: &str) -> WorkOrderView {
    let body = json!({
        "number": number, "customer": "Acme Hospital", "contact": "Li 138-0000-0000",
        "address": "深圳市南山区科技园 1 号", "order_type": "maintenance", "priority": "high",
        "devices": [{"serial_number": "SN-1", "model": "X200"}, {"serial_number": "SN-2", "model": "X200"}]
    });
    server
        .post_ok("/api/work-orders", token, &body)
        .await
        .json()
        .await
        .unwrap()
}

async fn push(server: &TestServer, token: &str, ops: Value) -> Vec<PushAnswer> {
    server
        .post_ok("/api/sync/push", token, &json!({ "ops": ops }))
        .await
        .json()
        .await
        .unwrap()
}

async fn pull(server: &TestServer, token: &str, after: u64) -> PullAnswer {
    let res = server
        .get(&format!("/api/sync/pull?after={after}"), token)
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn transition(op_id: &str, work_order: i64, action: &str) -> Value {
    json!({"op_id": op_id, "op": {"kind": "transition", "work_order": work_order, "action": action}})
}

fn step(op_id: &str, work_order: i64, device: i64, value: Value, base_seq: u64) -> Value {
    json!({"op_id": op_id, "op": {"kind": "step_result", "work_order": work_order,
        "device": device, "step": 1, "value": value, "base_seq": base_seq}})
}

#[tokio::test]
async fn engineers_sync_their_work_exactly_once_and_conflicts_are_kept() {
    let server = TestServer::start(bin());
    let sam = server.login("acme", "sam").await.token;
    let eve = server.login("acme", "eve").await;
    let order = new_order(&server, &sam, "WO-0001").await;
    assert_eq!(order.status, WorkOrderStatus::New);
    assert_eq!(order.devices.len(), 2);
    let (id, d1) = (order.id, order.devices[0].id);

    // Not assigned yet: Eve does not see it, and cannot act on it.
    let res = server
        .get(&format!("/api/work-orders/{id}"), &eve.token)
        .await;
    expect_error(res, 404, "not_found").await;
    let answers = push(
        &server,
        &eve.token,
        json!([transition("e-0", id, "accept")]),
    )
    .await;
    assert_eq!(
        answers[0].outcome,
        Outcome::Rejected {
            reason: RejectReason::UnknownWorkOrder
        }
    );

    // Assigning tells Eve's app to pull.
    let mut events = StaffEvents::connect(&server.ws_url(), &eve.token).await;
    let body = json!({"action": "assign", "engineers": [eve.me.user_id]});
    let assigned: WorkOrderView = server
        .post_ok(&format!("/api/work-orders/{id}/dispatch"), &sam, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (assigned.status, assigned.assignees.clone()),
        (WorkOrderStatus::Assigned, vec![eve.me.user_id])
    );
    events
        .wait_for("sync available", |e| {
            matches!(e, ServerEvent::SyncAvailable { .. })
        })
        .await;
    let first = pull(&server, &eve.token, 0).await;
    assert_eq!(first.statuses, vec![(id, WorkOrderStatus::Assigned)]);

    // Offline work, pushed twice (the answer was lost the first time).
    let batch = json!([
        transition("e-1", id, "accept"),
        transition("e-2", id, "start"),
        step("e-3", id, d1, json!({"checked": true}), 0),
        transition("e-4", id, "close"),
    ]);
    let once = push(&server, &eve.token, batch.clone()).await;
    let twice = push(&server, &eve.token, batch).await;
    assert_eq!(once, twice, "a retry gets the same answers");
    assert!(matches!(once[0].outcome, Outcome::Applied { .. }));
    assert!(matches!(once[2].outcome, Outcome::Applied { .. }));
    assert_eq!(
        once[3].outcome,
        Outcome::Rejected {
            reason: RejectReason::NotAllowed
        },
        "engineers do not close"
    );
    let view: WorkOrderView = server
        .get(&format!("/api/work-orders/{id}"), &eve.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view.status, WorkOrderStatus::InProgress);
    assert_eq!(view.steps.len(), 1);
    let pulled = pull(&server, &eve.token, first.cursor).await;
    assert_eq!(pulled.changes.len(), 3, "accept, start, step: once each");

    // Two devices edit the same step: the last wins, the other is kept.
    let seen = view.steps[0].seq;
    let a = push(
        &server,
        &eve.token,
        json!([step("tablet-1", id, d1, json!(21.5), seen)]),
    )
    .await;
    assert!(matches!(a[0].outcome, Outcome::Applied { .. }));
    let b = push(
        &server,
        &eve.token,
        json!([step("phone-1", id, d1, json!(22.0), seen)]),
    )
    .await;
    assert!(
        matches!(&b[0].outcome, Outcome::AppliedOver { previous, .. } if *previous == json!(21.5)),
        "{b:?}"
    );
    let view: WorkOrderView = server
        .get(&format!("/api/work-orders/{id}"), &sam)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view.steps[0].value, json!(22.0));
    let replaced: Vec<&Value> = view.replaced.iter().map(|r| &r.value).collect();
    assert_eq!(replaced, vec![&json!({"checked": true}), &json!(21.5)]);

    // An illegal dispatch is a localized 409; a legal one goes through.
    let res = server
        .send_json(
            "POST",
            &format!("/api/work-orders/{id}/dispatch"),
            &sam,
            &json!({"action": "close"}),
        )
        .await;
    expect_error(res, 409, "illegal_transition").await;
    push(
        &server,
        &eve.token,
        json!([transition("e-5", id, "complete")]),
    )
    .await;
    let closed: WorkOrderView = server
        .post_ok(
            &format!("/api/work-orders/{id}/dispatch"),
            &sam,
            &json!({"action": "close"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed.status, WorkOrderStatus::Closed);
}

#[tokio::test]
async fn work_orders_are_scoped_and_validated() {
    let server = TestServer::start(bin());
    let sam = server.login("acme", "sam").await.token;
    let eve = server.login("acme", "eve").await.token;
    let alice = server.login("acme", "alice").await.token;
    let gina = server.login("globex", "gina").await.token;
    let order = new_order(&server, &sam, "WO-0002").await;
    // A taken number, empty fields, engineers creating orders, agents reading them.
    let dup = json!({"number": "WO-0002", "customer": "x", "contact": "x", "address": "x",
        "order_type": "x", "priority": "low"});
    expect_error(
        server
            .send_json("POST", "/api/work-orders", &sam, &dup)
            .await,
        409,
        "conflict",
    )
    .await;
    let mut empty = dup.clone();
    empty["number"] = json!(" ");
    expect_error(
        server
            .send_json("POST", "/api/work-orders", &sam, &empty)
            .await,
        400,
        "bad_request",
    )
    .await;
    expect_error(
        server
            .send_json("POST", "/api/work-orders", &eve, &dup)
            .await,
        403,
        "forbidden",
    )
    .await;
    expect_error(
        server.get("/api/work-orders", &alice).await,
        403,
        "forbidden",
    )
    .await;
    // Another tenant sees nothing of it.
    expect_error(
        server
            .get(&format!("/api/work-orders/{}", order.id), &gina)
            .await,
        404,
        "not_found",
    )
    .await;
    let mine: Vec<Value> = server
        .get("/api/work-orders", &eve)
        .await
        .json()
        .await
        .unwrap();
    assert!(mine.is_empty());
    // Only engineers can be assigned; bad op ids are refused.
    let alice_id = server.login("acme", "alice").await.me.user_id;
    let res = server
        .send_json(
            "POST",
            &format!("/api/work-orders/{}/dispatch", order.id),
            &sam,
            &json!({"action": "assign", "engineers": [alice_id]}),
        )
        .await;
    expect_error(res, 400, "bad_request").await;
    let res = server
        .send_json(
            "POST",
            "/api/sync/push",
            &eve,
            &json!({"ops": [transition("bad id", order.id, "accept")]}),
        )
        .await;
    expect_error(res, 400, "bad_request").await;
}

#[tokio::test]
async fn templates_check_scan_fields_and_step_results() {
    let server = TestServer::start(bin());
    let ada = server.login("acme", "ada").await.token;
    let sam = server.login("acme", "sam").await.token;
    let eve = server.login("acme", "eve").await;
    let fields = json!([
        {"key": "custom.unit_no", "field_type": {"type": "number"}},
        {"key": "custom.notes", "field_type": {"type": "multi_line_text"}}
    ]);
    let res = server
        .send_json("PUT", "/api/device-fields", &ada, &fields)
        .await;
    assert_eq!(res.status(), 200);
    let listed: Vec<Value> = res.json().await.unwrap();
    assert_eq!(listed.len(), 5, "3 built-in + 2 custom");

    let steps = json!([
        {"id": 1, "title": "Power off", "kind": {"kind": "check"}},
        {"id": 2, "title": "Outlet temperature", "kind": {"kind": "number", "unit": "°C", "min": 4.0, "max": 12.0}},
        {"id": 3, "title": "Remarks", "kind": {"kind": "text"}, "required": false}
    ]);
    let bad = json!({"name": "Chiller check", "steps": steps, "scan_field": "custom.notes"});
    let res = server.send_json("POST", "/api/templates", &ada, &bad).await;
    let message = expect_error(res, 400, "scan_field_not_matchable").await;
    // No Accept-Language: the default, Simplified Chinese.
    assert!(message.contains("单行文本"), "{message}");
    let good = json!({"name": "Chiller check", "steps": steps, "scan_field": "custom.unit_no"});
    let template: Value = server
        .post_ok("/api/templates", &ada, &good)
        .await
        .json()
        .await
        .unwrap();
    expect_error(
        server
            .send_json("POST", "/api/templates", &ada, &good)
            .await,
        409,
        "conflict",
    )
    .await;
    expect_error(
        server
            .send_json("POST", "/api/templates", &sam, &good)
            .await,
        403,
        "forbidden",
    )
    .await;

    let mut body = json!({
        "number": "WO-0100", "customer": "Acme Hospital", "contact": "Li", "address": "Nanshan",
        "order_type": "maintenance", "priority": "normal", "template_id": 999,
        "devices": [{"serial_number": "SN-1", "custom.unit_no": 1}, {"serial_number": "SN-2", "custom.unit_no": 2}]
    });
    expect_error(
        server
            .send_json("POST", "/api/work-orders", &sam, &body)
            .await,
        404,
        "not_found",
    )
    .await;
    body["template_id"] = template["id"].clone();
    let order: WorkOrderView = server
        .post_ok("/api/work-orders", &sam, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order.template.as_ref().unwrap().steps.len(), 3);
    let (id, d1, d2) = (order.id, order.devices[0].id, order.devices[1].id);
    let assign = json!({"action": "assign", "engineers": [eve.me.user_id]});
    server
        .post_ok(&format!("/api/work-orders/{id}/dispatch"), &sam, &assign)
        .await;
    push(
        &server,
        &eve.token,
        json!([
            transition("t-1", id, "accept"),
            transition("t-2", id, "start")
        ]),
    )
    .await;

    let step_op = |op_id: &str, device: i64, step_id: i64, value: Value| {
        json!({"op_id": op_id, "op": {"kind": "step_result", "work_order": id, "device": device,
            "step": step_id, "value": value, "base_seq": 0}})
    };
    let answers = push(
        &server,
        &eve.token,
        json!([
            step_op("s-1", d1, 9, json!(true)),
            step_op("s-2", d1, 2, json!(30)),
            step_op("s-3", d1, 1, json!("yes")),
            step_op("s-4", 424242, 1, json!(true)),
            step_op("s-5", d1, 1, json!(true)),
            step_op("s-6", d1, 2, json!(7.5)),
            transition("s-7", id, "complete"),
        ]),
    )
    .await;
    let reasons: Vec<_> = answers.iter().map(|a| a.outcome.clone()).collect();
    let rejected = |reason| Outcome::Rejected { reason };
    assert_eq!(reasons[0], rejected(RejectReason::UnknownStep));
    assert_eq!(reasons[1], rejected(RejectReason::OutOfRange));
    assert_eq!(reasons[2], rejected(RejectReason::InvalidValue));
    assert_eq!(reasons[3], rejected(RejectReason::UnknownDevice));
    assert!(matches!(reasons[4], Outcome::Applied { .. }));
    assert!(matches!(reasons[5], Outcome::Applied { .. }));
    assert_eq!(
        reasons[6],
        rejected(RejectReason::StepsMissing),
        "device 2 is not done"
    );

    let answers = push(
        &server,
        &eve.token,
        json!([
            step_op("s-8", d2, 1, json!(true)),
            step_op("s-9", d2, 2, json!(11)),
            transition("s-10", id, "complete"),
        ]),
    )
    .await;
    assert!(
        matches!(answers[2].outcome, Outcome::Applied { .. }),
        "{answers:?}"
    );
}

/// Pushes a batch; `None` when the answer never arrives (server gone).
async fn try_push(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    ops: &[Value],
) -> Option<Vec<PushAnswer>> {
    let res = http
        .post(format!("{base}/api/sync/push"))
        .bearer_auth(token)
        .json(&json!({ "ops": ops }))
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    res.json().await.ok()
}

/// Randomized rounds against the real server: two devices of one engineer
/// record work offline and push it in batches that are sometimes sent
/// twice, lose their answer, or are cut by the server being killed in the
/// middle; the server restarts on the same SQLite file. In the end every
/// operation was applied exactly once or rejected with a reason, and both
/// devices agree with the server.
#[tokio::test]
async fn randomized_offline_rounds_with_server_kills_converge() {
    use fieldesk_core::sync::{Envelope, Operation, Replica};
    use std::collections::HashMap;

    let mut server = TestServer::start(bin());
    let sam = server.login("acme", "sam").await.token;
    let eve = server.login("acme", "eve").await;
    let mut orders = vec![];
    for n in 0..2 {
        let order = new_order(&server, &sam, &format!("WO-R{n}")).await;
        let assign = json!({"action": "assign", "engineers": [eve.me.user_id]});
        server
            .post_ok(
                &format!("/api/work-orders/{}/dispatch", order.id),
                &sam,
                &assign,
            )
            .await;
        orders.push((order.id, order.devices[0].id, order.devices[1].id));
    }
    let addr = server.addr().to_owned();
    let http = reqwest::Client::new();
    let mut replicas = [Replica::default(), Replica::default()];
    let mut rng: u64 = 0x2545_F491_4F6C_DD1D;
    let mut below = |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let actions = ["accept", "depart", "start", "decline", "complete"];
    let mut issued = 0usize;
    let mut kills = 0;
    for round in 0..80 {
        let r = below(2) as usize;
        match below(6) {
            0..=2 => {
                let (wo, d1, d2) = orders[below(2) as usize];
                let op = if below(3) == 0 {
                    Operation::Transition {
                        work_order: wo,
                        action: serde_json::from_value(json!(actions[below(5) as usize])).unwrap(),
                    }
                } else {
                    let device = if below(2) == 0 { d1 } else { d2 };
                    let base_seq = replicas[r].seen((wo, device, 1));
                    Operation::StepResult {
                        work_order: wo,
                        device,
                        step: 1,
                        value: json!(below(100)),
                        base_seq,
                    }
                };
                replicas[r].record(format!("dev{r}-{round}"), op);
                issued += 1;
            }
            3 | 4 => {
                let batch: Vec<Value> = replicas[r]
                    .batch(1 + below(5) as usize)
                    .iter()
                    .map(|e| serde_json::to_value(e).unwrap())
                    .collect();
                if below(4) == 0 {
                    // The server is killed while the batch is on its way.
                    let (http2, base, token, ops) = (
                        http.clone(),
                        server.base.clone(),
                        eve.token.clone(),
                        batch.clone(),
                    );
                    let pushing =
                        tokio::spawn(async move { try_push(&http2, &base, &token, &ops).await });
                    tokio::time::sleep(std::time::Duration::from_millis(below(5))).await;
                    let dir = server.stop();
                    kills += 1;
                    let answers = pushing.await.unwrap();
                    server = TestServer::serve(bin(), dir, &addr, &[]);
                    if let Some(answers) = answers {
                        let outcomes: Vec<_> =
                            answers.into_iter().map(|a| (a.op_id, a.outcome)).collect();
                        replicas[r].acknowledge(&outcomes);
                    }
                } else if let Some(answers) =
                    try_push(&http, &server.base, &eve.token, &batch).await
                {
                    if below(3) == 0 {
                        // Sent twice: the second answer must be the same.
                        let again = try_push(&http, &server.base, &eve.token, &batch)
                            .await
                            .unwrap();
                        assert_eq!(again, answers);
                    }
                    if below(4) != 0 {
                        let outcomes: Vec<_> =
                            answers.into_iter().map(|a| (a.op_id, a.outcome)).collect();
                        replicas[r].acknowledge(&outcomes);
                    }
                }
            }
            _ => {
                let answer = pull(&server, &eve.token, replicas[r].cursor).await;
                let statuses: HashMap<_, _> = answer.statuses.into_iter().collect();
                replicas[r].pull(&answer.changes, &statuses);
            }
        }
    }
    assert!(kills > 0, "the rounds killed the server at least once");
    // Everyone syncs to the end.
    for replica in &mut replicas {
        while !replica.outbox.is_empty() {
            let batch: Vec<Envelope> = replica.batch(10);
            let ops: Vec<Value> = batch
                .iter()
                .map(|e| serde_json::to_value(e).unwrap())
                .collect();
            let answers = try_push(&http, &server.base, &eve.token, &ops)
                .await
                .unwrap();
            let outcomes: Vec<_> = answers.into_iter().map(|a| (a.op_id, a.outcome)).collect();
            replica.acknowledge(&outcomes);
        }
    }
    let everything = pull(&server, &sam, 0).await;
    let engineer_ops: Vec<&String> = everything
        .changes
        .iter()
        .map(|c| &c.op_id)
        .filter(|id| id.starts_with("dev"))
        .collect();
    let mut distinct = engineer_ops.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        engineer_ops.len(),
        "no operation applied twice"
    );
    let rejected: usize = replicas.iter().map(|r| r.rejected.len()).sum();
    assert_eq!(
        engineer_ops.len() + rejected,
        issued,
        "every operation applied once or rejected"
    );
    for replica in &mut replicas {
        let answer = pull(&server, &eve.token, replica.cursor).await;
        let statuses: HashMap<_, _> = answer.statuses.into_iter().collect();
        replica.pull(&answer.changes, &statuses);
    }
    for (wo, _, _) in &orders {
        let view: WorkOrderView = server
            .get(&format!("/api/work-orders/{wo}"), &sam)
            .await
            .json()
            .await
            .unwrap();
        for s in &view.steps {
            for replica in &replicas {
                assert_eq!(
                    replica.steps.get(&(*wo, s.device, s.step)),
                    Some(&(s.seq, s.value.clone())),
                    "device and server agree"
                );
            }
        }
        for replica in &replicas {
            assert_eq!(replica.statuses.get(wo), Some(&view.status));
        }
    }
}

#[tokio::test]
async fn a_full_push_batch_fits_and_an_oversize_one_is_refused_clearly() {
    let server = TestServer::start(bin());
    let sam = server.login("acme", "sam").await.token;
    let eve = server.login("acme", "eve").await;
    let order = new_order(&server, &sam, "WO-0100").await;
    let body = json!({"action": "assign", "engineers": [eve.me.user_id]});
    server
        .post_ok(
            &format!("/api/work-orders/{}/dispatch", order.id),
            &sam,
            &body,
        )
        .await;
    let note = |n: usize, len: usize| json!({"op_id": format!("n-{n}"), "op": {"kind": "note", "work_order": order.id, "text": "记".repeat(len)}});
    // 500 notes of 200 characters: far over the 64 KiB of other requests.
    let batch: Vec<Value> = (0..500).map(|n| note(n, 200)).collect();
    let answers = push(&server, &eve.token, Value::Array(batch)).await;
    assert_eq!(answers.len(), 500);
    assert!(
        answers
            .iter()
            .all(|a| matches!(a.outcome, Outcome::Applied { .. }))
    );
    // Over the push limit: a localized 413, nothing applied.
    let huge: Vec<Value> = (500..800).map(|n| note(n, 1500)).collect();
    let res = server
        .send_json(
            "POST",
            "/api/sync/push",
            &eve.token,
            &json!({ "ops": huge }),
        )
        .await;
    expect_error(res, 413, "payload_too_large").await;
    let log = pull(&server, &eve.token, 0).await;
    assert_eq!(log.changes.len(), 501, "the assignment and 500 notes");
}

#[tokio::test]
async fn photo_steps_name_uploaded_images() {
    let server = TestServer::start(bin());
    let ada = server.login("acme", "ada").await.token;
    let eve = server.login("acme", "eve").await;
    let template: Value = server
        .post_ok(
            "/api/templates",
            &ada,
            &json!({"name": "Photo check", "steps": [
                {"id": 1, "title": "Nameplate photo", "kind": {"kind": "photo"}},
                {"id": 2, "title": "Customer signature", "kind": {"kind": "signature"}}
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"number": "WO-P1", "customer": "x", "contact": "x", "address": "x",
        "order_type": "repair", "priority": "normal", "template_id": template["id"],
        "devices": [{"serial_number": "SN-P"}]});
    let order: WorkOrderView = server
        .post_ok("/api/work-orders", &ada, &body)
        .await
        .json()
        .await
        .unwrap();
    let assign = json!({"action": "assign", "engineers": [eve.me.user_id]});
    server
        .post_ok(
            &format!("/api/work-orders/{}/dispatch", order.id),
            &ada,
            &assign,
        )
        .await;
    let png = png_image(8, 1);
    let id = sha256_hex(&png);
    let d = order.devices[0].id;

    // Named before it is uploaded: refused, so no step points at nothing.
    let early = push(
        &server,
        &eve.token,
        json!([step("p-1", order.id, d, json!(id), 0)]),
    )
    .await;
    assert_eq!(
        early[0].outcome,
        Outcome::Rejected {
            reason: RejectReason::InvalidValue
        }
    );
    let put = |id: String, bytes: Vec<u8>| {
        let req = server
            .http
            .put(server.url(&format!("/api/photos/{id}")))
            .bearer_auth(&eve.token)
            .body(bytes);
        async move { req.send().await.unwrap() }
    };
    expect_error(put("0".repeat(64), png.clone()).await, 400, "bad_request").await;
    let gif = b"GIF89a....".to_vec();
    let gif_id = sha256_hex(&gif);
    expect_error(put(gif_id, gif).await, 422, "unreadable_image").await;
    // A PNG signature on anything else is no image: it is decoded whole.
    let fake = b"\x89PNG\r\n\x1a\n<script>alert(1)</script>".to_vec();
    expect_error(put(sha256_hex(&fake), fake).await, 422, "unreadable_image").await;
    let mut cut = png_image(64, 2);
    cut.truncate(cut.len() / 2);
    expect_error(put(sha256_hex(&cut), cut).await, 422, "unreadable_image").await;
    let big = vec![0xffu8; 5 * 1024 * 1024];
    let big_id = sha256_hex(&big);
    // Over 4 MiB: a localized 413 — or, when the server answers before
    // the client has finished sending 5 MiB, a closed connection. Either
    // way nothing is stored. Its own client: a connection the server cut
    // off must not go back into the shared pool.
    let once = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let oversize = once
        .put(server.url(&format!("/api/photos/{big_id}")))
        .bearer_auth(&eve.token)
        .body(big)
        .send()
        .await;
    match oversize {
        Ok(res) => {
            expect_error(res, 413, "payload_too_large").await;
        }
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    let res = server.get(&format!("/api/photos/{big_id}"), &ada).await;
    expect_error(res, 404, "not_found").await;
    assert_eq!(put(id.clone(), png.clone()).await.status(), 204);
    assert_eq!(
        put(id.clone(), png.clone()).await.status(),
        204,
        "again: no-op"
    );

    let later = push(
        &server,
        &eve.token,
        json!([step("p-2", order.id, d, json!(id), 0)]),
    )
    .await;
    assert!(matches!(later[0].outcome, Outcome::Applied { .. }));
    let res = server.get(&format!("/api/photos/{id}"), &ada).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    // Another tenant's admin cannot see it.
    let gina = server.login("globex", "gina").await.token;
    let res = server.get(&format!("/api/photos/{id}"), &gina).await;
    expect_error(res, 404, "not_found").await;
}

#[tokio::test]
async fn service_addresses_resolve_to_divisions_or_stay_unresolved() {
    let server = TestServer::start(bin());
    let sam = server.login("acme", "sam").await.token;
    let create = |number: &str, address: &str, extra: Value| {
        let mut body = json!({"number": number, "customer": "x", "contact": "x",
            "address": address, "order_type": "repair", "priority": "normal"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let server = &server;
        let sam = sam.clone();
        async move {
            server
                .send_json("POST", "/api/work-orders", &sam, &body)
                .await
        }
    };
    for (number, address, extra, division) in [
        ("D-1", "广东省深圳市南山区科技园", json!({}), Some(440305)),
        // Without the district's full name the order belongs to the city
        // (南山 may be a street: 南山大道).
        ("D-2", "深圳南山 海岸城", json!({}), Some(440300)),
        ("D-6", "广东省深圳市南山大道1号", json!({}), Some(440300)),
        // County-level cities directly under a province.
        ("D-7", "河南省济源市济水大道", json!({}), Some(419001)),
        ("D-8", "湖北省仙桃市", json!({}), Some(429004)),
        ("D-3", "北京市朝阳区建国路", json!({}), Some(110105)),
        // 南山区 is in Shenzhen and in Hegang: left unresolved, not guessed.
        ("D-4", "南山区科技园", json!({}), None),
        // A picked division wins over the text.
        (
            "D-5",
            "科技园",
            json!({"division": 330106, "point": [120.1, 30.3]}),
            Some(330106),
        ),
    ] {
        let res = create(number, address, extra).await;
        assert_eq!(res.status(), 201, "{number}");
        let view: WorkOrderView = res.json().await.unwrap();
        assert_eq!(view.division, division, "{address}");
    }
    let all: Vec<WorkOrderView> = server
        .get("/api/work-orders", &sam)
        .await
        .json()
        .await
        .unwrap();
    let held = all.iter().find(|o| o.number == "D-5").unwrap();
    assert_eq!(held.point, Some((120.1, 30.3)), "kept");
    // Unknown codes and impossible points are refused.
    for extra in [
        json!({"division": 999_999}),
        json!({"point": [200.0, 10.0]}),
    ] {
        let res = create("D-9", "x", extra).await;
        expect_error(res, 400, "bad_request").await;
    }

    // The picker: provinces, children, search.
    let list = |path: &'static str| {
        let req = server.get(path, &sam);
        async move { req.await.json::<Vec<Value>>().await.unwrap() }
    };
    assert_eq!(list("/api/divisions").await.len(), 34);
    let shenzhen = list("/api/divisions?parent=440300").await;
    assert!(
        shenzhen
            .iter()
            .any(|d| d["code"] == 440305 && d["name"] == "南山区")
    );
    let found = list("/api/divisions?q=%E5%8D%97%E5%B1%B1").await; // 南山
    assert!(found.len() >= 2, "{found:?}");
}

#[tokio::test]
async fn another_engineers_op_id_is_not_ours() {
    let server = TestServer::start(bin());
    server.add_user("fred", "engineer", "Fred Engineer");
    let sam = server.login("acme", "sam").await.token;
    let eve = server.login("acme", "eve").await;
    let fred = server.login("acme", "fred").await;
    let mut orders = Vec::new();
    for (number, engineer) in [("WO-E", eve.me.user_id), ("WO-F", fred.me.user_id)] {
        let order = new_order(&server, &sam, number).await;
        let body = json!({"action": "assign", "engineers": [engineer]});
        server
            .post_ok(
                &format!("/api/work-orders/{}/dispatch", order.id),
                &sam,
                &body,
            )
            .await;
        orders.push(order.id);
    }
    let eves = push(
        &server,
        &eve.token,
        json!([transition("op-1", orders[0], "accept")]),
    )
    .await;
    assert!(matches!(eves[0].outcome, Outcome::Applied { .. }));
    // Fred's device happens to use (or replays) the same op id: his own
    // operation is applied, and he never sees Eve's outcome.
    let freds = push(
        &server,
        &fred.token,
        json!([transition("op-1", orders[1], "accept")]),
    )
    .await;
    assert!(
        matches!(freds[0].outcome, Outcome::Applied { .. }),
        "{freds:?}"
    );
    assert_ne!(freds, eves, "Fred got Eve's answer");
    let view: WorkOrderView = server
        .get(&format!("/api/work-orders/{}", orders[1]), &fred.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view.status, WorkOrderStatus::Accepted);
    // His retry is still exactly once.
    let again = push(
        &server,
        &fred.token,
        json!([transition("op-1", orders[1], "accept")]),
    )
    .await;
    assert_eq!(again, freds);
}

#[tokio::test]
async fn photos_stop_at_the_tenants_quota_and_retries_still_pass() {
    let server = TestServer::start_with(bin(), &["--photo-quota-mib", "1"], true);
    let eve = server.login("acme", "eve").await.token;
    let put = |bytes: Vec<u8>| {
        let req = server
            .http
            .put(server.url(&format!("/api/photos/{}", sha256_hex(&bytes))))
            .header("accept-language", "en")
            .bearer_auth(&eve)
            .body(bytes);
        async move { req.send().await.unwrap() }
    };
    // ~600 KB each: the first fits in 1 MiB, the second does not.
    let first = png_image(450, 3);
    let second = png_image(450, 4);
    assert!(first.len() > 512 * 1024, "{}", first.len());
    assert_eq!(put(first.clone()).await.status(), 204);
    let message = expect_error(put(second).await, 413, "photo_quota_exceeded").await;
    assert!(message.contains("photo storage"), "{message}");
    // A retry of what is stored is not new storage.
    assert_eq!(put(first).await.status(), 204);
    // Another tenant has its own quota.
    let gina = server.login("globex", "gina").await.token;
    let third = png_image(300, 5);
    let res = server
        .http
        .put(server.url(&format!("/api/photos/{}", sha256_hex(&third))))
        .bearer_auth(&gina)
        .body(third)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

/// The app checks every local action with `core::offline::apply_local` on
/// the order as pulled; the server decides every push. Over the same
/// random operations by a lead, a collaborator, an engineer not on the
/// order and a dispatcher, the two must give the same verdict, reason
/// included.
#[tokio::test]
async fn the_apps_check_and_the_servers_push_agree_on_random_operations() {
    use fieldesk_core::apply::Pusher;
    use fieldesk_core::offline::apply_local;
    use fieldesk_core::sync::Operation;
    use fieldesk_core::work_order::WorkOrderAction;

    let server = TestServer::start(bin());
    for name in ["col", "out"] {
        server.add_user(name, "engineer", name);
    }
    let ada = server.login("acme", "ada").await.token;
    let sam = server.login("acme", "sam").await;
    let lead = server.login("acme", "eve").await;
    let col = server.login("acme", "col").await;
    let out = server.login("acme", "out").await;
    let template: Value = server
        .post_ok(
            "/api/templates",
            &ada,
            &json!({"name": "Yearly check", "steps": [
                {"id": 1, "title": "Power off", "kind": {"kind": "check"}},
                {"id": 2, "title": "Outlet", "kind": {"kind": "number", "unit": "°C", "min": 4.0, "max": 12.0}},
                {"id": 3, "title": "Remarks", "kind": {"kind": "text"}, "required": false},
                {"id": 4, "title": "Nameplate", "kind": {"kind": "photo"}, "required": false}
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"number": "WO-V1", "customer": "x", "contact": "x", "address": "x",
        "order_type": "repair", "priority": "normal", "template_id": template["id"],
        "devices": [{"serial_number": "SN-V1"}, {"serial_number": "SN-V2"}]});
    let order: WorkOrderView = server
        .post_ok("/api/work-orders", &ada, &body)
        .await
        .json()
        .await
        .unwrap();
    // A provider's crew: eve leads, col collaborates.
    let provider: Value = server
        .post_ok(
            "/api/dispatch/providers",
            &sam.token,
            &json!({"name": "P", "member_ids": [lead.me.user_id, col.me.user_id]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut settings: Value = server
        .get("/api/dispatch/settings", &ada)
        .await
        .json()
        .await
        .unwrap();
    settings["provider_collaborators"] = json!(true);
    server
        .send_json("PUT", "/api/dispatch/settings", &ada, &settings)
        .await;
    let path = |what: &str| format!("/api/work-orders/{}/{what}", order.id);
    let target = json!({"kind": "service_provider", "id": provider["id"]});
    server.post_ok(&path("target"), &sam.token, &target).await;
    let crew = json!({"lead": lead.me.user_id, "collaborators": [col.me.user_id]});
    let crewed: WorkOrderView = server
        .post_ok(&path("crew"), &sam.token, &crew)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(crewed.lead, Some(lead.me.user_id));
    // One uploaded photo (the app uploads before it pushes the step).
    let png = png_image(8, 3);
    let photo = sha256_hex(&png);
    let res = server
        .http
        .put(server.url(&format!("/api/photos/{photo}")))
        .bearer_auth(&lead.token)
        .body(png)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    let people = [(&lead, false), (&col, false), (&out, false), (&sam, true)];
    let (d1, d2) = (order.devices[0].id, order.devices[1].id);
    let values = [
        json!(true),
        json!(false),
        json!(3),
        json!(7.5),
        json!(20),
        json!("looks fine"),
        json!(""),
        json!(photo),
        json!("not-a-photo-id"),
        Value::Null,
    ];
    let actions = [
        WorkOrderAction::Assign,
        WorkOrderAction::Accept,
        WorkOrderAction::Decline,
        WorkOrderAction::Depart,
        WorkOrderAction::Start,
        WorkOrderAction::Complete,
        WorkOrderAction::Close,
        WorkOrderAction::Reopen,
        WorkOrderAction::Cancel,
    ];
    let notes = ["", "   ", "pump checked", &"字".repeat(4001)];
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut below = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let (mut applied, mut rejected) = (0, 0);
    let mut reasons = std::collections::BTreeSet::new();
    for n in 0..400 {
        let (who, dispatcher) = people[below(people.len())];
        let op = match below(3) {
            0 => Operation::Transition {
                work_order: order.id,
                action: actions[below(actions.len())],
            },
            1 => Operation::StepResult {
                work_order: order.id,
                device: [d1, d2, d2 + 1000][below(3)],
                step: [1, 2, 3, 4, 99][below(5)],
                value: values[below(values.len())].clone(),
                base_seq: 0,
            },
            _ => Operation::Note {
                work_order: order.id,
                text: notes[below(notes.len())].to_owned(),
            },
        };
        // The app's verdict on the order as it would have pulled it (an
        // order the user may not see is not on their device).
        let res = server
            .get(&format!("/api/work-orders/{}", order.id), &who.token)
            .await;
        let mut shown: Option<WorkOrderView> = match res.status().as_u16() {
            200 => Some(res.json().await.unwrap()),
            404 => None,
            other => panic!("GET the order: {other}"),
        };
        let pusher = Pusher {
            user_id: who.me.user_id,
            dispatcher,
        };
        let app = match shown.as_mut() {
            Some(view) => apply_local(view, pusher, &op).err(),
            None => Some(RejectReason::UnknownWorkOrder),
        };
        let answers = push(
            &server,
            &who.token,
            json!([{"op_id": format!("v-{n}"), "op": op}]),
        )
        .await;
        let server_verdict = match &answers[0].outcome {
            Outcome::Rejected { reason } => Some(*reason),
            Outcome::Applied { .. } | Outcome::AppliedOver { .. } => None,
        };
        assert_eq!(app, server_verdict, "op {n} by {}: {op:?}", who.me.username);
        match app {
            Some(reason) => {
                rejected += 1;
                reasons.insert(format!("{reason:?}"));
            }
            None => applied += 1,
        }
    }
    // Both verdicts and most reasons came up: the comparison was not idle.
    assert!(
        applied >= 40 && rejected >= 40,
        "{applied} applied, {rejected} rejected: {reasons:?}"
    );
    assert!(reasons.len() >= 6, "{reasons:?}");
}
