//! An admin sets up a service mailbox in the app against the loopback
//! Postfix + Dovecot: "test connection" names a wrong password for the
//! server it belongs to, in the admin's language; the saved mailbox keeps
//! its passwords without showing them.

use fieldesk_core::email::mailbox::Mailbox;
use fieldesk_testkit::mail::{self, HOST, IMAP_PORT, SUBMISSION_PORT, SUPPORT_DOMAIN};
use fieldesk_testkit::server::PASSWORD;

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
}

pub async fn agent_writes_from_an_alias_and_the_customers_reply_arrives_live(ctx: Ctx) {
    let support = mail::account("desk", SUPPORT_DOMAIN);
    let customer = mail::account("wang", mail::CUSTOMER_DOMAIN);
    let server = ctx.server_with(&["--allow-private-outbound"]);
    let ada = server.login("acme", "ada").await.token;
    let alias = format!("help-{}", support.address);
    let server_settings = |port: u16| serde_json::json!({"host": HOST, "port": port, "security": "none", "user": support.address});
    let created: Mailbox = server
        .send_json(
            "POST",
            "/api/mail/mailboxes",
            &ada,
            &serde_json::json!({
                "address": support.address, "display_name": "Acme Support", "aliases": [alias],
                "smtp": server_settings(SUBMISSION_PORT), "smtp_password": support.password,
                "imap": server_settings(IMAP_PORT), "imap_password": support.password,
            }),
        )
        .await
        .json()
        .await
        .unwrap();

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
