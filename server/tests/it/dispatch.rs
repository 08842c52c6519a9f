//! Dispatch over the real server: skill catalog, groups and providers with
//! skills, qualifications and regions, both kinds of rules; orders in
//! different districts go to the right target with an explanation;
//! manual assignment runs the skill check; a provider admin names a lead
//! and collaborators, and only the lead changes the status.

use fieldesk_core::dispatch::{TargetKind, Unassigned, Verdict};
use fieldesk_core::event::ServerEvent;
use fieldesk_core::sync::{Outcome, PushAnswer, RejectReason};
use fieldesk_core::work_order::{WorkOrderStatus, WorkOrderView};
use fieldesk_testkit::chat::StaffEvents;
use fieldesk_testkit::server::{TestServer, expect_error};
use serde_json::{Value, json};

use crate::bin;

async fn json_of<T: serde::de::DeserializeOwned>(res: reqwest::Response) -> T {
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap()
}

async fn order(
    server: &TestServer,
    token: &str,
    number: &str,
    kind: &str,
    address: &str,
) -> WorkOrderView {
    let body = json!({
        "number": number, "customer": "Acme Hospital", "contact": "Li 138-0000-0000",
        "address": address, "order_type": kind, "priority": "normal",
    });
    server
        .post_ok("/api/work-orders", token, &body)
        .await
        .json()
        .await
        .unwrap()
}

async fn ids(server: &TestServer, token: &str) -> Vec<String> {
    let list: Vec<WorkOrderView> = json_of(server.get("/api/work-orders", token).await).await;
    list.into_iter().map(|o| o.number).collect()
}

#[tokio::test]
async fn orders_go_to_the_qualified_group_or_provider_in_their_region() {
    let server = TestServer::start(bin());
    for (name, role) in [
        ("shen", "engineer"),
        ("guang", "engineer"),
        ("pat", "provider_admin"),
        ("lead", "engineer"),
        ("help", "engineer"),
    ] {
        server.add_user(name, role, name);
    }
    let ada = server.login("acme", "ada").await.token;
    let sam = server.login("acme", "sam").await.token;
    let login = |name: &'static str| server.login("acme", name);
    let shen = login("shen").await;
    let guang = login("guang").await;
    let pat = login("pat").await;
    let lead = login("lead").await;
    let help = login("help").await;

    // Skill catalog: a skill without levels is refused, saying which.
    let bad = json!({"catalog": [{"key": "fitter", "name": "钳工", "levels": []}]});
    let res = server
        .send_json("PUT", "/api/dispatch/settings", &ada, &bad)
        .await;
    let message = expect_error(res, 400, "invalid_rule").await;
    assert!(message.contains("fitter"), "{message}");
    let catalog =
        json!({"catalog": [{"key": "fitter", "name": "钳工", "levels": ["初级", "中级", "高级"]}]});
    json_of::<Value>(
        server
            .send_json("PUT", "/api/dispatch/settings", &ada, &catalog)
            .await,
    )
    .await;

    // Two groups, one provider.
    let group = |name: &str, member: i64| json!({"name": name, "member_ids": [member]});
    let sz: Value = json_of(
        server
            .send_json(
                "POST",
                "/api/groups",
                &ada,
                &group("深圳组", shen.me.user_id),
            )
            .await,
    )
    .await;
    let gd: Value = json_of(
        server
            .send_json(
                "POST",
                "/api/groups",
                &ada,
                &group("广东组", guang.me.user_id),
            )
            .await,
    )
    .await;
    let provider = json!({"name": "粤电服务", "member_ids": [pat.me.user_id, lead.me.user_id, help.me.user_id]});
    let yd: Value = json_of(
        server
            .send_json("POST", "/api/dispatch/providers", &sam, &provider)
            .await,
    )
    .await;
    let (sz, gd, yd) = (
        sz["id"].as_i64().unwrap(),
        gd["id"].as_i64().unwrap(),
        yd["id"].as_i64().unwrap(),
    );

    // Profiles: 深圳组 serves Shenzhen as a senior fitter; 广东组 all of
    // Guangdong as a junior one; the provider Guangdong with a certificate.
    let profile = |level: &str, division: u32| json!({"skills": [{"skill": "fitter", "level": level}], "region": {"divisions": [division], "polygons": []}});
    for (path, body) in [
        (
            format!("/api/dispatch/profiles/service_group/{sz}"),
            profile("高级", 440300),
        ),
        (
            format!("/api/dispatch/profiles/service_group/{gd}"),
            profile("初级", 440000),
        ),
        (
            format!("/api/dispatch/profiles/service_provider/{yd}"),
            json!({"qualifications": [{"key": "电工证", "valid_from": {"year": 2020, "month": 1, "day": 1},
                "valid_to": {"year": 2099, "month": 12, "day": 31}}],
                "region": {"divisions": [440000], "polygons": []}}),
        ),
    ] {
        json_of::<Value>(server.send_json("PUT", &path, &sam, &body).await).await;
    }
    // A level the skill does not have, a division that does not exist.
    let res = server
        .send_json(
            "PUT",
            &format!("/api/dispatch/profiles/service_group/{sz}"),
            &sam,
            &profile("大师", 440300),
        )
        .await;
    let message = expect_error(res, 400, "invalid_rule").await;
    assert!(message.contains("大师"), "{message}");
    let res = server
        .send_json(
            "PUT",
            &format!("/api/dispatch/profiles/service_group/{sz}"),
            &sam,
            &profile("高级", 999999),
        )
        .await;
    expect_error(res, 400, "invalid_rule").await;

    // Rules: repairs need at least an intermediate fitter; installs need
    // the certificate. Repairs and maintenance go to groups, installs to providers.
    let rules = [
        json!({"kind": "skill", "name": "维修需中级钳工", "target": "service_group",
            "scope": [{"field": "order_type", "op": "equals", "values": ["repair"]}],
            "skills": [{"skill": "fitter", "min_level": "中级"}]}),
        json!({"kind": "skill", "name": "安装需电工证", "target": "service_provider",
            "scope": [{"field": "order_type", "op": "equals", "values": ["install"]}],
            "qualifications": ["电工证"]}),
        json!({"kind": "auto", "name": "服务组就近派单", "priority": 10, "target": "service_group",
            "scope": [{"field": "order_type", "op": "in", "values": ["repair", "maintenance"]}]}),
        json!({"kind": "auto", "name": "安装给服务商", "priority": 5, "target": "service_provider",
            "scope": [{"field": "order_type", "op": "equals", "values": ["install"]}]}),
    ];
    for rule in &rules {
        server.post_ok("/api/dispatch/rules", &sam, rule).await;
    }
    let res = server
        .send_json("POST", "/api/dispatch/rules", &sam, &rules[0])
        .await;
    expect_error(res, 409, "conflict").await;
    let unknown_op = json!({"kind": "auto", "name": "x", "target": "service_group",
        "scope": [{"field": "order_type", "op": "like", "values": ["a"]}]});
    let res = server
        .send_json("POST", "/api/dispatch/rules", &sam, &unknown_op)
        .await;
    assert_eq!(res.status(), 422);
    let unknown_skill = json!({"kind": "skill", "name": "y", "target": "service_group",
        "skills": [{"skill": "welder", "min_level": "初级"}]});
    let res = server
        .send_json("POST", "/api/dispatch/rules", &sam, &unknown_skill)
        .await;
    let message = expect_error(res, 400, "invalid_rule").await;
    assert!(message.contains("welder"), "{message}");

    // A repair in Nanshan: 广东组 covers it but is only a junior fitter.
    // Shen's app, online, is told to pull.
    let mut shen_events = StaffEvents::connect(&server.ws_url(), &shen.token).await;
    let a = order(
        &server,
        &sam,
        "WO-A",
        "repair",
        "广东省深圳市南山区科技园 1 号",
    )
    .await;
    assert_eq!(a.division, Some(440305));
    assert_eq!(
        a.target.as_ref().map(|t| (t.kind, t.id)),
        Some((TargetKind::ServiceGroup, sz))
    );
    assert_eq!(
        (a.status, a.assignees.clone()),
        (WorkOrderStatus::Assigned, vec![shen.me.user_id])
    );
    shen_events
        .wait_for("sync available", |e| {
            matches!(e, ServerEvent::SyncAvailable { .. })
        })
        .await;
    let why = &a.dispatch.as_ref().unwrap().decision;
    assert_eq!(why.rules[0].name, "服务组就近派单");
    let verdicts: Vec<_> = why.rules[0]
        .considered
        .iter()
        .map(|c| (c.name.as_str(), &c.verdict))
        .collect();
    assert!(
        verdicts.contains(&("深圳组", &Verdict::Chosen)),
        "{verdicts:?}"
    );
    assert!(
        verdicts
            .iter()
            .any(|(name, v)| *name == "广东组" && matches!(v, Verdict::Lacks { .. })),
        "{verdicts:?}"
    );

    // Maintenance in Tianhe (Guangzhou): outside Shenzhen, no skill rule.
    let b = order(
        &server,
        &sam,
        "WO-B",
        "maintenance",
        "广州市天河区体育西路 100 号",
    )
    .await;
    assert_eq!(b.target.as_ref().map(|t| t.id), Some(gd));
    assert_eq!(b.assignees, vec![guang.me.user_id]);
    assert_eq!(ids(&server, &shen.token).await, vec!["WO-A"]);
    assert_eq!(ids(&server, &guang.token).await, vec!["WO-B"]);

    // An address that names no single division stays unassigned.
    let c = order(&server, &sam, "WO-C", "repair", "南山区 某路 8 号").await;
    assert_eq!((c.status, c.target.clone()), (WorkOrderStatus::New, None));
    assert_eq!(
        c.dispatch.as_ref().unwrap().decision.unassigned_because,
        Some(Unassigned::AddressUnresolved)
    );

    // Manual assignment runs the same skill check, and says what is missing.
    let res = server
        .send_json(
            "POST",
            &format!("/api/work-orders/{}/target", a.id),
            &sam,
            &json!({"kind": "service_group", "id": gd}),
        )
        .await;
    let message = expect_error(res, 422, "missing_skills").await;
    assert!(
        message.contains("钳工") && message.contains("初级") && message.contains("中级"),
        "{message}"
    );

    // Changing B into a Nanshan repair dispatches it again.
    let changed: WorkOrderView = json_of(
        server
            .send_json(
                "PUT",
                &format!("/api/work-orders/{}", b.id),
                &sam,
                &json!({"order_type": "repair", "address": "深圳市南山区后海大道 2 号"}),
            )
            .await,
    )
    .await;
    assert_eq!(changed.division, Some(440305));
    assert_eq!(changed.target.as_ref().map(|t| t.id), Some(sz));
    assert_eq!(changed.assignees, vec![shen.me.user_id]);
    assert!(ids(&server, &guang.token).await.is_empty());

    // A moves to Tianhe: 深圳组 does not serve it and 广东组 lacks the
    // level, so it goes back to unassigned rather than stay misrouted.
    let moved: WorkOrderView = json_of(
        server
            .send_json(
                "PUT",
                &format!("/api/work-orders/{}", a.id),
                &sam,
                &json!({"address": "广州市天河区体育西路 100 号"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (moved.status, moved.target.clone()),
        (WorkOrderStatus::New, None)
    );
    assert!(moved.assignees.is_empty());
    assert_eq!(
        moved.dispatch.as_ref().unwrap().decision.unassigned_because,
        Some(Unassigned::NoEligibleTarget)
    );
    assert_eq!(ids(&server, &shen.token).await, vec!["WO-B"]);

    // An install goes to the provider; its admin sees it, its engineers not yet.
    let d = order(
        &server,
        &sam,
        "WO-D",
        "install",
        "深圳市福田区深南大道 1 号",
    )
    .await;
    assert_eq!(
        d.target.as_ref().map(|t| (t.kind, t.id)),
        Some((TargetKind::ServiceProvider, yd))
    );
    assert_eq!(
        (d.status, d.assignees.clone()),
        (WorkOrderStatus::New, vec![])
    );
    assert_eq!(ids(&server, &pat.token).await, vec!["WO-D"]);
    assert!(ids(&server, &lead.token).await.is_empty());
    let res = server
        .get(&format!("/api/work-orders/{}", a.id), &pat.token)
        .await;
    expect_error(res, 404, "not_found").await;

    // Collaborators need the setting.
    let crew = json!({"lead": lead.me.user_id, "collaborators": [help.me.user_id]});
    let path = format!("/api/work-orders/{}/crew", d.id);
    let res = server.send_json("POST", &path, &pat.token, &crew).await;
    expect_error(res, 409, "collaborators_off").await;
    let on = json!({"catalog": catalog["catalog"], "provider_collaborators": true});
    json_of::<Value>(
        server
            .send_json("PUT", "/api/dispatch/settings", &ada, &on)
            .await,
    )
    .await;
    // Only the provider's own engineers.
    let outsider = json!({"lead": shen.me.user_id});
    let res = server.send_json("POST", &path, &pat.token, &outsider).await;
    expect_error(res, 400, "bad_request").await;
    let crewed: WorkOrderView =
        json_of(server.send_json("POST", &path, &pat.token, &crew).await).await;
    assert_eq!(crewed.lead, Some(lead.me.user_id));
    assert_eq!(crewed.assignees, vec![lead.me.user_id, help.me.user_id]);
    assert_eq!(crewed.status, WorkOrderStatus::Assigned);
    assert_eq!(ids(&server, &lead.token).await, vec!["WO-D"]);
    assert_eq!(ids(&server, &help.token).await, vec!["WO-D"]);

    // Only the lead changes the status; both write notes.
    let push = |token: &str, ops: Value| {
        let token = token.to_owned();
        let server = &server;
        async move {
            let answers: Vec<PushAnswer> = json_of(
                server
                    .send_json("POST", "/api/sync/push", &token, &json!({"ops": ops}))
                    .await,
            )
            .await;
            answers
        }
    };
    let accept = |op: &str| json!({"op_id": op, "op": {"kind": "transition", "work_order": d.id, "action": "accept"}});
    let note =
        |op: &str| json!({"op_id": op, "op": {"kind": "note", "work_order": d.id, "text": "到场"}});
    let answers = push(&help.token, json!([accept("h-1"), note("h-2")])).await;
    assert_eq!(
        answers[0].outcome,
        Outcome::Rejected {
            reason: RejectReason::NotAllowed
        }
    );
    assert!(
        matches!(answers[1].outcome, Outcome::Applied { .. }),
        "{answers:?}"
    );
    let answers = push(&lead.token, json!([accept("l-1")])).await;
    assert!(
        matches!(answers[0].outcome, Outcome::Applied { .. }),
        "{answers:?}"
    );

    // Roles and tenants: agents and engineers cannot read rules; another
    // tenant's admin sees none and cannot touch these groups.
    for token in [&server.login("acme", "alice").await.token, &shen.token] {
        expect_error(
            server.get("/api/dispatch/rules", token).await,
            403,
            "forbidden",
        )
        .await;
    }
    let gina = server.login("globex", "gina").await.token;
    let theirs: Vec<Value> = json_of(server.get("/api/dispatch/rules", &gina).await).await;
    assert!(theirs.is_empty());
    let res = server
        .send_json(
            "PUT",
            &format!("/api/dispatch/profiles/service_group/{sz}"),
            &gina,
            &json!({}),
        )
        .await;
    expect_error(res, 404, "not_found").await;
}

/// Writes that fail midway, as a full disk or a crash would (an
/// I/O-like error, not a constraint): each trigger fails its write while
/// its switch is on. Switches are data, so the running server sees them.
fn chaos(server: &TestServer, setup: &[(&str, &str)]) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(server.dir.path().join("fieldesk.sqlite3")).unwrap();
    db.execute_batch("CREATE TABLE chaos (name TEXT PRIMARY KEY, broken INTEGER NOT NULL);")
        .unwrap();
    for (name, on) in setup {
        db.execute("INSERT INTO chaos VALUES (?1, 0)", [name])
            .unwrap();
        let (head, when) = on.split_once(" WHEN ").map_or((*on, "1"), |(h, w)| (h, w));
        db.execute_batch(&format!(
            "CREATE TRIGGER {name} {head}
             WHEN ({when}) AND (SELECT broken FROM chaos WHERE name = '{name}')
                         BEGIN SELECT abs(-9223372036854775807 - 1); END;"
        ))
        .unwrap();
    }
    db
}

fn switch(db: &rusqlite::Connection, name: &str, broken: bool) {
    db.execute(
        "UPDATE chaos SET broken = ?2 WHERE name = ?1",
        rusqlite::params![name, broken],
    )
    .unwrap();
}

#[tokio::test]
async fn a_dispatch_that_fails_midway_leaves_the_order_as_it_was() {
    let server = TestServer::start(bin());
    let sam = server.login("acme", "sam").await.token;
    let eve = server.login("acme", "eve").await.me.user_id;
    let created = order(&server, &sam, "WO-A1", "repair", "广东省深圳市南山区").await;
    let id = created.id;
    let get = || async {
        json_of::<WorkOrderView>(server.get(&format!("/api/work-orders/{id}"), &sam).await).await
    };

    let db = chaos(
        &server,
        &[
            ("no_assignees", "BEFORE INSERT ON work_order_assignees"),
            ("no_unassign", "BEFORE DELETE ON work_order_assignees"),
        ],
    );
    // Assigning by hand: the status changes, then the engineers cannot be
    // written. Nothing of it stays; the retry works.
    switch(&db, "no_assignees", true);
    let assign = json!({"action": "assign", "engineers": [eve]});
    let path = format!("/api/work-orders/{id}/dispatch");
    let res = server.send_json("POST", &path, &sam, &assign).await;
    expect_error(res, 500, "internal").await;
    let after = get().await;
    assert_eq!(after.status, created.status, "not assigned to nobody");
    assert!(after.assignees.is_empty());
    switch(&db, "no_assignees", false);
    let res = server.send_json("POST", &path, &sam, &assign).await;
    let assigned: WorkOrderView = json_of(res).await;
    assert_eq!(assigned.status, WorkOrderStatus::Assigned);
    assert_eq!(assigned.assignees, vec![eve]);

    // Auto-dispatch (no rule applies: back to unassigned): the decision is
    // stored and the status changes, then the engineer cannot be taken
    // off. The order keeps its engineer, status and dispatch record.
    switch(&db, "no_unassign", true);
    let res = server
        .send_json(
            "POST",
            &format!("/api/work-orders/{id}/auto-dispatch"),
            &sam,
            &json!(null),
        )
        .await;
    expect_error(res, 500, "internal").await;
    let after = get().await;
    assert_eq!(after.status, WorkOrderStatus::Assigned);
    assert_eq!(after.assignees, vec![eve]);
    assert_eq!(after.dispatch, assigned.dispatch);
    switch(&db, "no_unassign", false);
    let res = server
        .send_json(
            "POST",
            &format!("/api/work-orders/{id}/auto-dispatch"),
            &sam,
            &json!(null),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let after = get().await;
    assert_eq!(after.status, WorkOrderStatus::New);
    assert!(after.assignees.is_empty());
}

#[tokio::test]
async fn a_customer_tier_can_be_a_rule_condition() {
    let server = TestServer::start(bin());
    server.add_user("e1", "engineer", "E1");
    server.add_user("e2", "engineer", "E2");
    let ada = server.login("acme", "ada").await.token;
    let sam = server.login("acme", "sam").await.token;
    let e1 = server.login("acme", "e1").await.me.user_id;
    let e2 = server.login("acme", "e2").await.me.user_id;
    let catalog = json!({"catalog": [{"key": "vip", "name": "VIP 服务", "levels": ["认证"]}]});
    json_of::<Value>(
        server
            .send_json("PUT", "/api/dispatch/settings", &ada, &catalog)
            .await,
    )
    .await;
    let mut groups = vec![];
    for (name, member, skills) in [
        ("普通组", e1, json!([])),
        ("VIP组", e2, json!([{"skill": "vip", "level": "认证"}])),
    ] {
        let g: Value = json_of(
            server
                .send_json(
                    "POST",
                    "/api/groups",
                    &ada,
                    &json!({"name": name, "member_ids": [member]}),
                )
                .await,
        )
        .await;
        let id = g["id"].as_i64().unwrap();
        let profile = json!({"skills": skills, "region": {"divisions": [440000], "polygons": []}});
        let res = server
            .send_json(
                "PUT",
                &format!("/api/dispatch/profiles/service_group/{id}"),
                &sam,
                &profile,
            )
            .await;
        assert!(res.status().is_success(), "{}", res.status());
        groups.push(id);
    }
    let (plain, vip) = (groups[0], groups[1]);
    for rule in [
        json!({"kind": "skill", "name": "VIP 客户需 VIP 服务", "target": "service_group",
            "scope": [{"field": "customer_tier", "op": "equals", "values": ["VIP"]}],
            "skills": [{"skill": "vip", "min_level": "认证"}]}),
        json!({"kind": "auto", "name": "就近派单", "priority": 1, "target": "service_group",
            "scope": []}),
    ] {
        server.post_ok("/api/dispatch/rules", &sam, &rule).await;
    }
    let create = |number: &str, tier: &str| {
        json!({"number": number, "customer": "海岸城", "customer_tier": tier,
            "contact": "Li", "address": "广东省深圳市南山区科技园", "order_type": "repair",
            "priority": "normal"})
    };
    let a: WorkOrderView = json_of(
        server
            .send_json("POST", "/api/work-orders", &sam, &create("T-1", "VIP"))
            .await,
    )
    .await;
    assert_eq!(a.customer_tier, "VIP");
    assert_eq!(a.target.as_ref().map(|t| t.id), Some(vip));
    assert_eq!(a.assignees, vec![e2]);
    // Without the tier the plain group (fewer open orders) gets it…
    let b: WorkOrderView = json_of(
        server
            .send_json("POST", "/api/work-orders", &sam, &create("T-2", ""))
            .await,
    )
    .await;
    assert_eq!(b.target.as_ref().map(|t| t.id), Some(plain));
    // …until the customer turns out to be VIP: dispatched again.
    let res = server
        .send_json(
            "PUT",
            &format!("/api/work-orders/{}", b.id),
            &sam,
            &json!({"customer_tier": "VIP"}),
        )
        .await;
    let b: WorkOrderView = json_of(res).await;
    assert_eq!(b.customer_tier, "VIP");
    assert_eq!(b.target.as_ref().map(|t| t.id), Some(vip));
    assert_eq!(b.assignees, vec![e2]);
    // Too long a tier is refused.
    let res = server
        .send_json(
            "PUT",
            &format!("/api/work-orders/{}", b.id),
            &sam,
            &json!({"customer_tier": "x".repeat(33)}),
        )
        .await;
    expect_error(res, 400, "bad_request").await;
}
