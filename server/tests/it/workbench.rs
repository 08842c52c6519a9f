//! The workbench over the real server: layouts designed, cloned,
//! previewed and assigned by supervisors (agents see the result live and
//! may not design), and quick replies — personal ones private to their
//! owner, enterprise ones read-only to agents.

use fieldesk_core::event::ServerEvent;
use fieldesk_core::layout::{App, Channel, Layout, LayoutBook, ResolvedLayout};
use fieldesk_core::quick_reply::{QuickReply, QuickReplyBook, QuickReplyGroup, Tier};
use fieldesk_testkit::chat::StaffEvents;
use fieldesk_testkit::server::{TestServer, expect_error};
use serde_json::{Value, json};

use crate::bin;

async fn json_of<T: serde::de::DeserializeOwned>(res: reqwest::Response) -> T {
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap()
}

fn email_layout(name: &str) -> Value {
    json!({
        "name": name,
        "workbench_name": "邮件工作台",
        "buttons": [
            {"kind": "builtin", "action": "quick_replies"},
            {"kind": "open_url", "label": "CRM", "url": "https://crm.example.com/c?v={{visitor.id}}"},
            {"kind": "open_panel", "label": "订单", "panel": "orders"}
        ],
        "panels": [
            {"kind": "history"},
            {"kind": "ai_agent", "spaces": ["售后"], "assist": true, "click_to_insert": true},
            {"kind": "web", "id": "orders", "title": "订单", "url": "http://localhost:8080/o?c={{conversation.id}}"}
        ]
    })
}

fn layout_at(all: &[ResolvedLayout], app: App, channel: Channel) -> &Layout {
    &all.iter()
        .find(|r| r.app == app && r.channel == channel)
        .unwrap()
        .layout
}

#[tokio::test]
async fn supervisors_design_and_assign_layouts_and_agents_see_them_live() {
    let server = TestServer::start(bin());
    let sam = server.login("acme", "sam").await.token;
    let alice = server.login("acme", "alice").await.token;
    let gina = server.login("globex", "gina").await.token;

    // Agents neither read nor design layouts.
    expect_error(server.get("/api/layouts", &alice).await, 403, "forbidden").await;
    let res = server
        .send_json("POST", "/api/layouts", &alice, &email_layout("x"))
        .await;
    expect_error(res, 403, "forbidden").await;

    // Bad layouts are refused, saying why, and nothing is saved.
    let mut unknown_panel = email_layout("坏");
    unknown_panel["buttons"][2]["panel"] = json!("erp");
    let res = server
        .send_json("POST", "/api/layouts", &sam, &unknown_panel)
        .await;
    let message = expect_error(res, 400, "invalid_layout").await;
    assert!(message.contains("erp"), "{message}");
    let mut bad_url = email_layout("坏");
    bad_url["buttons"][1]["url"] = json!("javascript:alert(1)");
    let res = server
        .send_json("POST", "/api/layouts", &sam, &bad_url)
        .await;
    let message = expect_error(res, 400, "invalid_layout").await;
    assert!(message.contains("javascript:alert(1)"), "{message}");
    let mut unknown_kind = email_layout("坏");
    unknown_kind["panels"][0] = json!({"kind": "stock_ticker"});
    let res = server
        .send_json("POST", "/api/layouts", &sam, &unknown_kind)
        .await;
    assert_eq!(res.status(), 422);
    let book: LayoutBook = json_of(server.get("/api/layouts", &sam).await).await;
    assert!(book.layouts.is_empty(), "nothing half-saved");

    // Create, refuse a duplicate name, clone.
    let email: Layout = json_of(
        server
            .send_json("POST", "/api/layouts", &sam, &email_layout("邮件布局"))
            .await,
    )
    .await;
    assert_eq!(email.panels.len(), 3);
    let res = server
        .send_json("POST", "/api/layouts", &sam, &email_layout("邮件布局"))
        .await;
    expect_error(res, 409, "conflict").await;
    let copy: Layout = json_of(
        server
            .send_json(
                "POST",
                &format!("/api/layouts/{}/clone", email.id),
                &sam,
                &json!({"name": "邮件布局（副本）"}),
            )
            .await,
    )
    .await;
    assert_ne!(copy.id, email.id);
    assert_eq!(
        (copy.buttons.clone(), copy.panels.clone()),
        (email.buttons.clone(), email.panels.clone())
    );

    // Before any assignment the agent sees the built-in layout.
    let mine: Vec<ResolvedLayout> = json_of(server.get("/api/workbench", &alice).await).await;
    assert_eq!(mine.len(), 4);
    assert_eq!(
        layout_at(&mine, App::Desktop, Channel::Email),
        &Layout::builtin("Acme Service Desk")
    );

    // Assign the email channel's layout for agents: the online agent is told.
    let mut events = StaffEvents::connect(&server.ws_url(), &alice).await;
    let assignments = json!([
        {"layout": email.id, "app": "desktop", "role": "agent", "channel": "email"},
        {"layout": copy.id, "app": "mobile"}
    ]);
    let book: LayoutBook = json_of(
        server
            .send_json("PUT", "/api/layouts/assignments", &sam, &assignments)
            .await,
    )
    .await;
    assert_eq!(book.assignments.len(), 2);
    events
        .wait_for("layouts_changed", |e| {
            matches!(e, ServerEvent::LayoutsChanged)
        })
        .await;
    let mine: Vec<ResolvedLayout> = json_of(server.get("/api/workbench", &alice).await).await;
    assert_eq!(layout_at(&mine, App::Desktop, Channel::Email).id, email.id);
    assert_eq!(
        layout_at(&mine, App::Desktop, Channel::WebChat),
        &Layout::builtin("Acme Service Desk")
    );
    assert_eq!(layout_at(&mine, App::Mobile, Channel::WebChat).id, copy.id);
    // The supervisor sees the built-in one on the desktop email channel.
    let sams: Vec<ResolvedLayout> = json_of(server.get("/api/workbench", &sam).await).await;
    assert_eq!(layout_at(&sams, App::Desktop, Channel::Email).id, 0);

    // Preview as a role and channel.
    let preview: Layout = json_of(
        server
            .get(
                "/api/layouts/preview?app=desktop&role=agent&channel=email",
                &sam,
            )
            .await,
    )
    .await;
    assert_eq!(preview.id, email.id);

    // Duplicate assignments, and another tenant's layouts, are refused.
    let twice = json!([
        {"layout": email.id, "app": "desktop"},
        {"layout": copy.id, "app": "desktop"}
    ]);
    let res = server
        .send_json("PUT", "/api/layouts/assignments", &sam, &twice)
        .await;
    expect_error(res, 400, "invalid_layout").await;
    let theirs = json!([{"layout": email.id, "app": "desktop"}]);
    let res = server
        .send_json("PUT", "/api/layouts/assignments", &gina, &theirs)
        .await;
    expect_error(res, 404, "not_found").await;
    let globex: LayoutBook = json_of(server.get("/api/layouts", &gina).await).await;
    assert!(globex.layouts.is_empty() && globex.assignments.is_empty());

    // Editing the layout reaches the agent; deleting it falls back.
    let mut changed = email.clone();
    changed.workbench_name = "邮件工作台 2".into();
    let res = server
        .send_json(
            "PUT",
            &format!("/api/layouts/{}", email.id),
            &sam,
            &serde_json::to_value(&changed).unwrap(),
        )
        .await;
    json_of::<Layout>(res).await;
    events
        .wait_for("layouts_changed", |e| {
            matches!(e, ServerEvent::LayoutsChanged)
        })
        .await;
    let mine: Vec<ResolvedLayout> = json_of(server.get("/api/workbench", &alice).await).await;
    assert_eq!(
        layout_at(&mine, App::Desktop, Channel::Email).workbench_name,
        "邮件工作台 2"
    );
    let res = server
        .send_json(
            "DELETE",
            &format!("/api/layouts/{}", email.id),
            &sam,
            &json!(null),
        )
        .await;
    assert_eq!(res.status(), 204);
    let mine: Vec<ResolvedLayout> = json_of(server.get("/api/workbench", &alice).await).await;
    assert_eq!(layout_at(&mine, App::Desktop, Channel::Email).id, 0);
    let book: LayoutBook = json_of(server.get("/api/layouts", &sam).await).await;
    assert_eq!(
        book.assignments.len(),
        1,
        "the deleted layout's assignment went with it"
    );
    events.close().await;
}

fn reply(tier: &str, title: &str, content: &str) -> Value {
    json!({"tier": tier, "title": title, "shortcut": "", "content": content})
}

#[tokio::test]
async fn personal_replies_are_private_and_enterprise_ones_read_only() {
    let server = TestServer::start(bin());
    server.add_user("bob", "agent", "Bob Agent");
    let ada = server.login("acme", "ada").await.token;
    let alice = server.login("acme", "alice").await.token;
    let bob = server.login("acme", "bob").await.token;
    let eve = server.login("acme", "eve").await.token;

    // A personal reply, created twice with one client id: one reply.
    let mut body = reply(
        "personal",
        "问候",
        "您好 {{visitor.name}}，我是 {{agent.name}}。",
    );
    body["client_id"] = json!("c-1");
    body["shortcut"] = json!("hi");
    let first: QuickReply = json_of(
        server
            .send_json("POST", "/api/quick-replies", &alice, &body)
            .await,
    )
    .await;
    let again: QuickReply = json_of(
        server
            .send_json("POST", "/api/quick-replies", &alice, &body)
            .await,
    )
    .await;
    assert_eq!(first.id, again.id);
    assert_eq!(first.tier, Tier::Personal);

    // Bob cannot see, change or delete it.
    let bobs: QuickReplyBook = json_of(server.get("/api/quick-replies", &bob).await).await;
    assert!(bobs.replies.is_empty());
    let path = format!("/api/quick-replies/{}", first.id);
    let res = server
        .send_json("PUT", &path, &bob, &reply("personal", "改", "改"))
        .await;
    expect_error(res, 404, "not_found").await;
    let res = server.send_json("DELETE", &path, &bob, &json!(null)).await;
    expect_error(res, 404, "not_found").await;
    // Engineers have no quick replies.
    expect_error(
        server.get("/api/quick-replies", &eve).await,
        403,
        "forbidden",
    )
    .await;

    // Enterprise replies: admins write, agents read.
    let mut events = StaffEvents::connect(&server.ws_url(), &alice).await;
    let group: QuickReplyGroup = json_of(
        server
            .send_json(
                "POST",
                "/api/quick-reply-groups/enterprise",
                &ada,
                &json!({"name": "售后"}),
            )
            .await,
    )
    .await;
    let res = server
        .send_json(
            "POST",
            "/api/quick-reply-groups/enterprise",
            &ada,
            &json!({"name": " 售后 "}),
        )
        .await;
    expect_error(res, 409, "conflict").await;
    let res = server
        .send_json(
            "POST",
            "/api/quick-reply-groups/enterprise",
            &alice,
            &json!({"name": "我的"}),
        )
        .await;
    expect_error(res, 403, "forbidden").await;
    let mut refund = reply("enterprise", "退款流程", "退款将在 3 个工作日内原路退回。");
    refund["group"] = json!(group.id);
    refund["space"] = json!("售后");
    let refund: QuickReply = json_of(
        server
            .send_json("POST", "/api/quick-replies", &ada, &refund)
            .await,
    )
    .await;
    events
        .wait_for("quick_replies_changed", |e| {
            matches!(e, ServerEvent::QuickRepliesChanged)
        })
        .await;
    let res = server
        .send_json(
            "POST",
            "/api/quick-replies",
            &alice,
            &reply("enterprise", "x", "y"),
        )
        .await;
    expect_error(res, 403, "forbidden").await;
    let refund_path = format!("/api/quick-replies/{}", refund.id);
    let res = server
        .send_json(
            "PUT",
            &refund_path,
            &alice,
            &reply("enterprise", "改", "改"),
        )
        .await;
    expect_error(res, 403, "forbidden").await;
    let res = server
        .send_json("DELETE", &refund_path, &alice, &json!(null))
        .await;
    expect_error(res, 403, "forbidden").await;

    // Alice sees her own first, then the enterprise's, with their groups.
    let book: QuickReplyBook = json_of(server.get("/api/quick-replies", &alice).await).await;
    let titles: Vec<&str> = book.replies.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, ["问候", "退款流程"]);
    assert_eq!(book.replies[1].group, Some(group.id));
    assert_eq!(book.replies[1].space.as_deref(), Some("售后"));
    assert_eq!(book.groups, vec![group.clone()]);
    assert_eq!(book.channels, vec![Channel::WebChat, Channel::Email]);

    // Oversize and bad input: localized, nothing saved.
    let long = reply("personal", "长", &"字".repeat(2001));
    // (No Accept-Language: Simplified Chinese.)
    let res = server
        .send_json("POST", "/api/quick-replies", &alice, &long)
        .await;
    let message = expect_error(res, 400, "invalid_quick_reply").await;
    assert!(message.contains("超过 2000 个字符"), "{message}");
    let res = server
        .send_json(
            "POST",
            "/api/quick-replies",
            &alice,
            &reply("personal", "", "x"),
        )
        .await;
    expect_error(res, 400, "invalid_quick_reply").await;
    let huge = reply("personal", "大", &"x".repeat(70_000));
    let res = server
        .send_json("POST", "/api/quick-replies", &alice, &huge)
        .await;
    expect_error(res, 413, "payload_too_large").await;
    let book: QuickReplyBook = json_of(server.get("/api/quick-replies", &alice).await).await;
    assert_eq!(book.replies.len(), 2);

    // Personal groups, reorder, rename, delete (replies stay, ungrouped).
    let mine: QuickReplyGroup = json_of(
        server
            .send_json(
                "POST",
                "/api/quick-reply-groups/personal",
                &alice,
                &json!({"name": "常用"}),
            )
            .await,
    )
    .await;
    let bobs_group = server
        .send_json(
            "POST",
            "/api/quick-reply-groups/personal",
            &bob,
            &json!({"name": "常用"}),
        )
        .await;
    assert_eq!(bobs_group.status(), 201, "group names are per owner");
    let mut thanks = reply("personal", "感谢", "感谢您的耐心。");
    thanks["group"] = json!(mine.id);
    let thanks: QuickReply = json_of(
        server
            .send_json("POST", "/api/quick-replies", &alice, &thanks)
            .await,
    )
    .await;
    let mut into_enterprise = reply("personal", "x", "y");
    into_enterprise["group"] = json!(group.id);
    let res = server
        .send_json("POST", "/api/quick-replies", &alice, &into_enterprise)
        .await;
    expect_error(res, 404, "not_found").await;
    let res = server
        .send_json(
            "PUT",
            "/api/quick-replies/order",
            &alice,
            &json!({"tier": "personal", "ids": [thanks.id, first.id]}),
        )
        .await;
    assert_eq!(res.status(), 204);
    let res = server
        .send_json(
            "PUT",
            "/api/quick-replies/order",
            &bob,
            &json!({"tier": "personal", "ids": [thanks.id]}),
        )
        .await;
    expect_error(res, 404, "not_found").await;
    let res = server
        .send_json(
            "PUT",
            &format!("/api/quick-reply-groups/personal/{}", mine.id),
            &alice,
            &json!({"name": "最常用"}),
        )
        .await;
    assert_eq!(json_of::<QuickReplyGroup>(res).await.name, "最常用");
    let res = server
        .send_json(
            "DELETE",
            &format!("/api/quick-reply-groups/personal/{}", mine.id),
            &bob,
            &json!(null),
        )
        .await;
    expect_error(res, 404, "not_found").await;
    let res = server
        .send_json(
            "DELETE",
            &format!("/api/quick-reply-groups/personal/{}", mine.id),
            &alice,
            &json!(null),
        )
        .await;
    assert_eq!(res.status(), 204);
    let book: QuickReplyBook = json_of(server.get("/api/quick-replies", &alice).await).await;
    let titles: Vec<(&str, Option<i64>)> = book
        .replies
        .iter()
        .map(|r| (r.title.as_str(), r.group))
        .collect();
    assert_eq!(
        titles,
        [("感谢", None), ("问候", None), ("退款流程", Some(group.id))]
    );

    // Quick replies per channel (admins).
    let res = server
        .send_json(
            "PUT",
            "/api/quick-replies/channels",
            &alice,
            &json!({"quick_reply_channels": []}),
        )
        .await;
    expect_error(res, 403, "forbidden").await;
    let res = server
        .send_json(
            "PUT",
            "/api/quick-replies/channels",
            &ada,
            &json!({"quick_reply_channels": ["web_chat"]}),
        )
        .await;
    assert!(res.status().is_success());
    let book: QuickReplyBook = json_of(server.get("/api/quick-replies", &alice).await).await;
    assert_eq!(book.channels, vec![Channel::WebChat]);
    events.close().await;
}
