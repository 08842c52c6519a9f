//! The agent's chat desk in the real app, with a visitor driven over the
//! visitor WebSocket by the harness.

use fieldesk_core::chat::{Author, Notice, VisitorCommand, VisitorEvent};
use fieldesk_testkit::chat::Visitor;
use fieldesk_testkit::server::PASSWORD;

use crate::Ctx;

pub async fn agent_accepts_replies_and_ends_with_a_survey(ctx: Ctx) {
    let server = ctx.server();
    let mut visitor = Visitor::waiting_for_a_human(
        &server.visitor_ws_url("acme"),
        "What are your opening hours?",
        "en",
    )
    .await;

    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "alice", PASSWORD).await;
    app.select("language-select", "en").await;
    app.expect_text("tab-queued", "Queued 1").await;
    app.click("tab-queued").await;
    app.click("conversation").await;
    // The agent sees the visitor's language and the AI transcript.
    app.expect_text("visitor-language", "English").await;
    app.wait_text("chat-messages", |t| {
        t.contains("What are your opening hours?")
    })
    .await;
    app.expect_attr("chat-message", "data-author", "visitor")
        .await;
    app.click("accept").await;

    let assigned = visitor
        .wait_message("assigned", |m| m.notice == Some(Notice::Assigned))
        .await;
    assert_eq!(assigned.body, "Alice Agent is now serving you.");
    app.expect_text("chat-state", "Human").await;
    app.expect_text("tab-mine", "Mine 1").await;

    visitor.say("q2", "My X200 printer jams").await;
    app.wait_text("chat-messages", |t| t.contains("My X200 printer jams"))
        .await;
    app.fill("reply-input", "Open the front cover, I will guide you.")
        .await;
    app.click("reply-send").await;
    let reply = visitor
        .wait_message("agent reply", |m| matches!(m.author, Author::Agent { .. }))
        .await;
    assert_eq!(reply.body, "Open the front cover, I will guide you.");
    // The visitor's window shows it: the agent sees "Read".
    visitor
        .send(&VisitorCommand::Read { up_to: reply.id })
        .await;
    app.expect_text("delivery", "Read").await;
    ctx.shot(&app, "serving").await;

    app.click("end").await;
    let survey = visitor
        .wait_for("survey", |e| {
            matches!(e, VisitorEvent::SurveyRequested { .. })
        })
        .await;
    assert_eq!(
        survey,
        VisitorEvent::SurveyRequested {
            question: "How satisfied are you with this conversation?".into()
        }
    );
    app.expect_text("chat-state", "Ended").await;

    // Going online: the next visitor who asks is assigned at once.
    app.select("agent-status", "online").await;
    let (mut second, _) = Visitor::connect(&server.visitor_ws_url("acme"), None, 0, Some("zh-CN"))
        .await
        .unwrap();
    second.say("h", "转人工").await;
    let assigned = second
        .wait_message("assigned", |m| m.notice == Some(Notice::Assigned))
        .await;
    assert_eq!(assigned.body, "Alice Agent 正在为您服务。");
    app.expect_text("tab-mine", "Mine 1").await;
    app.close().await;
}
