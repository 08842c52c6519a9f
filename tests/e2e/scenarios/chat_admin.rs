//! An admin sets up the online service in the app; visitors see it.

use fieldesk_core::chat::{Author, VisitorEvent};
use fieldesk_testkit::chat::Visitor;
use fieldesk_testkit::server::PASSWORD;

use crate::Ctx;

pub async fn admin_edits_texts_and_knowledge_that_visitors_see(ctx: Ctx) {
    let server = ctx.server();
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "ada", PASSWORD).await;
    app.select("language-select", "en").await;

    // Chat settings: English welcome, no Traditional Chinese.
    app.click("view-settings").await;
    app.find("chat-settings").await;
    app.fill("text-welcome-en", "Hi from Acme! How can we help?")
        .await;
    app.click("lang-zh-TW").await;
    app.click("chat-settings-save").await;
    app.expect_text("chat-settings-saved", "Saved.").await;
    // A bad holiday date is refused with a clear message, nothing saved.
    app.click("hours-always").await;
    app.fill("hours-holidays", "next tuesday").await;
    app.click("chat-settings-save").await;
    app.wait_text("chat-settings-error", |t| t.contains("YYYY-MM-DD"))
        .await;
    ctx.shot(&app, "settings").await;

    let (_, ready) = Visitor::connect(&server.visitor_ws_url("acme"), None, 0, Some("en"))
        .await
        .unwrap();
    let VisitorEvent::Ready {
        texts, languages, ..
    } = ready
    else {
        unreachable!()
    };
    assert_eq!(texts.welcome, "Hi from Acme! How can we help?");
    assert_eq!(
        languages.len(),
        2,
        "zh-TW is no longer offered: {languages:?}"
    );

    // Knowledge: a new article is quoted by the AI agent at once.
    app.click("view-knowledge").await;
    app.fill("kb-title", "Warranty").await;
    app.fill("kb-tags", "warranty, repair").await;
    app.select("kb-locale", "en").await;
    app.fill(
        "kb-body",
        "Every Acme device has a two-year warranty covering parts and labour.",
    )
    .await;
    app.click("kb-save").await;
    app.wait_text("kb-article", |t| {
        t.starts_with("Warranty") && t.contains("English")
    })
    .await;
    let (mut visitor, _) = Visitor::connect(&server.visitor_ws_url("acme"), None, 0, Some("en"))
        .await
        .unwrap();
    visitor.say("w1", "how long is the warranty?").await;
    let answer = visitor
        .wait_message("AI answer", |m| m.author == Author::Bot)
        .await;
    assert!(answer.body.contains("two-year warranty"), "{}", answer.body);
    assert_eq!(answer.references[0].title, "Warranty");

    // Service groups: one with Sam and Alice, listed with their names.
    let sam = server.login("acme", "sam").await.me.user_id;
    let alice = server.login("acme", "alice").await.me.user_id;
    app.click("view-groups").await;
    app.fill("group-name", "Printers").await;
    app.click(&format!("member-{sam}")).await;
    app.click(&format!("member-{alice}")).await;
    app.click("group-save").await;
    app.wait_text("group", |t| {
        t.contains("Printers") && t.contains("Sam Supervisor") && t.contains("Alice Agent")
    })
    .await;
    // The same name again is refused, localized.
    app.fill("group-name", "Printers").await;
    app.click("group-save").await;
    app.expect_text("group-error", "That already exists.").await;
    app.close().await;
}
