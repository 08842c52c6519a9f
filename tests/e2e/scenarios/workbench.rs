//! The workbench in real app windows, as three scenarios:
//! - an agent keeps personal quick replies and groups, is refused a
//!   duplicate group and an oversize reply in their language, and reads
//!   the enterprise's replies without editing them;
//! - a supervisor designs a layout, assigns it to agents on the email
//!   channel (checked with the preview) and then on web chat; the serving
//!   agent's sidebar and workbench name change live while their draft
//!   and scroll position stay, and the AI panel inserts a suggestion;
//! - the agent finds replies by `/shortcut`, pinyin initials and the
//!   picker, chooses with the keyboard and sends with the variables
//!   filled, on the desktop and at a phone's 390×844; the server and the
//!   visitor's window hold exactly those replies.

use fantoccini::key::Key;
use fieldesk_core::chat::{Author, ChatMessage, VisitorEvent};
use fieldesk_testkit::app::{AppDriver, AppWindow};
use fieldesk_testkit::chat::Visitor;
use fieldesk_testkit::server::{PASSWORD, TestServer};
use serde_json::json;

use crate::Ctx;

fn key(k: Key) -> String {
    char::from(k).to_string()
}

/// The enterprise's refund reply, kept by the admin over the API.
async fn enterprise_refund_reply(server: &TestServer) {
    let ada = server.login("acme", "ada").await.token;
    let enterprise = json!({"tier": "enterprise", "title": "退款流程", "shortcut": "",
        "content": "{{visitor.name}}，退款将在 3 个工作日内原路退回。"});
    server
        .post_ok("/api/quick-replies", &ada, &enterprise)
        .await;
}

/// Alice, signed in in English.
async fn agent_window(ctx: &Ctx, server: &TestServer) -> (AppDriver, AppWindow) {
    let driver = ctx.driver().await;
    let agent = driver.open().await;
    agent.log_in(&server.base, "acme", "alice", PASSWORD).await;
    agent.select("language-select", "en").await;
    (driver, agent)
}

/// A visitor who asked for a human and left their window (it reconnects
/// later to read the replies; a socket nobody reads is closed by the
/// server's heartbeat): their token.
async fn queued_visitor(server: &TestServer) -> String {
    let visitor = Visitor::waiting_for_a_human(
        &server.visitor_ws_url("acme"),
        "How long do refunds take?",
        "en",
    )
    .await;
    let token = visitor.token.clone();
    visitor.close().await;
    token
}

/// The agent accepts the queued conversation with the built-in layout:
/// its id and the visitor's name.
async fn accept_the_queued(agent: &AppWindow) -> (String, String) {
    agent.click("view-desk").await;
    agent.click("tab-queued").await;
    let conversation = agent
        .find("conversation")
        .await
        .attr("data-id")
        .await
        .unwrap()
        .unwrap();
    agent.click("conversation").await;
    agent.click("accept").await;
    agent.expect_text("chat-state", "Human").await;
    let visitor_name = agent.text("chat-visitor").await;
    agent
        .expect_text("workbench-title", "Acme Service Desk")
        .await;
    (conversation, visitor_name)
}

pub async fn agent_keeps_quick_replies_and_reads_the_enterprises(ctx: Ctx) {
    let server = ctx.server();
    enterprise_refund_reply(&server).await;
    let (_driver, agent) = agent_window(&ctx, &server).await;
    // A personal quick reply and a group.
    agent.click("view-quick_replies").await;
    agent.fill("reply-title", "问候").await;
    agent.fill("reply-shortcut", "hi").await;
    agent
        .fill(
            "reply-content",
            "您好 {{visitor.name}}，我是 {{agent.name}}。",
        )
        .await;
    agent.click("reply-save").await;
    agent
        .wait_text("quick-replies-view", |t| t.contains("/hi"))
        .await;
    agent.fill("group-new-name", "常用").await;
    agent.click("group-add").await;
    agent.expect_attr("reply-group", "data-name", "常用").await;
    ctx.shot(&agent, "quick-replies").await;
    // The same name again: refused, said in English.
    agent.fill("group-new-name", " 常用 ").await;
    agent.click("group-add").await;
    agent
        .wait_text("replies-error", |t| t.contains("already"))
        .await;
    // Too long: a localized error, nothing saved.
    agent.fill("reply-title", "长").await;
    agent.fill("reply-content", &"字".repeat(2001)).await;
    agent.click("reply-save").await;
    agent
        .wait_text("replies-error", |t| t.contains("longer than 2000"))
        .await;
    agent.click("replies-tab-enterprise").await;
    agent
        .wait_text("quick-replies-view", |t| {
            t.contains("退款流程") && t.contains("managed by admins")
        })
        .await;
    assert!(
        !agent.exists("reply-edit").await,
        "agents cannot edit enterprise replies"
    );

    agent.close().await;
}

pub async fn supervisor_switches_layouts_live_and_the_agents_draft_stays(ctx: Ctx) {
    let server = ctx.server();
    // What the AI agent knows.
    let ada = server.login("acme", "ada").await.token;
    let article = json!({"space": "help", "title": "Refund time", "locale": "en", "tags": [],
        "body": "How long do refunds take? Refunds reach the original payment method within 3 working days."});
    server
        .post_ok("/api/knowledge/articles", &ada, &article)
        .await;
    queued_visitor(&server).await;
    let (_agent_driver, agent) = agent_window(&ctx, &server).await;
    // The built-in layout first.
    let (conversation, _) = accept_the_queued(&agent).await;
    agent.find("panel-quick_replies").await;
    assert!(!agent.exists("panel-history").await);
    agent.type_keys("reply-input", "Let me check").await;
    // Mark the message list: the same element (so its scroll position)
    // must still be there after the layout changes.
    let list = agent.find("chat-messages").await;
    let arg = serde_json::to_value(&list).unwrap();
    agent
        .client
        .execute("arguments[0].dataset.marker = 'kept'", vec![arg])
        .await
        .unwrap();

    // The supervisor designs a layout in the other window.
    let sup_driver = ctx.driver().await;
    let sup = sup_driver.open().await;
    sup.log_in(&server.base, "acme", "sam", PASSWORD).await;
    sup.select("language-select", "en").await;
    sup.click("view-layouts").await;
    sup.click("layout-new").await;
    sup.fill("layout-name", "Email desk").await;
    sup.fill("layout-workbench-name", "Email workbench").await;
    sup.select("layout-add-panel-kind", "history").await;
    sup.click("layout-add-panel").await;
    sup.select("layout-add-panel-kind", "web").await;
    sup.fill("layout-web-id", "crm").await;
    sup.fill("layout-web-title", "CRM").await;
    let crm = format!("{}/api/health?c={{{{conversation.id}}}}", server.base);
    sup.fill("layout-web-url", &crm).await;
    sup.click("layout-add-panel").await;
    sup.select("layout-add-panel-kind", "ai_agent").await;
    sup.fill("layout-ai-spaces", "help").await;
    sup.click("layout-add-panel").await;
    // A forbidden link is refused with the reason; nothing is saved.
    sup.fill("layout-url-label", "Evil").await;
    sup.fill("layout-url", "javascript:alert(1)").await;
    sup.click("layout-add-url").await;
    sup.click("layout-save").await;
    sup.wait_text("layout-error", |t| {
        t.contains("javascript:alert(1)") && t.contains("https://")
    })
    .await;
    assert!(!sup.exists("layout-row").await, "nothing half-saved");
    sup.wait_text("layout-editor", |t| t.contains("Evil")).await;
    // Remove the bad button (the last one) and save.
    let removes = sup
        .client
        .find_all(fantoccini::Locator::Css(
            "[data-testid=layout-button-row] [data-testid=layout-remove]",
        ))
        .await
        .unwrap();
    removes.last().unwrap().click().await.unwrap();
    sup.click("layout-save").await;
    sup.expect_attr("layout-row", "data-name", "Email desk")
        .await;
    let book: serde_json::Value = server
        .get("/api/layouts", &server.login("acme", "sam").await.token)
        .await
        .json()
        .await
        .unwrap();
    let layout_id = book["layouts"][0]["id"].as_i64().unwrap();
    let panels = &book["layouts"][0]["panels"];
    assert_eq!(panels.as_array().unwrap().len(), 6);
    assert_eq!(
        panels[5],
        json!({"kind": "ai_agent", "spaces": ["help"], "assist": true, "click_to_insert": true})
    );
    sup.click("layout-clone").await;
    sup.wait_text("layouts-view", |t| t.contains("Email desk (copy)"))
        .await;

    // Assign it to agents on the email channel; the preview shows it.
    sup.select("assign-role", "agent").await;
    sup.select("assign-channel", "email").await;
    sup.select("assign-layout", &layout_id.to_string()).await;
    sup.click("assign-add").await;
    sup.expect_attr("assignment", "data-key", "desktop/agent/email")
        .await;
    sup.select("preview-channel", "email").await;
    sup.expect_text("preview-name", "Email workbench").await;
    sup.select("preview-channel", "web_chat").await;
    sup.expect_text("preview-name", "Acme Service Desk").await;
    // The agent's web chat is unchanged.
    agent
        .expect_text("workbench-title", "Acme Service Desk")
        .await;

    // Switch the agents' web chat to it too: the agent's window follows
    // live, and their draft survives.
    sup.select("assign-channel", "web_chat").await;
    sup.select("assign-layout", &layout_id.to_string()).await;
    sup.click("assign-add").await;
    agent
        .expect_text("workbench-title", "Email workbench")
        .await;
    agent.find("panel-history").await;
    let frame = agent.find("web-frame").await;
    let src = frame.attr("src").await.unwrap().unwrap_or_default();
    assert!(
        src.ends_with(&format!("/api/health?c={conversation}")),
        "{src}"
    );
    assert_eq!(
        frame.attr("sandbox").await.unwrap().as_deref(),
        Some("allow-scripts allow-forms allow-popups")
    );
    agent.expect_value("reply-input", "Let me check").await;
    agent
        .expect_attr("chat-messages", "data-marker", "kept")
        .await;
    // The AI agent's panel suggests from its space; a click inserts.
    agent
        .wait_text("panel-ai_agent", |t| t.contains("3 working days"))
        .await;
    agent.click("ai-insert").await;
    let draft = agent.value("reply-input").await;
    assert!(
        draft.starts_with("Let me check ") && draft.contains("3 working days"),
        "{draft}"
    );
    ctx.shot(&sup, "designer").await;
    sup.click("theme-toggle").await;
    ctx.shot(&sup, "designer-dark").await;
    sup.click("theme-toggle").await;
    sup.close().await;
    drop(sup_driver);
    agent.close().await;
}

pub async fn agent_replies_with_quick_replies_by_shortcut_pinyin_and_picker(ctx: Ctx) {
    let server = ctx.server();
    enterprise_refund_reply(&server).await;
    // Alice's personal reply, kept over the API.
    let alice = server.login("acme", "alice").await.token;
    let personal = json!({"tier": "personal", "title": "问候", "shortcut": "hi",
        "content": "您好 {{visitor.name}}，我是 {{agent.name}}。"});
    server
        .post_ok("/api/quick-replies", &alice, &personal)
        .await;
    let visitor_token = queued_visitor(&server).await;
    let (_driver, agent) = agent_window(&ctx, &server).await;
    let (conversation, visitor_name) = accept_the_queued(&agent).await;

    // Type-ahead: `/hi` → Enter inserts the filled personal reply.
    agent.fill("reply-input", "/hi").await;
    agent
        .expect_attr("suggestion", "data-tier", "personal")
        .await;
    agent.type_keys("reply-input", &key(Key::Enter)).await;
    let greeting = format!("您好 {visitor_name}，我是 Alice Agent。");
    agent.expect_value("reply-input", &greeting).await;
    agent.click("reply-send").await;

    // Pinyin initials: "tk" finds 退款流程; ↓ then Enter inserts it.
    agent.fill("reply-input", "tk").await;
    agent
        .wait_text("suggestions", |t| t.contains("退款流程"))
        .await;
    agent
        .type_keys(
            "reply-input",
            &format!("{}{}", key(Key::Down), key(Key::Enter)),
        )
        .await;
    let refund = format!("{visitor_name}，退款将在 3 个工作日内原路退回。");
    agent.expect_value("reply-input", &refund).await;
    // Esc closes suggestions without inserting; Enter then sends as typed.
    agent.fill("reply-input", "tk").await;
    agent.find("suggestions").await;
    agent.type_keys("reply-input", &key(Key::Escape)).await;
    agent.expect_gone("suggestions").await;
    agent.fill("reply-input", &refund).await;
    agent.type_keys("reply-input", &key(Key::Enter)).await;
    agent.expect_value("reply-input", "").await;
    ctx.shot(&agent, "desktop-light").await;
    agent.click("theme-toggle").await;
    agent
        .expect_attr("shortcuts-button", "aria-label", "Keyboard shortcuts")
        .await;
    ctx.shot(&agent, "desktop-dark").await;
    agent.click("shortcuts-button").await;
    agent
        .wait_text("shortcuts-help", |t| t.contains("Alt+Q"))
        .await;
    ctx.shot(&agent, "shortcuts").await;
    agent.type_keys("reply-input", &key(Key::Escape)).await;
    agent.click("theme-toggle").await;

    // A phone-sized window: the mobile layout (none assigned: built-in),
    // the same picker and suggestions.
    agent.resize(390, 844).await;
    agent
        .expect_text("workbench-title", "Acme Service Desk")
        .await;
    agent.click("button-quick-replies").await;
    agent.click("picker-tab-enterprise").await;
    agent.fill("picker-search", "tuikuan").await;
    agent
        .wait_text("quick-reply-picker", |t| t.contains("退款流程"))
        .await;
    agent.click("picker-item").await;
    agent.expect_value("reply-input", &refund).await;
    agent.fill("reply-input", "/").await;
    agent
        .wait_text("suggestions", |t| {
            t.contains("问候") && t.contains("退款流程")
        })
        .await;
    ctx.shot(&agent, "mobile").await;
    agent.type_keys("reply-input", &key(Key::Enter)).await;
    agent.expect_value("reply-input", &greeting).await;
    agent.click("reply-send").await;
    agent.expect_value("reply-input", "").await;
    // The server holds exactly the three replies, filled (the last one
    // may still be on its way).
    let path = format!("/api/chat/conversations/{conversation}/messages");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let agent_texts: Vec<String> = loop {
        let sent: Vec<ChatMessage> = server.get(&path, &alice).await.json().await.unwrap();
        let texts: Vec<String> = sent
            .into_iter()
            .filter(|m| matches!(m.author, Author::Agent { .. }))
            .map(|m| m.body)
            .collect();
        if texts.len() >= 3 || std::time::Instant::now() > deadline {
            break texts;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        agent_texts,
        [greeting.as_str(), refund.as_str(), greeting.as_str()]
    );
    // …and the visitor's window shows them.
    let (_, ready) = Visitor::connect(
        &server.visitor_ws_url("acme"),
        Some(&visitor_token),
        0,
        Some("en"),
    )
    .await
    .unwrap();
    let VisitorEvent::Ready { history, .. } = ready else {
        panic!("not ready: {ready:?}")
    };
    let seen: Vec<String> = history
        .into_iter()
        .filter(|m| matches!(m.author, Author::Agent { .. }))
        .map(|m| m.body)
        .collect();
    assert_eq!(seen, agent_texts);
    agent.close().await;
}
