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
    third_party_site_of(server_base, "acme", attrs).await
}

/// [`third_party_site`] with the snippet naming `tenant`.
async fn third_party_site_of(server_base: &str, tenant: &str, attrs: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let page = format!(
        "<!doctype html><html lang=\"de\"><head><title>Some shop</title></head><body>\
         <h1>Some shop</h1>\
         <script src=\"{server_base}/chat/embed.js\" data-tenant=\"{tenant}\" data-lang=\"en\" {attrs} async></script>\
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

/// A way to the server that lets pages through but no WebSocket: the
/// window stays as it is before its socket connects.
async fn without_websockets(server_addr: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let upstream = server_addr.to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let mut head = vec![0u8; 8192];
                let Ok(n) = client.read(&mut head).await else {
                    return;
                };
                let text = String::from_utf8_lossy(&head[..n]).to_ascii_lowercase();
                if text.contains("upgrade: websocket") {
                    return; // dropped: the socket never opens
                }
                let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                if server.write_all(&head[..n]).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    format!("http://{addr}")
}

pub async fn the_window_speaks_the_visitors_language_before_it_connects(ctx: Ctx) {
    let server = ctx.server();
    let catalog = Catalog::new();
    let text = |locale, key: &str| catalog.message(locale, key);
    let browser =
        Browser::start(&ctx.artifacts.join(format!("{}.chromedriver.log", ctx.name))).await;
    let blocked = without_websockets(server.addr()).await;
    for (lang, locale) in [("en", Locale::En), ("zh-TW", Locale::ZhTw)] {
        let page = browser
            .open(&format!("{blocked}/chat/acme?lang={lang}"))
            .await;
        page.expect_lang(locale.tag()).await;
        page.expect_text("connection", &text(locale, "portal-connecting"))
            .await;
        page.expect_attr(
            "chat-input",
            "placeholder",
            &text(locale, "portal-input-placeholder"),
        )
        .await;
        page.expect_attr("connection", "data-online", "false").await;
        ctx.shot(&page, &format!("connecting-{lang}")).await;
        page.close().await;
    }
    // An unknown tenant: its page says so in the visitor's language, and
    // the snippet shows nothing on the host site.
    let page = browser.open(&server.url("/chat/nobody?lang=en")).await;
    let unknown = text(Locale::En, "portal-unknown-tenant");
    page.wait_text("unknown-tenant", |t| t.contains(&unknown))
        .await;
    page.expect_lang("en").await;
    page.close().await;
    let site = third_party_site_of(&server.base, "nobody", "").await;
    let page = browser.open(&site).await;
    // Once the snippet has asked about its tenant…
    let asked = "return performance.getEntriesByType('resource')\
                 .some(e => e.name.includes('/chat/nobody'))";
    let deadline = std::time::Instant::now() + fieldesk_testkit::app::PATIENCE;
    while page.client.execute(asked, vec![]).await.unwrap() != serde_json::json!(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "the snippet never asked"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // …the host page has no button and no window.
    let added = page
        .client
        .execute(
            "return document.querySelectorAll('[data-fieldesk]').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(added, serde_json::json!(0));
    ctx.shot(&page, "wrong-tenant-site").await;
    page.close().await;
}

pub async fn a_long_conversation_opens_at_its_newest_and_loads_earlier(ctx: Ctx) {
    let fast = ["--visitor-burst", "100000", "--visitor-per-sec", "100000"];
    let server = fieldesk_testkit::server::TestServer::start_with(&ctx.server_bin, &fast, true);
    // 70 messages from an earlier visit.
    let (mut visitor, _) = fieldesk_testkit::chat::Visitor::connect(
        &server.visitor_ws_url("acme"),
        None,
        0,
        Some("en"),
    )
    .await
    .unwrap();
    for n in 0..70 {
        visitor.say(&format!("c{n}"), &format!("line {n}")).await;
    }
    visitor
        .wait_for("the last ack", |e| {
            matches!(e, fieldesk_core::chat::VisitorEvent::Ack { client_id, .. } if client_id == "c69")
        })
        .await;
    let token = visitor.token.clone();
    visitor.close().await;
    let browser =
        Browser::start(&ctx.artifacts.join(format!("{}.chromedriver.log", ctx.name))).await;
    let page = browser.open(&server.url("/chat/acme?lang=en")).await;
    page.expect_attr("connection", "data-online", "true").await;
    // The same browser as that visit: its token kept, then a reload.
    let keep = format!("localStorage.setItem('fieldesk.visitor.acme', '{token}')");
    page.client.execute(&keep, vec![]).await.unwrap();
    page.client.refresh().await.unwrap();
    page.wait_text("messages", |t| t.contains("line 69")).await;
    assert_eq!(page.count("message").await, 50, "the newest page first");
    assert!(!page.text("messages").await.contains("line 0"));
    // Back, a page at a time, to the first message.
    let pages = page.load_all("load-earlier", "message").await;
    assert!(pages >= 1);
    page.wait_text("messages", |t| {
        t.contains("line 0") && t.contains("line 69")
    })
    .await;
    assert!(
        page.count("message").await > 70,
        "every message, the AI's too"
    );
    ctx.shot(&page, "loaded-earlier").await;
    page.close().await;
}

/// The tenant asks who the visitor is first; the agent sees it with where
/// the visit came from; a message over the rate waits "not sent,
/// retrying" and goes through; the visitor ends the chat and rates it.
pub async fn the_window_asks_who_first_keeps_refused_messages_and_ends_with_a_rating(ctx: Ctx) {
    let limits = ["--visitor-burst", "3", "--visitor-per-sec", "0.5"];
    let server = fieldesk_testkit::server::TestServer::start_with(&ctx.server_bin, &limits, true);
    let ada = server.login("acme", "ada").await.token;
    let res = server
        .put_chat_settings(&ada, &ada, serde_json::json!({"pre_chat": true}))
        .await;
    assert_eq!(res.status(), 200);
    let catalog = Catalog::new();
    let en = |key: &str| catalog.message(Locale::En, key);

    let site = third_party_site(&server.base, "").await;
    let browser =
        Browser::start(&ctx.artifacts.join(format!("{}.chromedriver.log", ctx.name))).await;
    let page = browser.open(&site).await;
    open_snippet_window(&page).await;
    page.expect_attr("connection", "data-online", "true").await;
    // The form first; no composer until it is filled in right.
    assert!(page.exists("pre-chat").await && !page.exists("chat-input").await);
    page.fill("pre-chat-name", "Wang Wei").await;
    page.fill("pre-chat-contact", "wang at example").await;
    page.click("pre-chat-start").await;
    page.expect_text("pre-chat-error", &en("error-invalid-contact"))
        .await;
    ctx.shot(&page, "pre-chat-refused").await;
    page.fill("pre-chat-contact", "wang@example.cn").await;
    page.click("pre-chat-start").await;
    page.find("chat-input").await;
    assert!(!page.exists("pre-chat").await);

    // A burst past the limit: the last ones wait, marked, then go through.
    for n in 1..=5 {
        page.fill("chat-input", &format!("burst {n}")).await;
        page.click("chat-send").await;
    }
    page.wait_text("messages", |t| t.contains(&en("portal-not-sent")))
        .await;
    ctx.shot(&page, "not-sent").await;
    page.wait_text("messages", |t| {
        (1..=5).all(|n| t.contains(&format!("burst {n}"))) && !t.contains(&en("portal-not-sent"))
    })
    .await;
    let deadline = std::time::Instant::now() + fieldesk_testkit::app::PATIENCE;
    while page.exists("pending-message").await {
        assert!(
            std::time::Instant::now() < deadline,
            "every burst message was sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    page.click("ask-human").await;
    page.wait_text("messages", |t| t.contains("number 1 in the queue"))
        .await;

    // The agent sees who, and from where.
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(
        &server.base,
        "acme",
        "alice",
        fieldesk_testkit::server::PASSWORD,
    )
    .await;
    app.select("language-select", "en").await;
    app.click("tab-queued").await;
    app.click("conversation").await;
    app.expect_text("profile-name", "Wang Wei").await;
    app.expect_text("profile-contact", "wang@example.cn").await;
    app.expect_text("profile-page", &site).await;
    app.wait_text("profile-browser", |t| t.contains("Chrome"))
        .await;
    app.wait_text("profile-browser-language", |t| {
        !t.is_empty() && t != en("desk-profile-none")
    })
    .await;
    app.click("accept").await;
    ctx.shot(&app, "profile").await;
    page.wait_text("messages", |t| t.contains("Alice Agent"))
        .await;

    // The visitor ends the chat and rates it; the agent sees it end.
    page.click("end-chat").await;
    page.find("survey").await;
    page.click("rating-5").await;
    page.fill("survey-comment", "Quick and kind").await;
    page.click("survey-submit").await;
    page.wait_text("messages", |t| t.contains(&en("chat-survey-thanks")))
        .await;
    ctx.shot(&page, "rated").await;
    app.expect_text("chat-state", &en("desk-state-closed"))
        .await;
    let sam = server.login("acme", "sam").await.token;
    let listed: Vec<serde_json::Value> = server
        .get("/api/chat/conversations?tab=all", &sam)
        .await
        .json()
        .await
        .unwrap();
    let id = listed
        .iter()
        .find(|c| c["visitor_name"] == "Wang Wei")
        .expect("listed")["id"]
        .clone();
    let alice = server.login("acme", "alice").await.token;
    let survey: serde_json::Value = server
        .get(&format!("/api/chat/conversations/{id}/survey"), &alice)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(survey["rating"], 5);
    assert_eq!(survey["comment"], "Quick and kind");
    app.close().await;
    page.close().await;
}
