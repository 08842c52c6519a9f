//! The visitor chat window in a real browser (headless Chromium).

use fieldesk_core::Locale;
use fieldesk_core::i18n::Catalog;
use fieldesk_testkit::browser::Browser;

use crate::Ctx;

pub async fn visitor_window_switches_language_and_the_ai_answers(ctx: Ctx) {
    let server = ctx.server();
    let catalog = Catalog::new();
    let text = |locale, key: &str| catalog.message(locale, key);
    let browser =
        Browser::start(&ctx.artifacts.join(format!("{}.chromedriver.log", ctx.name))).await;
    // The embedding site asks for zh-TW.
    let page = browser.open(&server.url("/chat/acme?lang=zh-TW")).await;
    page.expect_text("welcome", &text(Locale::ZhTw, "chat-default-welcome"))
        .await;
    page.expect_lang("zh-TW").await;
    page.expect_attr("connection", "data-online", "true").await;

    // The visitor picks English: the welcome message follows.
    page.select("language-select", "en").await;
    page.expect_text("welcome", &text(Locale::En, "chat-default-welcome"))
        .await;
    page.expect_lang("en").await;
    ctx.shot(&page, "en").await;

    // A question: the AI agent answers in English, labelled as AI.
    page.fill("chat-input", "What is the weather tomorrow?")
        .await;
    page.click("chat-send").await;
    page.expect_text("ai-label", &text(Locale::En, "chat-ai-label"))
        .await;
    page.wait_text("messages", |t| {
        t.contains(&text(Locale::En, "chat-no-answer"))
    })
    .await;

    // A reload resumes the same conversation, in the chosen language.
    page.client.refresh().await.unwrap();
    page.expect_lang("en").await;
    page.wait_text("messages", |t| t.contains("What is the weather tomorrow?"))
        .await;
    ctx.shot(&page, "resumed").await;
    page.close().await;
}
