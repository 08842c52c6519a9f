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

/// A supervisor's "All" tab past one page, and a long conversation that
/// opens at its newest messages and pages back in the desk.
pub async fn long_lists_and_long_conversations_page_in_the_desk(ctx: Ctx) {
    let flags = [
        "--visitor-burst",
        "100000",
        "--visitor-per-sec",
        "100000",
        "--new-visitor-burst",
        "1000",
        "--tenant-new-visitor-burst",
        "1000",
    ];
    let server = fieldesk_testkit::server::TestServer::start_with(&ctx.server_bin, &flags, true);
    let ws = server.visitor_ws_url("acme");
    // 55 visitors wrote once; the first of them 70 times.
    let mut first = None;
    for n in 0..55 {
        let (mut v, _) = Visitor::connect(&ws, None, 0, Some("en")).await.unwrap();
        let lines = if n == 0 { 70 } else { 1 };
        for i in 0..lines {
            v.say(&format!("m{i}"), &format!("visitor {n} line {i}"))
                .await;
        }
        let last = format!("m{}", lines - 1);
        v.wait_for(
            "the last ack",
            |e| matches!(e, VisitorEvent::Ack { client_id, .. } if *client_id == last),
        )
        .await;
        if n == 0 {
            first = Some(v.conversation_id);
        }
        v.close().await;
    }
    let first = first.unwrap();
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "sam", PASSWORD).await;
    app.select("language-select", "en").await;
    app.click("tab-all").await;
    app.expect_count("conversation", 50).await;
    app.click("load-more-conversations").await;
    // The next page, every row once.
    app.expect_count("conversation", 55).await;
    app.expect_gone("load-more-conversations").await;
    ctx.shot(&app, "all-pages").await;
    // The oldest activity is last: the long conversation.
    let selector = format!("[data-testid=conversation][data-id=\"{first}\"]");
    app.client
        .find(fantoccini::Locator::Css(&selector))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.wait_text("chat-messages", |t| t.contains("visitor 0 line 69"))
        .await;
    assert!(!app.text("chat-messages").await.contains("visitor 0 line 0"));
    let pages = app.load_all("load-earlier", "chat-message").await;
    assert!(pages >= 1, "the conversation was longer than a page");
    app.wait_text("chat-messages", |t| {
        t.contains("visitor 0 line 0") && t.contains("visitor 0 line 69")
    })
    .await;
    ctx.shot(&app, "loaded-earlier").await;
    app.close().await;
}
