//! An admin sets up a service mailbox in the app against the loopback
//! Postfix + Dovecot: "test connection" names a wrong password for the
//! server it belongs to, in the admin's language; the saved mailbox keeps
//! its passwords without showing them.

use fieldesk_core::email::mailbox::Mailbox;
use fieldesk_testkit::mail::{self, HOST, IMAP_PORT, SUBMISSION_PORT, SUPPORT_DOMAIN};
use fieldesk_testkit::server::{PASSWORD, TestServer};

use crate::Ctx;

pub async fn admin_adds_a_mailbox_and_the_test_names_a_wrong_password(ctx: Ctx) {
    let account = mail::account("desk", SUPPORT_DOMAIN);
    let server = ctx.server_with(&["--allow-private-outbound"]);
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "ada", PASSWORD).await;
    app.select("language-select", "en").await;
    app.click("view-mailboxes").await;
    app.find("mailboxes-empty").await;

    app.fill("mailbox-address", &account.address).await;
    app.fill("mailbox-name", "Acme Support").await;
    app.fill("mailbox-aliases", &format!("help@{SUPPORT_DOMAIN}"))
        .await;
    for (prefix, port) in [("smtp", SUBMISSION_PORT), ("imap", IMAP_PORT)] {
        app.fill(&format!("{prefix}-host"), HOST).await;
        app.fill(&format!("{prefix}-port"), &port.to_string()).await;
        app.select(&format!("{prefix}-security"), "none").await;
        app.fill(&format!("{prefix}-user"), &account.address).await;
    }
    app.fill("smtp-password", "not-the-password").await;
    app.fill("imap-password", &account.password).await;
    app.click("mailbox-test").await;
    app.wait_text("check-smtp", |t| {
        t.contains("The mail server refused the user name or password.") && t.contains("535")
    })
    .await;
    app.wait_text("check-imap", |t| t.contains("Connected and signed in."))
        .await;
    app.expect_attr("check-smtp", "data-code", "mail_auth_failed")
        .await;
    ctx.shot(&app, "wrong-password").await;

    // The same in Simplified Chinese.
    app.select("language-select", "zh-CN").await;
    app.click("mailbox-test").await;
    app.wait_text("check-smtp", |t| t.contains("邮件服务器拒绝了用户名或密码"))
        .await;

    // Fixed, saved, listed; the passwords stay on the server.
    app.select("language-select", "en").await;
    app.fill("smtp-password", &account.password).await;
    app.click("mailbox-test").await;
    app.wait_text("check-smtp", |t| t.contains("Connected and signed in."))
        .await;
    app.click("mailbox-save").await;
    app.wait_text("mailbox", |t| {
        t.contains(&account.address) && t.contains("Enabled")
    })
    .await;
    let ada = server.login("acme", "ada").await.token;
    let text = server
        .get("/api/mail/mailboxes", &ada)
        .await
        .text()
        .await
        .unwrap();
    assert!(!text.contains(&account.password));
    let saved: Vec<Mailbox> = serde_json::from_str(&text).unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].display_name, "Acme Support");
    assert_eq!(saved[0].aliases, vec![format!("help@{SUPPORT_DOMAIN}")]);
    assert!(saved[0].smtp_password_set && saved[0].imap_password_set);

    // Opened again: no password shown, and the saved ones still sign in.
    app.click("mailbox-edit").await;
    app.expect_value("smtp-password", "").await;
    app.expect_attr(
        "smtp-password",
        "placeholder",
        "Saved — leave empty to keep it",
    )
    .await;
    app.click("mailbox-test").await;
    app.wait_text("check-smtp", |t| t.contains("Connected and signed in."))
        .await;
    app.wait_text("check-imap", |t| t.contains("Connected and signed in."))
        .await;
    ctx.shot(&app, "saved").await;

    // A mail nobody can answer (no sender) waits in the quarantine, with
    // why in the admin's language; a retry says it is still unreadable.
    mail::append(
        &account,
        b"Subject: =?UTF-8?B?5omT5Y2w5py65pWF6Zqc?=\r\nMessage-ID: <nobody-e2e@x.test>\r\n\r\nno From",
    )
    .await;
    let deadline = std::time::Instant::now() + fieldesk_testkit::app::PATIENCE;
    while !app.exists("quarantined").await {
        assert!(
            std::time::Instant::now() < deadline,
            "the mail never reached the quarantine"
        );
        app.click("quarantine-refresh").await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    app.wait_text("quarantined", |t| {
        t.contains("打印机故障") && t.contains(&account.address)
    })
    .await;
    app.expect_text(
        "quarantined-reason",
        "The mail has no usable sender address.",
    )
    .await;
    app.click("quarantined-retry").await;
    app.expect_text(
        "quarantine-outcome",
        "Still unreadable: The mail has no usable sender address.",
    )
    .await;
    ctx.shot(&app, "quarantine").await;
    app.select("language-select", "zh-TW").await;
    app.expect_text("quarantined-reason", "郵件沒有可用的寄件人地址。")
        .await;
    app.select("language-select", "en").await;

    // Chat transcripts go out from the new mailbox.
    app.click("view-settings").await;
    app.wait_text("transcript-mailbox", |t| t.contains(&account.address))
        .await;
    app.select("transcript-mailbox", &saved[0].id.to_string())
        .await;
    app.click("chat-settings-save").await;
    app.find("chat-settings-saved").await;
    let settings: serde_json::Value = server
        .get("/api/chat/settings", &ada)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["transcript_mailbox_id"], saved[0].id);
}

/// A mailbox on the loopback mail server, set up by the admin's API.
async fn set_up_mailbox(server: &TestServer, support: &mail::Account, aliases: &[&str]) -> Mailbox {
    let ada = server.login("acme", "ada").await.token;
    let settings = |port: u16| serde_json::json!({"host": HOST, "port": port, "security": "none", "user": support.address});
    server
        .send_json(
            "POST",
            "/api/mail/mailboxes",
            &ada,
            &serde_json::json!({
                "address": support.address, "display_name": "Acme Support", "aliases": aliases,
                "smtp": settings(SUBMISSION_PORT), "smtp_password": support.password,
                "imap": settings(IMAP_PORT), "imap_password": support.password,
            }),
        )
        .await
        .json()
        .await
        .unwrap()
}

pub async fn agent_writes_from_an_alias_and_the_customers_reply_arrives_live(ctx: Ctx) {
    let support = mail::account("desk", SUPPORT_DOMAIN);
    let customer = mail::account("wang", mail::CUSTOMER_DOMAIN);
    let server = ctx.server_with(&["--allow-private-outbound"]);
    let alias = format!("help-{}", support.address);
    let created = set_up_mailbox(&server, &support, &[&alias]).await;

    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "alice", PASSWORD).await;
    app.select("language-select", "en").await;
    app.click("compose-mail").await;
    app.select("compose-from", &format!("{}|{alias}", created.id))
        .await;
    app.fill("compose-to", &customer.address).await;
    app.fill("compose-subject", "Your repair visit").await;
    app.fill("compose-text", "Hello,\nthe engineer comes tomorrow at 9.")
        .await;
    ctx.shot(&app, "compose").await;
    app.click("compose-send").await;

    // The new conversation opens, the mail goes out from the alias.
    app.wait_text("mail-subject", |t| t.starts_with("Your repair visit [#"))
        .await;
    app.expect_attr("mail-status", "data-status", "sent").await;
    app.wait_text("conversation-channel", |t| t.contains("Email"))
        .await;
    let sent = mail::wait_inbox(&customer, 1).await;
    assert!(sent[0].header("From").unwrap().contains(&alias));
    let message_id = sent[0].header("Message-ID").unwrap();

    // The customer answers: it appears in the thread without a reload.
    let answer = format!(
        "From: {}\r\nTo: {}\r\nSubject: Re: Your repair visit\r\nMessage-ID: <e2e-answer@customer.test>\r\nIn-Reply-To: {message_id}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n好的，明天见。\r\n",
        customer.address, support.address
    );
    mail::deliver(&customer.address, &[&support.address], answer.as_bytes()).await;
    app.wait_text("chat-messages", |t| t.contains("好的，明天见。"))
        .await;

    // Alice answers in the thread: a mail in reply to the customer's.
    app.fill("reply-input", "See you then.").await;
    app.click("reply-send").await;
    let got = mail::wait_inbox(&customer, 2).await;
    let second = got.iter().find(|m| m.uid != sent[0].uid).unwrap();
    assert_eq!(
        second.header("In-Reply-To").as_deref(),
        Some("<e2e-answer@customer.test>")
    );
    ctx.shot(&app, "thread").await;
}

/// A web server on loopback that answers every request with a 1×1 GIF
/// and remembers the paths asked for: what a tracking pixel's owner sees.
async fn pixel_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    let hits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = vec![0u8; 4096];
                let Ok(n) = socket.read(&mut head).await else {
                    return;
                };
                let text = String::from_utf8_lossy(&head[..n]).into_owned();
                let path = text.split_whitespace().nth(1).unwrap_or("").to_owned();
                seen.lock().unwrap().push(path);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    GIF.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.write_all(GIF).await;
            });
        }
    });
    (base, hits)
}

fn customer_mail(from: &str, to: &str, headers: &[&str], body: &[&str]) -> Vec<u8> {
    let mut lines = vec![format!("From: {from}"), format!("To: {to}")];
    lines.extend(headers.iter().map(|h| h.to_string()));
    lines.push(String::new());
    lines.extend(body.iter().map(|l| l.to_string()));
    lines.join("\r\n").into_bytes()
}

/// Whether Wang's HTML mail is shown above the follow-up (`None` until
/// both are shown). Messages of the thread that are not mail (who serves
/// it) do not count.
fn first_mail_on_top(texts: &[String]) -> Option<bool> {
    let html = texts.iter().position(|t| t.contains("Show plain text"))?;
    let second = texts.iter().position(|t| t.contains("Second mail"))?;
    Some(html < second)
}

const PIXEL_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

pub async fn agent_groups_orders_reads_html_and_transfers_mail(ctx: Ctx) {
    let support = mail::account("reader", SUPPORT_DOMAIN);
    let wang = mail::account("wang", mail::CUSTOMER_DOMAIN);
    let li = mail::account("li", mail::CUSTOMER_DOMAIN);
    let server = ctx.server_with(&["--allow-private-outbound"]);
    server.add_user("bob", "agent", "Bob Agent");
    set_up_mailbox(&server, &support, &[]).await;
    let (pixels, hits) = pixel_server().await;

    // Wang writes in HTML (a script, a handler, a tracking pixel, an
    // inline logo) and follows up in the thread; Li answers a forwarded
    // copy of the same subject and asks about something else.
    let html = format!(
        "<html><body><p>Please reissue <b>invoice 42</b>.</p>\
         <script>new Image().src='{pixels}/script-ran'</script>\
         <img src=\"{pixels}/pixel.gif?who=wang\">\
         <img src=\"x\" onerror=\"new Image().src='{pixels}/handler-ran'\">\
         <img src=\"cid:logo@wang\" alt=\"logo\"></body></html>"
    );
    let first = customer_mail(
        &wang.address,
        &support.address,
        &[
            "Subject: Invoice question",
            "Message-ID: <wang-1@customer.test>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/related; boundary=rel",
        ],
        &[
            "--rel",
            "Content-Type: text/html; charset=utf-8",
            "",
            &html,
            "--rel",
            "Content-Type: image/png",
            "Content-ID: <logo@wang>",
            "Content-Transfer-Encoding: base64",
            "",
            PIXEL_PNG,
            "--rel--",
        ],
    );
    mail::deliver(&wang.address, &[&support.address], &first).await;
    let follow_up = customer_mail(
        &wang.address,
        &support.address,
        &[
            "Subject: Re: Invoice question",
            "Message-ID: <wang-2@customer.test>",
            "In-Reply-To: <wang-1@customer.test>",
        ],
        &["Second mail: the order number is 7781."],
    );
    mail::deliver(&wang.address, &[&support.address], &follow_up).await;
    for (n, subject) in [(1, "Delivery date"), (2, "回复：Invoice question")] {
        let raw = customer_mail(
            &li.address,
            &support.address,
            &[
                &format!("Subject: {subject}"),
                &format!("Message-ID: <li-{n}@customer.test>"),
                "Content-Type: text/plain; charset=utf-8",
            ],
            &["a question"],
        );
        mail::deliver(&li.address, &[&support.address], &raw).await;
    }
    let alice_token = server.login("acme", "alice").await.token;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let wang_id = loop {
        let list: Vec<fieldesk_core::chat::ConversationSummary> = server
            .get("/api/chat/conversations?tab=queued", &alice_token)
            .await
            .json()
            .await
            .unwrap();
        let wang_thread = list
            .iter()
            .find(|c| c.contact.as_deref() == Some(wang.address.as_str()));
        if list.len() == 3
            && let Some(c) = wang_thread
        {
            let messages: Vec<serde_json::Value> = server
                .get(
                    &format!("/api/chat/conversations/{}/messages?after=0", c.id),
                    &alice_token,
                )
                .await
                .json()
                .await
                .unwrap();
            if messages.len() == 2 {
                break c.id;
            }
        }
        assert!(std::time::Instant::now() < deadline, "the mails: {list:#?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };

    let bob_driver = ctx.driver_for("-bob").await;
    let bob = bob_driver.open().await;
    bob.log_in(&server.base, "acme", "bob", PASSWORD).await;
    bob.select("language-select", "en").await;
    bob.select("agent-status", "online").await;

    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "alice", PASSWORD).await;
    app.select("language-select", "en").await;
    app.select("agent-status", "online").await;
    app.click("tab-queued").await;
    app.expect_count("conversation", 3).await;

    // By subject: the reply from Li sits with Wang's thread.
    app.select("group-by", "subject").await;
    app.wait_texts("conversation-group-name", |t| {
        t == ["Invoice question", "Delivery date"]
    })
    .await;
    app.expect_attr("conversation-group", "data-count", "2")
        .await;
    ctx.shot(&app, "by-subject").await;

    // Her own group: Li's mail, by sender.
    app.click("edit-groups").await;
    app.fill("mail-group-name", "Li's questions").await;
    app.fill("mail-group-sender", "li-").await;
    app.click("mail-group-add").await;
    app.wait_text("mail-group", |t| t.contains("Li's questions"))
        .await;
    app.click("groups-close").await;
    app.select("group-by", "custom").await;
    app.wait_texts("conversation-group-name", |t| {
        t == ["Li's questions", "Other conversations"]
    })
    .await;
    app.expect_attr("conversation-group", "data-count", "2")
        .await;
    ctx.shot(&app, "own-groups").await;

    // Wang's thread: the HTML mail in a frame, nothing of it run or
    // fetched; oldest first.
    app.click_css(&format!(
        "[data-testid=conversation][data-id=\"{wang_id}\"]"
    ))
    .await;
    app.click("accept").await;
    app.find("mail-html").await;
    app.find("mail-images-blocked").await;
    app.expect_attr("thread-order", "data-order", "oldest_first")
        .await;
    app.wait_texts("chat-message", |t| first_mail_on_top(t) == Some(true))
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(
        hits.lock().unwrap().is_empty(),
        "fetched before asked: {:?}",
        hits.lock().unwrap()
    );
    let frame = app.find("mail-html").await;
    assert_eq!(frame.attr("sandbox").await.unwrap().as_deref(), Some(""));
    let doc = frame.attr("srcdoc").await.unwrap().unwrap_or_default();
    assert!(
        doc.contains("invoice 42") && doc.contains("data:image/png;base64,"),
        "{doc}"
    );
    assert!(
        !doc.contains("<script") && !doc.contains("onerror"),
        "{doc}"
    );
    ctx.shot(&app, "html-blocked").await;

    // Newest first, kept across a restart; then back.
    app.click("thread-order").await;
    app.expect_attr("thread-order", "data-order", "newest_first")
        .await;
    app.wait_texts("chat-message", |t| first_mail_on_top(t) == Some(false))
        .await;
    app.close().await;
    let app = driver.open().await;
    app.expect_value("group-by", "custom").await;
    app.click_css(&format!(
        "[data-testid=conversation][data-id=\"{wang_id}\"]"
    ))
    .await;
    app.expect_attr("thread-order", "data-order", "newest_first")
        .await;
    app.wait_texts("chat-message", |t| first_mail_on_top(t) == Some(false))
        .await;
    app.click("thread-order").await;
    app.wait_texts("chat-message", |t| first_mail_on_top(t) == Some(true))
        .await;

    // Load images: the pixel now, inline; the script and handler never.
    app.click("load-images").await;
    app.expect_gone("mail-images-blocked").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !hits
        .lock()
        .unwrap()
        .iter()
        .any(|p| p == "/pixel.gif?who=wang")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the image was not loaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let doc = app
        .find("mail-html")
        .await
        .attr("srcdoc")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(doc.contains("data:image/gif;base64,"), "{doc}");
    ctx.shot(&app, "html-images").await;
    let asked = hits.lock().unwrap().clone();
    assert!(
        asked.iter().all(|p| !p.contains("-ran")),
        "the mail's script or handler ran: {asked:?}"
    );

    // Transferred to Bob with a note: he is told and has it.
    app.click("button-transfer").await;
    let bob_id = server.login("acme", "bob").await.me.user_id;
    app.select("transfer-to", &format!("agent:{bob_id}")).await;
    app.fill("transfer-note", "Wants invoice 42 reissued").await;
    app.click("transfer").await;
    bob.wait_text("desk-notice", |t| {
        t.contains("Alice Agent") && t.contains("Wants invoice 42 reissued")
    })
    .await;
    bob.click("tab-mine").await;
    bob.click_css(&format!(
        "[data-testid=conversation][data-id=\"{wang_id}\"]"
    ))
    .await;
    bob.wait_text("chat-messages", |t| t.contains("Second mail"))
        .await;
    bob.find("mail-html").await;
    ctx.shot(&bob, "transferred").await;
    bob.close().await;
    app.close().await;
}

/// The visitor, in the chat window (headless Chromium), has the chat
/// mailed to them: the address checked in their language, the notice in
/// the conversation, the mail in their box with what was said.
pub async fn visitor_has_the_chat_transcript_mailed(ctx: Ctx) {
    use fieldesk_core::Locale;
    use fieldesk_core::i18n::Catalog;
    let support = mail::account("chat", SUPPORT_DOMAIN);
    let customer = mail::account("lin", mail::CUSTOMER_DOMAIN);
    let server = ctx.server_with(&["--allow-private-outbound"]);
    let mailbox = set_up_mailbox(&server, &support, &[]).await;
    let ada = server.login("acme", "ada").await.token;
    let res = server
        .put_chat_settings(
            &ada,
            &ada,
            serde_json::json!({"transcript_mailbox_id": mailbox.id}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let catalog = Catalog::new();
    let tw = |key: &str| catalog.message(Locale::ZhTw, key);

    let browser = fieldesk_testkit::browser::Browser::start(
        &ctx.artifacts.join(format!("{}.chromedriver.log", ctx.name)),
    )
    .await;
    let page = browser.open(&server.url("/chat/acme?lang=zh-TW")).await;
    page.expect_attr("connection", "data-online", "true").await;
    // Nothing said, nothing to mail.
    assert!(!page.exists("transcript-open").await);
    page.fill("chat-input", "印表機無法開機").await;
    page.click("chat-send").await;
    page.find("ai-label").await;
    page.click("transcript-open").await;
    page.fill("transcript-address", "lin@").await;
    page.click("transcript-send").await;
    page.expect_text("transcript-error", &tw("error-invalid-email"))
        .await;
    page.fill("transcript-address", &customer.address).await;
    page.click("transcript-send").await;
    page.wait_text("messages", |t| t.contains(&customer.address))
        .await;
    let deadline = std::time::Instant::now() + fieldesk_testkit::app::PATIENCE;
    while page.exists("transcript").await {
        assert!(std::time::Instant::now() < deadline, "the form stays open");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    page.find("transcript-open").await;
    ctx.shot(&page, "transcript-sent").await;

    let got = mail::wait_inbox(&customer, 1).await;
    let parsed = mail_parser::MessageParser::default()
        .parse(&got[0].raw)
        .expect("a mail");
    assert_eq!(parsed.subject(), Some("您與Acme Support的對話記錄"));
    let text = parsed.body_text(0).expect("a text part").into_owned();
    assert!(text.contains("您: 印表機無法開機"), "{text}");
    assert!(text.contains(&tw("transcript-ai")), "{text}");
    page.close().await;
}
