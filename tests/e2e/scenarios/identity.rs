//! Verified visitor identity in the real app and a real browser: a
//! customer signed in on the embedding site arrives verified with their
//! work orders; a guest shows as unverified with none, until the agent
//! links them by hand.

use fieldesk_core::chat::{Notice, VisitorCommand};
use fieldesk_core::identity::{IdentitySecret, sign};
use fieldesk_testkit::browser::Browser;
use fieldesk_testkit::chat::Visitor;
use fieldesk_testkit::server::PASSWORD;
use serde_json::json;

use super::chat_window::{open_snippet_window, third_party_site};
use crate::Ctx;

pub async fn agent_sees_work_orders_only_of_verified_visitors(ctx: Ctx) {
    let server = ctx.server();
    let sam = server.login("acme", "sam").await.token;
    let ada = server.login("acme", "ada").await.token;
    for (number, customer) in [("WO-81", "华东医院"), ("WO-82", "Beta Labs")] {
        let body = json!({
            "number": number, "customer": customer, "contact": "138-0000-0000",
            "address": "上海市徐汇区", "order_type": "repair", "priority": "normal",
        });
        server.post_ok("/api/work-orders", &sam, &body).await;
    }
    // The agents' web-chat sidebar shows the customer's context.
    let layout: serde_json::Value = server
        .post_ok(
            "/api/layouts",
            &sam,
            &json!({
                "name": "客户上下文", "workbench_name": "Acme Service Desk",
                "buttons": [{"kind": "builtin", "action": "end_conversation"}],
                "panels": [{"kind": "visitor_profile"}, {"kind": "related_work_orders"},
                    {"kind": "history"}],
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    let assign = json!([{"layout": layout["id"], "app": "desktop", "role": "agent",
        "channel": "web_chat"}]);
    let res = server
        .send_json("PUT", "/api/layouts/assignments", &sam, &assign)
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let made: IdentitySecret = server
        .post_ok("/api/chat/identity/secret", &ada, &json!(null))
        .await
        .json()
        .await
        .unwrap();

    // Alice is online in the app.
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "alice", PASSWORD).await;
    app.select("language-select", "en").await;
    app.select("agent-status", "online").await;

    // A customer signed in on the shop's site: the site's server signed
    // who they are into the snippet.
    let hash = sign(made.secret.as_bytes(), "c-81", "华东医院");
    let attrs = format!(
        "data-customer-id=\"c-81\" data-customer-name=\"华东医院\" data-customer-hash=\"{hash}\""
    );
    let site = third_party_site(&server.base, &attrs).await;
    let browser =
        Browser::start(&ctx.artifacts.join(format!("{}.chromedriver.log", ctx.name))).await;
    let page = browser.open(&site).await;
    open_snippet_window(&page).await;
    page.expect_attr("connection", "data-online", "true").await;
    page.fill("chat-input", "转人工").await;
    page.click("chat-send").await;
    page.wait_text("messages", |t| t.contains("Alice Agent"))
        .await;
    assert!(!page.exists("error").await, "the identity verified");

    app.expect_text("tab-mine", "Mine 1").await;
    app.click("conversation").await;
    app.expect_text("visitor-identity", "Verified: 华东医院")
        .await;
    app.wait_text("related-orders", |t| t.contains("WO-81"))
        .await;
    assert!(!app.text("related-orders").await.contains("WO-82"));
    app.wait_text("profile-customer", |t| {
        t.contains("华东医院") && t.contains("verified by your website")
    })
    .await;
    assert!(
        !app.exists("customer-unlink").await,
        "the site's word stands"
    );
    ctx.shot(&app, "verified").await;

    // A guest who says they are Beta Labs proves nothing.
    let (mut guest, _) = Visitor::connect(&server.visitor_ws_url("acme"), None, 0, Some("en"))
        .await
        .unwrap();
    guest.say("g1", "I am from Beta Labs").await;
    guest.send(&VisitorCommand::AskForHuman).await;
    guest
        .wait_message("assigned", |m| m.notice == Some(Notice::Assigned))
        .await;
    let selector = format!(
        "[data-testid=conversation][data-id=\"{}\"]",
        guest.conversation_id
    );
    app.client
        .wait()
        .at_most(fieldesk_testkit::app::PATIENCE)
        .for_element(fantoccini::Locator::Css(&selector))
        .await
        .expect("the guest's conversation is listed")
        .click()
        .await
        .unwrap();
    app.expect_text("visitor-identity", "Unverified").await;
    app.find("related-unverified").await;
    assert!(!app.exists("related-orders").await);

    // Alice checks by phone and links them; a wrong name is refused.
    app.fill("customer-link-name", "Beta Inc").await;
    app.click("customer-link").await;
    app.wait_text("customer-link-error", |t| {
        t.contains("No customer of that name")
    })
    .await;
    app.fill("customer-link-name", "beta labs").await;
    app.click("customer-link").await;
    app.wait_text("related-orders", |t| t.contains("WO-82"))
        .await;
    app.wait_text("related-customer", |t| t.contains("linked by an agent"))
        .await;
    app.expect_text("visitor-identity", "Verified: beta labs")
        .await;
    ctx.shot(&app, "linked").await;
    app.click("customer-unlink").await;
    app.find("related-unverified").await;
    app.expect_text("visitor-identity", "Unverified").await;

    guest.close().await;
    page.close().await;
    app.close().await;
}
