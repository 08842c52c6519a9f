//! Dispatch in the app, as two scenarios:
//! - a supervisor gives a group its skill and region (division picker),
//!   writes a skill check and a region rule, creates an order that goes
//!   to the right group with its explanation, is refused a hand dispatch
//!   to an unqualified group, and sends another order to a provider; the
//!   group's engineer sees the order in their app;
//! - the provider's admin names a lead and a collaborator for an order
//!   sent to the provider, both see it, and only the lead gets the status
//!   actions.

use fieldesk_core::dispatch::{Rule, TargetKind};
use fieldesk_core::work_order::WorkOrderView;
use fieldesk_testkit::app::AppWindow;
use fieldesk_testkit::server::{PASSWORD, TestServer};
use serde_json::{Value, json};

use crate::Ctx;

async fn send(server: &TestServer, method: &str, path: &str, token: &str, body: Value) -> Value {
    let res = server.send_json(method, path, token, &body).await;
    assert!(
        res.status().is_success(),
        "{method} {path}: {}",
        res.status()
    );
    res.json().await.unwrap()
}

async fn switch_user(app: &AppWindow, server: &TestServer, user: &str) {
    app.click("logout").await;
    app.log_in(&server.base, "acme", user, PASSWORD).await;
    app.wait_text("user-name", |t| !t.is_empty()).await;
}

/// The people and teams an admin set up before: the skill catalog, two
/// groups (深圳组 with Shen, 广东组 with Guang) and a provider (粤电服务
/// with its admin Pat and engineers Lead and Help).
struct Team {
    ada: String,
    lead: i64,
    help: i64,
    sz: i64,
    gd: i64,
    yd: i64,
}

async fn team(server: &TestServer) -> Team {
    for (name, role, display) in [
        ("shen", "engineer", "Shen Engineer"),
        ("guang", "engineer", "Guang Engineer"),
        ("pat", "provider_admin", "Pat Provider"),
        ("lead", "engineer", "Lead Engineer"),
        ("help", "engineer", "Help Engineer"),
    ] {
        server.add_user(name, role, display);
    }
    let ada = server.login("acme", "ada").await.token;
    let id_of = |name: &'static str| async move { server.login("acme", name).await.me.user_id };
    let (shen, guang, pat, lead, help) = (
        id_of("shen").await,
        id_of("guang").await,
        id_of("pat").await,
        id_of("lead").await,
        id_of("help").await,
    );
    // What an admin set up before: the catalog, two groups, a provider.
    send(
        server,
        "PUT",
        "/api/dispatch/settings",
        &ada,
        json!({
            "catalog": [{"key": "fitter", "name": "钳工", "levels": ["初级", "中级", "高级"]}],
            "provider_collaborators": true,
        }),
    )
    .await;
    let sz = send(
        server,
        "POST",
        "/api/groups",
        &ada,
        json!({"name": "深圳组", "member_ids": [shen]}),
    )
    .await;
    let gd = send(
        server,
        "POST",
        "/api/groups",
        &ada,
        json!({"name": "广东组", "member_ids": [guang]}),
    )
    .await;
    let yd = send(
        server,
        "POST",
        "/api/dispatch/providers",
        &ada,
        json!({"name": "粤电服务", "member_ids": [pat, lead, help]}),
    )
    .await;
    let (sz, gd, yd) = (
        sz["id"].as_i64().unwrap(),
        gd["id"].as_i64().unwrap(),
        yd["id"].as_i64().unwrap(),
    );
    Team {
        ada,
        lead,
        help,
        sz,
        gd,
        yd,
    }
}

pub async fn supervisor_sets_rules_and_orders_reach_the_right_group(ctx: Ctx) {
    let server = ctx.server();
    let Team {
        ada, sz, gd, yd, ..
    } = team(&server).await;
    send(&server, "PUT", &format!("/api/dispatch/profiles/service_group/{gd}"), &ada, json!({
        "skills": [{"skill": "fitter", "level": "初级"}], "region": {"divisions": [440000], "polygons": []}
    }))
    .await;

    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "sam", PASSWORD).await;
    app.select("language-select", "en").await;
    app.click("view-dispatch").await;

    // 深圳组: a senior fitter serving Nanshan, picked by searching "南山".
    app.click("dispatch-tab-resources").await;
    app.select("profile-target", &format!("service_group:{sz}"))
        .await;
    app.click("held-add").await;
    app.select("held-skill-0", "fitter").await;
    app.select("held-level-0", "高级").await;
    app.fill("profile-division-search", "南山").await;
    app.click("profile-division-pick-440305").await;
    app.wait_text("profile-division-chip-440305", |t| {
        t == "广东省 深圳市 南山区"
    })
    .await;
    app.click("profile-save").await;
    app.expect_text("profile-status", "Saved.").await;

    // A skill check, then the region rule.
    app.click("dispatch-tab-rules").await;
    app.fill("rule-name", "Repairs need intermediate fitters")
        .await;
    app.fill("condition-values-0", "repair").await;
    app.click("rule-add").await;
    app.select("rule-skill-0", "fitter").await;
    app.select("rule-level-0", "中级").await;
    app.click("rule-save").await;
    app.expect_text("rule-status", "Saved.").await;
    app.select("rule-kind", "auto").await;
    app.fill("rule-name", "Nearest group").await;
    app.select("condition-op-0", "in").await;
    app.fill("condition-values-0", "repair, maintenance").await;
    app.fill("rule-priority", "10").await;
    app.click("rule-save").await;
    app.expect_text("rule-status", "Saved.").await;
    let rules: Vec<Rule> = server
        .get("/api/dispatch/rules", &ada)
        .await
        .json()
        .await
        .unwrap();
    let skill = rules.iter().find_map(|r| match r {
        Rule::Skill(s) => Some(s),
        _ => None,
    });
    let skill = skill.expect("the skill check is saved");
    assert_eq!(
        (
            skill.skills[0].skill.as_str(),
            skill.skills[0].min_level.as_str()
        ),
        ("fitter", "中级")
    );
    assert_eq!(skill.scope[0].values, vec!["repair"]);
    let auto = rules.iter().find_map(|r| match r {
        Rule::Auto(a) => Some(a),
        _ => None,
    });
    let auto = auto.expect("the region rule is saved");
    assert_eq!((auto.priority, auto.target), (10, TargetKind::ServiceGroup));
    assert_eq!(auto.scope[0].values, vec!["repair", "maintenance"]);
    // Edited in place: the form opens with the rule, saves over it.
    app.click("rule-edit-Nearest group").await;
    app.wait_text("condition-values-0", |_| true).await;
    app.fill("rule-priority", "12").await;
    app.click("rule-save").await;
    app.expect_text("rule-status", "Saved.").await;
    let rules: Vec<Rule> = server
        .get("/api/dispatch/rules", &ada)
        .await
        .json()
        .await
        .unwrap();
    let edited: Vec<_> = rules
        .iter()
        .filter_map(|r| match r {
            Rule::Auto(a) => Some((a.name.as_str(), a.priority, a.scope[0].values.len())),
            _ => None,
        })
        .collect();
    assert_eq!(edited, vec![("Nearest group", 12, 2)], "one rule, changed");

    // A repair in Nanshan goes to 深圳组; 广东组 lacks the level, and says so.
    app.click("dispatch-tab-board").await;
    app.click("new-order-toggle").await;
    app.fill("new-order-number", "WO-D-1").await;
    app.fill("new-order-customer", "海岸城").await;
    app.fill("new-order-contact", "刘经理").await;
    app.fill("new-order-address", "广东省深圳市南山区科技园 1 号")
        .await;
    app.fill("new-order-type", "repair").await;
    app.click("new-order-create").await;
    app.expect_text("new-order-status", "Saved.").await;
    app.wait_text("board-target-WO-D-1", |t| t.contains("深圳组"))
        .await;
    app.expect_text("board-place-WO-D-1", "广东省 深圳市 南山区")
        .await;
    app.click("board-why-toggle-WO-D-1").await;
    let why = app
        .wait_text("board-why-WO-D-1", |t| t.contains("chosen"))
        .await;
    assert!(
        why.contains("Nearest group") && why.contains("深圳组: chosen"),
        "{why}"
    );
    assert!(
        why.contains("广东组: Skill 钳工 is 初级, needs at least 中级."),
        "{why}"
    );
    ctx.shot(&app, "board").await;

    // By hand to 广东组: refused, with what is missing.
    app.select("board-pick-WO-D-1", &format!("service_group:{gd}"))
        .await;
    app.click("board-assign-WO-D-1").await;
    let refused = app
        .wait_text("board-status-WO-D-1", |t| t.contains("skill check"))
        .await;
    assert!(
        refused.contains("Skill 钳工 is 初级, needs at least 中级."),
        "{refused}"
    );

    // Moved to Tianhe, nobody qualifies: back to unassigned, saying why;
    // moved back, it is dispatched again.
    app.click("board-edit-WO-D-1").await;
    app.fill("board-edit-address-WO-D-1", "广州市天河区体育西路 100 号")
        .await;
    app.click("board-edit-save-WO-D-1").await;
    app.wait_text("board-target-WO-D-1", |t| t == "Not dispatched")
        .await;
    app.click("board-why-toggle-WO-D-1").await;
    app.wait_text("board-why-WO-D-1", |t| {
        t.contains("No group or provider in the region passes the skill check.")
    })
    .await;
    app.click("board-edit-WO-D-1").await;
    app.fill("board-edit-address-WO-D-1", "广东省深圳市南山区科技园 1 号")
        .await;
    app.click("board-edit-save-WO-D-1").await;
    app.wait_text("board-target-WO-D-1", |t| t.contains("深圳组"))
        .await;

    // An install no rule covers stays unassigned; sent to the provider by hand.
    app.fill("new-order-number", "WO-D-2").await;
    app.fill("new-order-type", "install").await;
    // The place picked by browsing province → city → district.
    app.click("new-order-division-open-440000").await;
    app.click("new-order-division-open-440300").await;
    app.click("new-order-division-pick-440304").await;
    app.click("new-order-create").await;
    app.wait_text("board-target-WO-D-2", |t| t == "Not dispatched")
        .await;
    app.expect_text("board-place-WO-D-2", "广东省 深圳市 福田区")
        .await;
    app.select("board-pick-WO-D-2", &format!("service_provider:{yd}"))
        .await;
    app.click("board-assign-WO-D-2").await;
    app.wait_text("board-target-WO-D-2", |t| t.contains("粤电服务"))
        .await;

    // The group's engineer has the repair in their app.
    switch_user(&app, &server, "shen").await;
    app.wait_text("order-WO-D-1", |t| t.contains("WO-D-1"))
        .await;
    assert!(!app.exists("order-WO-D-2").await);
    app.close().await;
}

pub async fn provider_admin_names_a_crew_and_only_the_lead_acts(ctx: Ctx) {
    let server = ctx.server();
    let Team {
        ada,
        lead,
        help,
        yd,
        ..
    } = team(&server).await;
    // An install sent to the provider by the dispatcher.
    let sam = server.login("acme", "sam").await.token;
    let order = send(&server, "POST", "/api/work-orders", &sam, json!({
        "number": "WO-D-2", "customer": "Acme Mall", "contact": "Li 138",
        "address": "广东省深圳市福田区", "order_type": "install", "priority": "normal", "devices": []
    }))
    .await;
    let id = order["id"].as_i64().unwrap();
    send(
        &server,
        "POST",
        &format!("/api/work-orders/{id}/target"),
        &sam,
        json!({"kind": "service_provider", "id": yd}),
    )
    .await;
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "pat", PASSWORD).await;
    app.select("language-select", "en").await;
    app.wait_text("user-name", |t| !t.is_empty()).await;

    // The provider admin names a lead and a collaborator.
    app.wait_text("inbox-crew-WO-D-2", |t| t == "No lead named yet.")
        .await;
    app.select("inbox-lead-WO-D-2", &lead.to_string()).await;
    app.click("inbox-collab-WO-D-2-help").await;
    app.click("inbox-assign-WO-D-2").await;
    app.wait_text("inbox-crew-WO-D-2", |t| {
        t == "Lead: Lead Engineer. Collaborators: Help Engineer"
    })
    .await;
    ctx.shot(&app, "inbox").await;
    let held: WorkOrderView = server
        .get("/api/work-orders", &ada)
        .await
        .json::<Vec<WorkOrderView>>()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.number == "WO-D-2")
        .unwrap();
    assert_eq!(
        (held.lead, held.assignees.clone()),
        (Some(lead), vec![lead, help])
    );

    // Both see it; only the lead may accept it.
    switch_user(&app, &server, "help").await;
    app.click("order-WO-D-2").await;
    app.wait_text("order-status", |t| !t.is_empty()).await;
    assert!(
        !app.exists("action-accept").await,
        "a collaborator does not change the status"
    );
    switch_user(&app, &server, "lead").await;
    app.click("order-WO-D-2").await;
    app.wait_text("action-accept", |t| !t.is_empty()).await;
    app.close().await;
}
