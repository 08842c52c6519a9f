//! The visitor chat window in a real browser (headless Chromium).

use fieldesk_core::Locale;
use fieldesk_core::i18n::Catalog;
use fieldesk_testkit::app::AppWindow;
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

/// A third-party page on another origin that embeds the chat window with
/// the one-line snippet (`attrs`: more attributes on it, e.g. a signed-in
/// customer's identity).
pub(crate) async fn third_party_site(server_base: &str, attrs: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let page = format!(
        "<!doctype html><html lang=\"de\"><head><title>Some shop</title></head><body>\
         <h1>Some shop</h1>\
         <script src=\"{server_base}/chat/embed.js\" data-tenant=\"acme\" data-lang=\"en\" {attrs} async></script>\
         </body></html>"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let page = page.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/")
}

/// Clicks the snippet's chat button on a third-party page and enters the
/// window it opens; answers the button's label.
pub(crate) async fn open_snippet_window(page: &AppWindow) -> Option<String> {
    let button = page
        .client
        .wait()
        .at_most(fieldesk_testkit::app::PATIENCE)
        .for_element(fantoccini::Locator::Css("[data-fieldesk=button]"))
        .await
        .expect("the snippet adds a chat button");
    let label = button.attr("aria-label").await.unwrap();
    button.click().await.unwrap();
    let frame = page
        .client
        .find(fantoccini::Locator::Css("iframe[data-fieldesk=window]"))
        .await
        .expect("the snippet adds the window");
    assert!(frame.is_displayed().await.unwrap(), "the button opens it");
    frame.enter_frame().await.unwrap();
    label
}

pub async fn the_snippet_embeds_the_window_in_another_site(ctx: Ctx) {
    let server = ctx.server();
    let site = third_party_site(&server.base, "").await;
    let browser =
        Browser::start(&ctx.artifacts.join(format!("{}.chromedriver.log", ctx.name))).await;
    let page = browser.open(&site).await;
    let label = open_snippet_window(&page).await;
    assert_eq!(label.as_deref(), Some("Online service"));
    page.expect_text(
        "welcome",
        &Catalog::new().message(Locale::En, "chat-default-welcome"),
    )
    .await;
    page.expect_attr("connection", "data-online", "true").await;
    page.client.enter_parent_frame().await.unwrap();
    ctx.shot(&page, "embedded").await;
    page.close().await;
}
