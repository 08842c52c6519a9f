//! The engineer's offline day: work done while the server is down, one
//! device found by scanning its printed label, the app restarted with a
//! full outbox, and the server holding exactly that work once it is back.

use fieldesk_core::standard_operation::{StepKind, Template};
use fieldesk_core::sync::{Operation, PullAnswer};
use fieldesk_core::work_order::{WorkOrderStatus, WorkOrderView};
use fieldesk_testkit::server::{PASSWORD, TestServer};
use serde_json::{Value, json};

use crate::Ctx;

/// A template that scans serial numbers and a work order with two
/// devices, assigned to eve. Returns the order as created.
pub(crate) async fn assigned_order(server: &TestServer) -> WorkOrderView {
    let ada = server.login("acme", "ada").await.token;
    let eve = server.login("acme", "eve").await.me.user_id;
    let template: Value = server
        .post_ok(
            "/api/templates",
            &ada,
            &json!({"name": "Chiller check", "scan_field": "serial_number", "steps": [
                {"id": 1, "title": "Power off", "kind": {"kind": "check"}},
                {"id": 2, "title": "Pressure", "kind": {"kind": "number", "unit": "bar", "min": 0.0, "max": 10.0}},
                {"id": 3, "title": "Nameplate photo", "kind": {"kind": "photo"}, "required": false},
                {"id": 4, "title": "Customer signature", "kind": {"kind": "signature"}, "required": false}
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let order: WorkOrderView = server
        .post_ok(
            "/api/work-orders",
            &ada,
            &json!({"number": "WO-E2E-1", "customer": "Acme Mall", "contact": "Li 138",
                "address": "深圳市南山区科技园", "order_type": "maintenance", "priority": "high",
                "template_id": template["id"],
                "devices": [{"serial_number": "SN-100", "model": "Chiller A"},
                            {"serial_number": "SN-200", "model": "Chiller B"}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    server
        .post_ok(
            &format!("/api/work-orders/{}/dispatch", order.id),
            &ada,
            &json!({"action": "assign", "engineers": [eve]}),
        )
        .await;
    order
}

/// The work order as the server holds it (read as a dispatcher).
pub(crate) async fn held_by_server(server: &TestServer, token: &str, id: i64) -> WorkOrderView {
    server
        .get(&format!("/api/work-orders/{id}"), token)
        .await
        .json()
        .await
        .unwrap()
}

pub async fn engineer_works_offline_and_the_server_gets_exactly_that(ctx: Ctx) {
    let server = ctx.server();
    let addr = server.addr().to_owned();
    let order = assigned_order(&server).await;
    let (d1, d2) = (order.devices[0].id, order.devices[1].id);
    // The label an admin would print for the second device.
    let label = ctx.artifacts.join("field-label-SN-200.png");
    let png = fieldesk_scan::label_sheet_png(&["SN-200".to_owned()], 1).unwrap();
    std::fs::write(&label, png).unwrap();

    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "eve", PASSWORD).await;
    app.click("order-WO-E2E-1").await;
    app.expect_attr("order-status", "data-status", "Assigned")
        .await;
    app.click("action-accept").await;
    app.expect_attr("sync-pending", "data-count", "0").await;
    app.wait_text("sync-last", |t| t.starts_with("上次同步"))
        .await;

    // The server goes away; the engineer carries on.
    let dir = server.stop();
    app.expect_attr("connection-status", "data-state", "offline")
        .await;
    app.click("action-start").await;
    app.expect_attr("order-status", "data-status", "InProgress")
        .await;
    app.click(&format!("device-{d1}")).await;
    // Only once its checklist is shown (a click on the one being replaced
    // would record a step of the other device).
    app.expect_attr("checklist", "data-device", &d1.to_string())
        .await;
    app.click("step-input-1").await;
    app.fill("step-input-2", "4.5").await;
    app.click("step-save-2").await;
    app.expect_text(&format!("device-progress-{d1}"), "2/2")
        .await;
    // A photo of the nameplate (any PNG will do: the label image).
    app.find("step-input-3")
        .await
        .send_keys(label.to_str().unwrap())
        .await
        .unwrap();
    app.find("step-pending-3").await;

    // Out of range is refused at once, in the engineer's language.
    app.fill("step-input-2", "12").await;
    app.click("step-save-2").await;
    app.expect_text("field-error", "数值超出允许范围。").await;

    // The second device is found by scanning its label.
    app.find("scan-file")
        .await
        .send_keys(label.to_str().unwrap())
        .await
        .unwrap();
    app.expect_attr("scan-result", "data-state", "found").await;
    app.expect_attr("checklist", "data-device", &d2.to_string())
        .await;
    app.wait_text("scan-result", |t| t.contains("SN-200")).await;
    app.click("step-input-1").await;
    app.fill("step-input-2", "6").await;
    app.click("step-save-2").await;
    app.expect_text(&format!("device-progress-{d2}"), "2/2")
        .await;
    app.fill("note-input", "门禁密码 42").await;
    app.click("note-add").await;
    // start + 2 steps × 2 devices + photo + note
    app.expect_attr("sync-pending", "data-count", "7").await;
    ctx.shot(&app, "offline-work").await;

    // The app restarts, still offline: nothing is lost.
    app.close().await;
    let app = driver.open().await;
    app.expect_attr("sync-pending", "data-count", "7").await;
    app.click("order-WO-E2E-1").await;
    app.expect_text(&format!("device-progress-{d2}"), "2/2")
        .await;
    app.expect_attr("order-status", "data-status", "InProgress")
        .await;

    // The server returns; the app syncs on reconnect by itself.
    let server = TestServer::serve(&ctx.server_bin, dir, &addr, &[]);
    app.expect_attr("connection-status", "data-state", "online")
        .await;
    app.expect_attr("sync-pending", "data-count", "0").await;
    assert!(!app.exists("sync-issue").await, "no sync errors");
    ctx.shot(&app, "synced").await;

    let ada = server.login("acme", "ada").await.token;
    let held = held_by_server(&server, &ada, order.id).await;
    assert_eq!(held.status, WorkOrderStatus::InProgress);
    let mut steps: Vec<(i64, i64, Value)> = held
        .steps
        .iter()
        .map(|s| (s.device, s.step, s.value.clone()))
        .collect();
    steps.sort_by_key(|(d, s, _)| (*d, *s));
    let photo = steps
        .iter()
        .find(|(d, s, _)| (*d, *s) == (d1, 3))
        .and_then(|(_, _, v)| v.as_str().map(str::to_owned))
        .expect("the photo step has a value");
    assert_eq!(
        steps,
        vec![
            (d1, 1, json!(true)),
            (d1, 2, json!(4.5)),
            (d1, 3, json!(photo)),
            (d2, 1, json!(true)),
            (d2, 2, json!(6)),
        ]
    );
    // The photo itself reached the server, byte for byte.
    let stored = server
        .get(&format!("/api/photos/{photo}"), &ada)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.to_vec(), std::fs::read(&label).unwrap());
    assert!(held.replaced.is_empty(), "nothing overwritten");
    // Each operation reached the server exactly once.
    let eve = server.login("acme", "eve").await.token;
    let log: PullAnswer = server
        .get("/api/sync/pull?after=0", &eve)
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = log
        .changes
        .iter()
        .map(|c| match &c.op {
            Operation::Transition { .. } => "transition",
            Operation::StepResult { .. } => "step",
            Operation::Note { .. } => "note",
        })
        .collect();
    // assign (dispatcher), accept, start, five steps, one note
    assert_eq!(
        kinds,
        [
            "transition",
            "transition",
            "transition",
            "step",
            "step",
            "step",
            "step",
            "step",
            "note"
        ]
    );
    app.close().await;
}

pub async fn admin_designs_a_template_and_prints_labels(ctx: Ctx) {
    let server = ctx.server();
    assigned_order(&server).await;
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "ada", PASSWORD).await;
    app.select("language-select", "en").await;
    app.click("view-field").await;

    // A template with a check and a measured range that scans serial numbers.
    app.fill("template-name-input", "Boiler check").await;
    app.fill("draft-title-1", "Flame looks blue").await;
    app.click("template-add-step").await;
    app.fill("draft-title-2", "Gas pressure").await;
    app.select("draft-kind-2", "number").await;
    app.fill("draft-unit-2", "kPa").await;
    app.fill("draft-min-2", "1.5").await;
    app.fill("draft-max-2", "3").await;
    app.click("template-scan").await;
    app.select("template-scan-field", "asset_code").await;
    app.click("template-save").await;
    app.expect_text("template-status", "Saved.").await;
    let ada = server.login("acme", "ada").await.token;
    let templates: Vec<Template> = server
        .get("/api/templates", &ada)
        .await
        .json()
        .await
        .unwrap();
    let boiler = templates
        .iter()
        .find(|t| t.name == "Boiler check")
        .expect("saved on the server");
    assert_eq!(boiler.scan_field.as_deref(), Some("asset_code"));
    assert_eq!(boiler.steps.len(), 2);
    assert_eq!(boiler.steps[0].kind, StepKind::Check);
    assert_eq!(
        boiler.steps[1].kind,
        StepKind::Number {
            unit: "kPa".into(),
            min: Some(1.5),
            max: Some(3.0)
        }
    );
    // The same name again is refused, clearly.
    app.click("template-new").await;
    app.fill("template-name-input", "Boiler check").await;
    app.fill("draft-title-1", "Anything").await;
    app.click("template-save").await;
    app.expect_text("template-status", "That already exists.")
        .await;

    // Labels for the work order's devices, saved as a PNG that scans.
    app.click("labels-WO-E2E-1").await;
    app.wait_text("label-sheet", |t| t.contains("2 labels (serial_number)"))
        .await;
    ctx.shot(&app, "labels").await;
    let sheet = driver
        .data_dir
        .path()
        .join("labels/fieldesk-labels-WO-E2E-1.png");
    let bytes = std::fs::read(&sheet).expect("the sheet is saved");
    let (read, _) = fieldesk_scan::decode_file_bytes(&bytes, fieldesk_scan::DEFAULT_BUDGET);
    let text = read.expect("a label on the sheet scans").text;
    assert!(["SN-100", "SN-200"].contains(&text.as_str()), "{text}");
    app.close().await;
}

pub async fn customer_signs_on_the_pad(ctx: Ctx) {
    use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
    let server = ctx.server();
    let order = assigned_order(&server).await;
    let d1 = order.devices[0].id;
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "eve", PASSWORD).await;
    app.click("order-WO-E2E-1").await;
    app.click(&format!("device-{d1}")).await;
    // A stroke across the pad.
    let pad = app.scroll_to("step-input-4").await;
    let stroke = MouseActions::new("pen".into())
        .then(PointerAction::MoveToElement {
            element: pad,
            duration: None,
            x: -80.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::MoveBy {
            duration: None,
            x: 60.0,
            y: 25.0,
        })
        .then(PointerAction::MoveBy {
            duration: None,
            x: 60.0,
            y: -30.0,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    app.client.perform_actions(stroke).await.unwrap();
    app.click("step-save-4").await;
    app.expect_attr("sync-pending", "data-count", "0").await;
    ctx.shot(&app, "signed").await;
    let ada = server.login("acme", "ada").await.token;
    let held = held_by_server(&server, &ada, order.id).await;
    let signature = held
        .steps
        .iter()
        .find(|s| (s.device, s.step) == (d1, 4))
        .and_then(|s| s.value.as_str().map(str::to_owned))
        .expect("the signature step has a value");
    let res = server.get(&format!("/api/photos/{signature}"), &ada).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    app.close().await;
}
