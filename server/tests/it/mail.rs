//! Service mailboxes over the real server against the loopback Postfix +
//! Dovecot (`cargo xtask setup`): admins set them up and test them, the
//! API never gives a password back, the database never holds one in the
//! clear, and nobody else — another role, another tenant — reaches them.

use fieldesk_core::channel::Channel;
use fieldesk_core::chat::{ChatMessage, ConversationSummary};
use fieldesk_core::email::mailbox::{ConnectionCheck, Mailbox};
use fieldesk_core::email::outgoing::SendStatus;
use fieldesk_core::email::part::MailPart;
use fieldesk_core::email::quarantine::{QuarantineReason, QuarantinedMail, RetryOutcome};
use fieldesk_testkit::mail::{self, HOST, IMAP_PORT, SUBMISSION_PORT, SUPPORT_DOMAIN};
use fieldesk_testkit::server::{TestServer, cli_ok, expect_error};
use serde_json::{Value, json};

use crate::bin;

fn body(account: &mail::Account) -> Value {
    let server = |port: u16| json!({"host": HOST, "port": port, "security": "none", "user": account.address});
    json!({
        "address": account.address,
        "display_name": "Acme 客服",
        "aliases": [format!("help@{SUPPORT_DOMAIN}")],
        "smtp": server(SUBMISSION_PORT),
        "smtp_password": account.password,
        "imap": server(IMAP_PORT),
        "imap_password": account.password,
        "imap_folder": "INBOX",
        "max_message_bytes": 1_048_576,
    })
}

async fn check(server: &TestServer, token: &str, lang: &str, test: &Value) -> ConnectionCheck {
    let res = server
        .http
        .post(server.url("/api/mail/mailboxes/test"))
        .bearer_auth(token)
        .header("accept-language", lang)
        .json(test)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn with(mut v: Value, path: &[&str], value: Value) -> Value {
    let mut at = &mut v;
    for key in &path[..path.len() - 1] {
        at = &mut at[*key];
    }
    at[path[path.len() - 1]] = value;
    v
}

#[tokio::test]
async fn admins_set_up_and_test_mailboxes_whose_passwords_never_come_back() {
    let account = mail::account("support", SUPPORT_DOMAIN);
    let server = TestServer::start_with(bin(), &["--allow-private-outbound"], true);
    let ada = server.login("acme", "ada").await.token;
    let alice = server.login("acme", "alice").await.token;
    let gina = server.login("globex", "gina").await.token;
    let form = body(&account);

    // Before saving: both servers answer with these settings.
    let ok = check(&server, &ada, "en", &form).await;
    assert!(ok.smtp.ok && ok.imap.ok, "{ok:?}");

    let res = server
        .send_json("POST", "/api/mail/mailboxes", &ada, &form)
        .await;
    assert_eq!(res.status(), 201);
    let text = res.text().await.unwrap();
    assert!(
        !text.contains(&account.password),
        "a password came back: {text}"
    );
    let created: Mailbox = serde_json::from_str(&text).unwrap();
    assert!(created.smtp_password_set && created.imap_password_set);
    assert!(created.enabled);
    assert_eq!(created.aliases, vec![format!("help@{SUPPORT_DOMAIN}")]);
    let path = format!("/api/mail/mailboxes/{}", created.id);
    let listed = server
        .get("/api/mail/mailboxes", &ada)
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&account.password));
    let listed: Vec<Mailbox> = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed, vec![created.clone()]);

    // The same address again is a conflict; a broken form a localized 400.
    let res = server
        .send_json("POST", "/api/mail/mailboxes", &ada, &form)
        .await;
    expect_error(res, 409, "conflict").await;
    let res = server
        .send_json(
            "POST",
            "/api/mail/mailboxes",
            &ada,
            &with(form.clone(), &["address"], json!("not-an-address")),
        )
        .await;
    expect_error(res, 400, "invalid_mailbox").await;

    // A change without passwords keeps them: the saved mailbox still signs in.
    let mut change = with(form.clone(), &["display_name"], json!("售后邮箱"));
    change["smtp_password"] = Value::Null;
    change["imap_password"] = Value::Null;
    let res = server.send_json("PUT", &path, &ada, &change).await;
    assert_eq!(res.status(), 200);
    let changed: Mailbox = res.json().await.unwrap();
    assert_eq!(changed.display_name, "售后邮箱");
    assert!(changed.smtp_password_set && changed.imap_password_set);
    let saved = with(change.clone(), &["id"], json!(created.id));
    let ok = check(&server, &ada, "en", &saved).await;
    assert!(ok.smtp.ok && ok.imap.ok, "saved passwords: {ok:?}");

    // Each failure is reported for its own server, in the admin's language.
    let wrong = with(saved.clone(), &["imap_password"], json!("wrong"));
    let en = check(&server, &ada, "en", &wrong).await;
    assert!(en.smtp.ok, "SMTP is fine: {en:?}");
    assert!(!en.imap.ok);
    assert_eq!(
        serde_json::to_value(en.imap.code).unwrap(),
        "mail_auth_failed"
    );
    assert_eq!(
        en.imap.message.as_deref(),
        Some("The mail server refused the user name or password.")
    );
    let zh = check(&server, &ada, "zh-CN", &wrong).await;
    assert_eq!(
        serde_json::to_value(zh.imap.code).unwrap(),
        "mail_auth_failed"
    );
    let zh_message = zh.imap.message.unwrap();
    assert!(
        zh_message != en.imap.message.unwrap()
            && zh_message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{zh_message}"
    );
    let wrong_smtp = with(saved.clone(), &["smtp_password"], json!("wrong"));
    let res = check(&server, &ada, "en", &wrong_smtp).await;
    assert!(res.imap.ok && !res.smtp.ok, "{res:?}");
    assert_eq!(
        serde_json::to_value(res.smtp.code).unwrap(),
        "mail_auth_failed"
    );
    assert!(
        res.smtp.detail.unwrap().contains("535"),
        "the server's own answer"
    );
    let no_folder = with(saved.clone(), &["imap_folder"], json!("Nowhere"));
    let res = check(&server, &ada, "en", &no_folder).await;
    assert_eq!(
        serde_json::to_value(res.imap.code).unwrap(),
        "mail_folder_missing"
    );
    let closed = with(saved.clone(), &["smtp", "port"], json!(1));
    let res = check(&server, &ada, "en", &closed).await;
    assert_eq!(
        serde_json::to_value(res.smtp.code).unwrap(),
        "mail_unreachable"
    );
    assert!(res.imap.ok);
    let unknown = with(
        saved.clone(),
        &["imap", "host"],
        json!("no-such-host.invalid"),
    );
    let res = check(&server, &ada, "en", &unknown).await;
    assert_eq!(
        serde_json::to_value(res.imap.code).unwrap(),
        "mail_unreachable"
    );
    let res = server
        .send_json(
            "POST",
            "/api/mail/mailboxes/test",
            &ada,
            &with(form.clone(), &["imap_password"], Value::Null),
        )
        .await;
    expect_error(res, 400, "invalid_mailbox").await;

    // Only admins, only their own tenant.
    for (method, p, b) in [
        ("GET", "/api/mail/mailboxes", Value::Null),
        ("GET", path.as_str(), Value::Null),
        ("POST", "/api/mail/mailboxes", form.clone()),
        ("PUT", path.as_str(), change.clone()),
        ("DELETE", path.as_str(), Value::Null),
        ("POST", "/api/mail/mailboxes/test", saved.clone()),
    ] {
        let res = server.send_json(method, p, &alice, &b).await;
        expect_error(res, 403, "forbidden").await;
    }
    let theirs: Vec<Mailbox> = server
        .get("/api/mail/mailboxes", &gina)
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs.is_empty());
    for (method, b) in [
        ("GET", Value::Null),
        ("PUT", change.clone()),
        ("DELETE", Value::Null),
    ] {
        let res = server.send_json(method, &path, &gina, &b).await;
        expect_error(res, 404, "not_found").await;
    }
    let res = server
        .send_json("POST", "/api/mail/mailboxes/test", &gina, &saved)
        .await;
    expect_error(res, 404, "not_found").await;

    // Deleted: gone, and its address free again.
    let res = server.send_json("DELETE", &path, &ada, &Value::Null).await;
    assert_eq!(res.status(), 204);
    expect_error(server.get(&path, &ada).await, 404, "not_found").await;
    let res = server
        .send_json("POST", "/api/mail/mailboxes", &ada, &form)
        .await;
    assert_eq!(res.status(), 201);
    let kept: Mailbox = res.json().await.unwrap();

    // At rest: sealed by the key beside the database, not in the clear.
    let dir = server.stop();
    assert!(dir.path().join("secret.key").exists());
    for file in ["fieldesk.sqlite3", "fieldesk.sqlite3-wal"] {
        let Ok(bytes) = std::fs::read(dir.path().join(file)) else {
            continue;
        };
        let needle = account.password.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{file} holds the password in the clear"
        );
    }

    // The operator rotates the server key: the saved passwords still work.
    let key_before = std::fs::read(dir.path().join("secret.key")).unwrap();
    let out = cli_ok(bin(), dir.path(), &["key", "rotate"], "");
    assert!(out.contains("4 sealed values resealed"), "{out}");
    assert_ne!(
        std::fs::read(dir.path().join("secret.key")).unwrap(),
        key_before
    );
    assert!(!dir.path().join("secret.key.old").exists());
    let server = TestServer::serve(bin(), dir, "127.0.0.1:0", &["--allow-private-outbound"]);
    let ada = server.login("acme", "ada").await.token;
    let saved = with(change, &["id"], json!(kept.id));
    let ok = check(&server, &ada, "en", &saved).await;
    assert!(ok.smtp.ok && ok.imap.ok, "after the rotation: {ok:?}");
}

#[tokio::test]
async fn a_mailbox_on_a_private_address_is_refused_unless_the_operator_allows_it() {
    let account = mail::account("private", SUPPORT_DOMAIN);
    let server = TestServer::start(bin());
    let ada = server.login("acme", "ada").await.token;
    let res = check(&server, &ada, "en", &body(&account)).await;
    for c in [&res.smtp, &res.imap] {
        assert!(!c.ok);
        assert_eq!(
            serde_json::to_value(c.code).unwrap(),
            "endpoint_not_allowed"
        );
    }
}

/// Conversations of `tab` that came by email.
async fn email_conversations(
    server: &TestServer,
    token: &str,
    tab: &str,
) -> Vec<ConversationSummary> {
    let list: Vec<ConversationSummary> = server
        .get(&format!("/api/chat/conversations?tab={tab}"), token)
        .await
        .json()
        .await
        .unwrap();
    list.into_iter()
        .filter(|c| c.channel == Channel::Email)
        .collect()
}

async fn messages(server: &TestServer, token: &str, id: i64) -> Vec<ChatMessage> {
    server
        .get(
            &format!("/api/chat/conversations/{id}/messages?after=0"),
            token,
        )
        .await
        .json()
        .await
        .unwrap()
}

/// Waits until `check` holds for the email conversations of `tab`.
async fn wait_for(
    server: &TestServer,
    token: &str,
    tab: &str,
    what: &str,
    check: impl Fn(&[ConversationSummary]) -> bool,
) -> Vec<ConversationSummary> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let list = email_conversations(server, token, tab).await;
        if check(&list) {
            return list;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: {list:#?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn customer_mail(from: &str, to: &str, headers: &[&str], body_lines: &[&str]) -> Vec<u8> {
    let mut lines = vec![format!("From: {from}"), format!("To: {to}")];
    lines.extend(headers.iter().map(|h| h.to_string()));
    lines.push(String::new());
    lines.extend(body_lines.iter().map(|l| l.to_string()));
    lines.join("\r\n").into_bytes()
}

#[tokio::test]
async fn customers_mail_becomes_threads_imported_once_across_restarts() {
    let support = mail::account("inbox", SUPPORT_DOMAIN);
    let customer = mail::account("wang", mail::CUSTOMER_DOMAIN);
    let server = TestServer::start_with(bin(), &["--allow-private-outbound"], true);
    let ada = server.login("acme", "ada").await.token;
    let alice = server.login("acme", "alice").await.token;
    let res = server
        .send_json("POST", "/api/mail/mailboxes", &ada, &body(&support))
        .await;
    assert_eq!(res.status(), 201);

    // A first mail, GB2312 subject and a Big5 body: a new email
    // conversation in the queue, readable as written.
    let first = customer_mail(
        &format!("=?UTF-8?B?546L5bCP5piO?= <{}>", customer.address),
        &support.address,
        &[
            "Subject: =?GB2312?B?udjT2rTy06G7+s6s0N4=?=",
            "Message-ID: <first-1@customer.test>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=big5",
            "Content-Transfer-Encoding: base64",
        ],
        &["sXqmbqFBpkyq7b73tUyqa7Z9vvehQb3QqPOnVaFD"],
    );
    mail::deliver(&customer.address, &[&support.address], &first).await;
    let list = wait_for(&server, &alice, "queued", "the first mail", |l| {
        l.len() == 1
    })
    .await;
    let conversation = &list[0];
    assert_eq!(conversation.subject.as_deref(), Some("关于打印机维修"));
    assert_eq!(conversation.visitor_name, "王小明");
    assert_eq!(
        conversation.contact.as_deref(),
        Some(customer.address.as_str())
    );
    let id = conversation.id;
    let got = messages(&server, &alice, id).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body.trim(), "您好，印表機無法開機，請協助。");

    // A reply by In-Reply-To, one by References only (Outlook drops
    // In-Reply-To on some paths) and the first mail delivered again.
    let reply = |n: u32, header: &str| {
        customer_mail(
            &customer.address,
            &support.address,
            &[
                "Subject: RE: 关于打印机维修",
                &format!("Message-ID: <reply-{n}@customer.test>"),
                header,
                "Content-Type: text/plain; charset=utf-8",
            ],
            &[&format!("reply {n}")],
        )
    };
    mail::deliver(
        &customer.address,
        &[&support.address],
        &reply(1, "In-Reply-To: <first-1@customer.test>"),
    )
    .await;
    mail::deliver(&customer.address, &[&support.address], &first).await;
    mail::deliver(
        &customer.address,
        &[&support.address],
        &reply(
            2,
            "References: <first-1@customer.test> <reply-1@customer.test>",
        ),
    )
    .await;
    // Another customer's mail, no thread: a conversation of its own.
    let other = mail::account("li", mail::CUSTOMER_DOMAIN);
    let unrelated = customer_mail(
        &other.address,
        &support.address,
        &["Subject: 新问题", "Message-ID: <other-1@customer.test>"],
        &["another question"],
    );
    mail::deliver(&other.address, &[&support.address], &unrelated).await;
    wait_for(
        &server,
        &alice,
        "queued",
        "the other customer's mail",
        |l| l.len() == 2,
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while messages(&server, &alice, id).await.len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the replies did not thread"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let bodies: Vec<String> = messages(&server, &alice, id)
        .await
        .into_iter()
        .map(|m| m.body.trim().to_owned())
        .collect();
    assert_eq!(
        bodies,
        vec!["您好，印表機無法開機，請協助。", "reply 1", "reply 2"],
        "the first mail once"
    );

    // An auto-reply that threads to nothing starts nothing (kept closed);
    // a mail without a sender (put in past Postfix) waits in quarantine.
    let auto = customer_mail(
        &other.address,
        &support.address,
        &[
            "Subject: Out of office",
            "Auto-Submitted: auto-replied",
            "Message-ID: <ooo-1@customer.test>",
        ],
        &["I am away"],
    );
    mail::deliver(&other.address, &[&support.address], &auto).await;
    mail::append(
        &support,
        b"Subject: who sent this?\r\nMessage-ID: <nobody-1@x.test>\r\n\r\nno From at all",
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let held = loop {
        let held: Vec<QuarantinedMail> = server
            .get("/api/mail/quarantine", &ada)
            .await
            .json()
            .await
            .unwrap();
        if !held.is_empty() {
            break held;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nothing reached the quarantine"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(held.len(), 1);
    assert!(held[0].error.contains("no sender"), "{}", held[0].error);
    assert_eq!(held[0].reason, QuarantineReason::NoSender);
    assert_eq!(held[0].subject.as_deref(), Some("who sent this?"));
    assert_eq!(held[0].from, None);
    expect_error(
        server.get("/api/mail/quarantine", &alice).await,
        403,
        "forbidden",
    )
    .await;
    let again: RetryOutcome = server
        .send_json(
            "POST",
            &format!("/api/mail/quarantine/{}/retry", held[0].id),
            &ada,
            &Value::Null,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again.conversation_id, None, "still unreadable");
    assert_eq!(again.reason, Some(QuarantineReason::NoSender));
    assert!(again.error.unwrap().contains("no sender"));

    // Over the mailbox's limit and no sender: only its head was read, so
    // it waits as too large, and a retry keeps saying so.
    let mut big = b"Subject: big and nameless\r\nMessage-ID: <nobody-2@x.test>\r\n\r\n".to_vec();
    big.extend(std::iter::repeat_n(b"0123456789abcdef\r\n".as_slice(), 70_000).flatten());
    mail::append(&support, &big).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let too_large = loop {
        let held: Vec<QuarantinedMail> = server
            .get("/api/mail/quarantine", &ada)
            .await
            .json()
            .await
            .unwrap();
        if let Some(q) = held
            .into_iter()
            .find(|q| q.reason == QuarantineReason::TooLarge)
        {
            break q;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the too-large mail did not reach the quarantine"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(too_large.subject.as_deref(), Some("big and nameless"));
    assert!(too_large.size > 1_048_576, "{}", too_large.size);
    let again: RetryOutcome = server
        .send_json(
            "POST",
            &format!("/api/mail/quarantine/{}/retry", too_large.id),
            &ada,
            &Value::Null,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again.conversation_id, again.reason),
        (None, Some(QuarantineReason::TooLarge))
    );
    assert_eq!(again.error.as_deref(), Some(too_large.error.as_str()));
    assert_eq!(
        email_conversations(&server, &alice, "queued").await.len(),
        2,
        "the auto-reply waits for nobody"
    );

    // Restarted: nothing is imported twice, and new mail still threads.
    let dir = server.stop();
    let server = TestServer::serve(bin(), dir, "127.0.0.1:0", &["--allow-private-outbound"]);
    let alice = server.login("acme", "alice").await.token;
    mail::deliver(
        &customer.address,
        &[&support.address],
        &reply(3, "In-Reply-To: <reply-2@customer.test>"),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while messages(&server, &alice, id).await.len() < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "the reply after the restart did not thread"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(messages(&server, &alice, id).await.len(), 4);
    assert_eq!(
        email_conversations(&server, &alice, "queued").await.len(),
        2
    );

    // Another tenant sees none of it.
    let gina = server.login("globex", "gina").await.token;
    let theirs: Vec<QuarantinedMail> = server
        .get("/api/mail/quarantine", &gina)
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs.is_empty());
}

#[tokio::test]
async fn agents_mail_reaches_customers_with_its_thread_and_their_replies_come_back() {
    let support = mail::account("desk", SUPPORT_DOMAIN);
    let customer = mail::account("chen", mail::CUSTOMER_DOMAIN);
    let server = TestServer::start_with(bin(), &["--allow-private-outbound"], true);
    let ada = server.login("acme", "ada").await.token;
    let alice = server.login("acme", "alice").await.token;
    let alias = format!("help-{}", support.address);
    let form = with(body(&support), &["aliases"], json!([alias]));
    let created: Mailbox = server
        .send_json("POST", "/api/mail/mailboxes", &ada, &form)
        .await
        .json()
        .await
        .unwrap();

    // Alice writes first, from the alias; a retry sends nothing twice.
    let compose = json!({
        "client_id": "first-mail",
        "mailbox_id": created.id,
        "from": alias,
        "to": customer.address,
        "subject": "您的维修单 Your repair",
        "text": "您好，\n工程师明天上午到。",
    });
    let sent: ChatMessage = server
        .send_json("POST", "/api/mail/compose", &alice, &compose)
        .await
        .json()
        .await
        .unwrap();
    let again: ChatMessage = server
        .send_json("POST", "/api/mail/compose", &alice, &compose)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again.id, sent.id);
    let id = sent.conversation_id;
    let got = mail::wait_inbox(&customer, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(mail::inbox(&customer).await.len(), 1, "sent once");
    let first = &got[0];
    assert!(
        first.header("From").unwrap().contains(&alias),
        "{:?}",
        first.header("From")
    );
    let subject = first.header("Subject").unwrap();
    assert!(subject.contains(&format!("[#{id}]")), "{subject}");
    let message_id = first.header("Message-ID").unwrap();
    assert!(message_id.starts_with("<fd."), "{message_id}");
    let reply_to = first.header("Reply-To").unwrap();
    assert!(reply_to.contains(&format!("+c{id}-")), "{reply_to}");
    let raw = String::from_utf8_lossy(&first.raw);
    assert!(raw.contains("multipart/alternative") && raw.contains("text/html"));
    let mine = email_conversations(&server, &alice, "mine").await;
    assert_eq!(mine.iter().map(|c| c.id).collect::<Vec<_>>(), vec![id]);
    let parts: Vec<MailPart> = server
        .get(&format!("/api/mail/conversations/{id}/mails"), &alice)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].from, alias);
    assert_eq!(parts[0].status, Some(SendStatus::Sent), "{parts:?}");
    assert!(
        parts[0]
            .status_detail
            .as_deref()
            .unwrap_or("")
            .starts_with("250")
    );

    // The customer answers: to the Reply-To with In-Reply-To, then with
    // every threading header stripped — both land in the conversation.
    let token_address = reply_to
        .rsplit_once('<')
        .map_or(reply_to.as_str(), |(_, a)| a.trim_end_matches('>'))
        .to_owned();
    let answer = |n: u32, threading: &str| {
        customer_mail(
            &customer.address,
            &token_address,
            &[
                &format!("Subject: Re: {subject}"),
                &format!("Message-ID: <answer-{n}@customer.test>"),
                threading,
            ],
            &[&format!("answer {n}")],
        )
    };
    mail::deliver(
        &customer.address,
        &[&token_address],
        &answer(1, &format!("In-Reply-To: {message_id}")),
    )
    .await;
    mail::deliver(
        &customer.address,
        &[&token_address],
        &answer(2, "X-Stripped: yes"),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while messages(&server, &alice, id).await.len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the answers did not come back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        email_conversations(&server, &alice, "queued").await.len(),
        0,
        "no new conversation"
    );

    // Alice answers in the thread through the chat composer's endpoint: a
    // mail in reply to the newest, with the whole chain.
    let res = server
        .send_json(
            "POST",
            &format!("/api/chat/conversations/{id}/messages"),
            &alice,
            &json!({"client_id": "second-mail", "text": "Thanks, see you tomorrow."}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let got = mail::wait_inbox(&customer, 2).await;
    let second = got.iter().find(|m| m.uid != first.uid).unwrap();
    assert_eq!(
        second.header("In-Reply-To").as_deref(),
        Some("<answer-2@customer.test>")
    );
    let references = second.header("References").unwrap();
    for earlier in [
        message_id.as_str(),
        "<answer-1@customer.test>",
        "<answer-2@customer.test>",
    ] {
        assert!(references.contains(earlier), "{references} lacks {earlier}");
    }
    assert!(
        second.header("From").unwrap().contains(&support.address),
        "replies come from the address written to"
    );
    assert!(second.header("Subject").unwrap().starts_with("Re: "));

    // A delivery report on the first mail marks it failed for Alice.
    let dsn = customer_mail(
        &format!("MAILER-DAEMON@{}", mail::CUSTOMER_DOMAIN),
        &support.address,
        &[
            "Subject: Undelivered Mail Returned to Sender",
            "Auto-Submitted: auto-replied",
            "Content-Type: multipart/report; report-type=delivery-status; boundary=r",
        ],
        &[
            "--r",
            "Content-Type: text/plain",
            "",
            "The mailbox is full.",
            "--r",
            "Content-Type: message/delivery-status",
            "",
            "Action: failed",
            "--r",
            "Content-Type: text/rfc822-headers",
            "",
            &format!("Message-ID: {message_id}"),
            "--r--",
        ],
    );
    mail::deliver(
        &format!("MAILER-DAEMON@{}", mail::CUSTOMER_DOMAIN),
        &[&support.address],
        &dsn,
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let p = first_part(&server, &alice, id).await;
        if p.status == Some(SendStatus::Failed) {
            assert_eq!(p.status_detail.as_deref(), Some("The mailbox is full."));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the bounce did not fail it: {p:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Only the serving agent replies; another tenant cannot even see it.
    let bob_body = json!({"client_id": "x", "text": "hi"});
    let sam = server.login("acme", "sam").await.token;
    let res = server
        .send_json(
            "POST",
            &format!("/api/mail/conversations/{id}/reply"),
            &sam,
            &bob_body,
        )
        .await;
    expect_error(res, 403, "forbidden").await;
    let gina = server.login("globex", "gina").await.token;
    let res = server
        .get(&format!("/api/mail/conversations/{id}/mails"), &gina)
        .await;
    expect_error(res, 404, "not_found").await;
    let res = server
        .send_json(
            "POST",
            "/api/mail/compose",
            &alice,
            &with(compose.clone(), &["to"], json!("not an address")),
        )
        .await;
    expect_error(res, 400, "invalid_mail").await;
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_unreachable_and_goes_once_it_is_fixed() {
    let support = mail::account("queue", SUPPORT_DOMAIN);
    let customer = mail::account("zhao", mail::CUSTOMER_DOMAIN);
    let server = TestServer::start_with(bin(), &["--allow-private-outbound"], true);
    let ada = server.login("acme", "ada").await.token;
    let alice = server.login("acme", "alice").await.token;
    let broken = with(body(&support), &["smtp", "port"], json!(1));
    let created: Mailbox = server
        .send_json("POST", "/api/mail/mailboxes", &ada, &broken)
        .await
        .json()
        .await
        .unwrap();
    let sent: ChatMessage = server
        .send_json(
            "POST",
            "/api/mail/compose",
            &alice,
            &json!({"client_id": "while-down", "mailbox_id": created.id,
                    "to": customer.address, "subject": "Parts", "text": "Your parts shipped."}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = sent.conversation_id;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let p = first_part(&server, &alice, id).await;
        assert_eq!(p.status, Some(SendStatus::Queued));
        if p.status_detail.is_some() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no try was made");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(mail::inbox(&customer).await.is_empty());
    // The admin mends the port: the waiting mail goes at once, once.
    let fixed = with(
        with(body(&support), &["smtp_password"], Value::Null),
        &["imap_password"],
        Value::Null,
    );
    let res = server
        .send_json(
            "PUT",
            &format!("/api/mail/mailboxes/{}", created.id),
            &ada,
            &fixed,
        )
        .await;
    assert_eq!(res.status(), 200);
    let got = mail::wait_inbox(&customer, 1).await;
    assert_eq!(got.len(), 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while first_part(&server, &alice, id).await.status != Some(SendStatus::Sent) {
        assert!(std::time::Instant::now() < deadline, "never marked sent");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn first_part(server: &TestServer, token: &str, id: i64) -> MailPart {
    let parts: Vec<MailPart> = server
        .get(&format!("/api/mail/conversations/{id}/mails"), token)
        .await
        .json()
        .await
        .unwrap();
    parts[0].clone()
}

/// Bytes that do not compress and are the same every run.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Base64 in 76-character lines, as mailers write it.
fn base64_lines(bytes: &[u8]) -> Vec<String> {
    use base64::Engine;
    let all = base64::engine::general_purpose::STANDARD.encode(bytes);
    all.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect()
}

const PIXEL_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

#[tokio::test]
async fn html_mail_reads_safely_big_mail_is_kept_or_shown_and_nothing_threads_across_tenants() {
    let support = mail::account("big", SUPPORT_DOMAIN);
    let theirs = mail::account("globexdesk", SUPPORT_DOMAIN);
    let customer = mail::account("sun", mail::CUSTOMER_DOMAIN);
    let server = TestServer::start_with(bin(), &["--allow-private-outbound"], true);
    let ada = server.login("acme", "ada").await.token;
    let alice = server.login("acme", "alice").await.token;
    let gina = server.login("globex", "gina").await.token;
    let form = with(
        body(&support),
        &["max_message_bytes"],
        json!(20 * 1024 * 1024),
    );
    let res = server
        .send_json("POST", "/api/mail/mailboxes", &ada, &form)
        .await;
    assert_eq!(res.status(), 201);
    let globex = with(body(&theirs), &["aliases"], json!([]));
    let res = server
        .send_json("POST", "/api/mail/mailboxes", &gina, &globex)
        .await;
    assert_eq!(res.status(), 201);

    // HTML with a script, a handler, a tracking pixel and an inline logo.
    let html_mail = customer_mail(
        &customer.address,
        &support.address,
        &[
            "Subject: 账单 HTML",
            "Message-ID: <html-1@customer.test>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/related; boundary=rel",
        ],
        &[
            "--rel",
            "Content-Type: text/html; charset=utf-8",
            "",
            "<html><body><p onclick=\"steal()\">您好 <b>Sun</b></p>\
             <script>fetch('https://evil.example/x')</script>\
             <img src=\"https://tracker.example/p.gif?u=1&amp;m=2\">\
             <img src=\"cid:logo@acme\" alt=\"logo\"></body></html>",
            "--rel",
            "Content-Type: image/png",
            "Content-ID: <logo@acme>",
            "Content-Disposition: inline; filename=logo.png",
            "Content-Transfer-Encoding: base64",
            "",
            PIXEL_PNG,
            "--rel--",
        ],
    );
    mail::deliver(&customer.address, &[&support.address], &html_mail).await;
    let list = wait_for(&server, &alice, "queued", "the HTML mail", |l| l.len() == 1).await;
    let id = list[0].id;
    let part = first_part(&server, &alice, id).await;
    assert!(part.has_html);
    let html: fieldesk_core::email::html::MailHtml = server
        .get(
            &format!(
                "/api/mail/conversations/{id}/messages/{}/html",
                part.message_id
            ),
            &alice,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(html.html.contains("您好"), "{}", html.html);
    for gone in [
        "<script",
        "onclick",
        "evil.example",
        "steal",
        " src=\"https://tracker",
    ] {
        assert!(!html.html.contains(gone), "{gone} in {}", html.html);
    }
    assert!(
        html.html
            .contains(&format!("src=\"data:image/png;base64,{PIXEL_PNG}\"")),
        "{}",
        html.html
    );
    assert_eq!(html.remote_images, 1);
    assert_eq!(
        fieldesk_core::email::html::remote_images(&html.html),
        ["https://tracker.example/p.gif?u=1&m=2"]
    );
    // Nobody else reads it.
    let res = server
        .get(
            &format!(
                "/api/mail/conversations/{id}/messages/{}/html",
                part.message_id
            ),
            &gina,
        )
        .await;
    expect_error(res, 404, "not_found").await;

    // A 10 MiB attachment in the same thread: kept whole, served as a
    // download.
    let big = noise(10 * 1024 * 1024);
    let mut lines = vec![
        "--mix".to_owned(),
        "Content-Type: text/plain; charset=utf-8".to_owned(),
        String::new(),
        "The photos of the broken pump.".to_owned(),
        "--mix".to_owned(),
        "Content-Type: application/octet-stream".to_owned(),
        "Content-Disposition: attachment; filename=\"=?UTF-8?B?5rO15Zu+?=.bin\"".to_owned(),
        "Content-Transfer-Encoding: base64".to_owned(),
        String::new(),
    ];
    lines.extend(base64_lines(&big));
    lines.push("--mix--".to_owned());
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let with_attachment = customer_mail(
        &customer.address,
        &support.address,
        &[
            "Subject: Re: 账单 HTML",
            "Message-ID: <big-1@customer.test>",
            "In-Reply-To: <html-1@customer.test>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=mix",
        ],
        &lines,
    );
    mail::deliver(&customer.address, &[&support.address], &with_attachment).await;
    // Over the mailbox's 20 MiB: shown as too large, in the thread.
    let huge = noise(16 * 1024 * 1024);
    let mut lines = vec![String::new()];
    lines.extend(base64_lines(&huge));
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let too_large = customer_mail(
        &customer.address,
        &support.address,
        &[
            "Subject: Re: 账单 HTML (video)",
            "Message-ID: <huge-1@customer.test>",
            "In-Reply-To: <big-1@customer.test>",
            "MIME-Version: 1.0",
            "Content-Type: application/octet-stream",
            "Content-Transfer-Encoding: base64",
        ],
        &lines,
    );
    mail::deliver(&customer.address, &[&support.address], &too_large).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let parts = loop {
        let parts: Vec<MailPart> = server
            .get(&format!("/api/mail/conversations/{id}/mails"), &alice)
            .await
            .json()
            .await
            .unwrap();
        if parts.len() == 3 {
            break parts;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the big mails: {parts:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let attachment = &parts[1].attachments[0];
    assert_eq!(attachment.size, big.len() as u64);
    assert_eq!(attachment.filename, "泵图.bin");
    let res = server
        .get(
            &format!(
                "/api/mail/conversations/{id}/messages/{}/attachments/{}",
                parts[1].message_id, attachment.sha256
            ),
            &alice,
        )
        .await;
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(
        res.bytes().await.unwrap() == big,
        "the attachment comes back whole"
    );
    let shown = &parts[2];
    assert_eq!(shown.from, customer.address);
    assert_eq!(shown.subject, "Re: 账单 HTML (video)");
    assert!(
        shown.too_large.is_some_and(|n| n > 20 * 1024 * 1024),
        "{shown:?}"
    );
    assert!(shown.attachments.is_empty());

    // The same customer writes to Globex quoting Acme's thread (its
    // Message-ID and tag): Globex gets a conversation of its own, Acme's
    // thread is untouched.
    let across = customer_mail(
        &customer.address,
        &theirs.address,
        &[
            &format!("Subject: Re: 账单 [#{id}]"),
            "Message-ID: <across-1@customer.test>",
            "In-Reply-To: <html-1@customer.test>",
            "References: <html-1@customer.test> <big-1@customer.test>",
        ],
        &["wrong company"],
    );
    mail::deliver(&customer.address, &[&theirs.address], &across).await;
    let theirs_list = wait_for(&server, &gina, "all", "Globex's own conversation", |l| {
        l.len() == 1
    })
    .await;
    assert_ne!(theirs_list[0].id, id);
    assert_eq!(messages(&server, &alice, id).await.len(), 3);

    // Alice writes with a file: the customer gets it attached, she sees it
    // on her mail; too much, or not base64, is refused and nothing is sent.
    use base64::Engine;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let quote = noise(300 * 1024);
    let mailboxes: Vec<Mailbox> = server
        .get("/api/mail/mailboxes", &ada)
        .await
        .json()
        .await
        .unwrap();
    let compose = json!({
        "client_id": "with-a-file", "mailbox_id": mailboxes[0].id, "to": customer.address,
        "subject": "报价 Quote", "text": "请查收报价单。",
        "attachments": [{"filename": "报价单.pdf", "content_type": "application/pdf", "data": b64(&quote)}],
    });
    for (change, status, code) in [
        (
            // Just past 10 MiB: the request still fits the body limit, so the
            // server reads it whole and answers (a far larger body is cut off
            // mid-upload; the app refuses such files before sending).
            json!([{"filename": "big.bin", "data": b64(&noise(10 * 1024 * 1024 + 1024))}]),
            413,
            "payload_too_large",
        ),
        (
            json!([{"filename": "a.pdf", "data": "not base64!"}]),
            400,
            "invalid_mail",
        ),
        (
            json!([{"filename": "../a.pdf", "data": "QUJD"}]),
            400,
            "invalid_mail",
        ),
    ] {
        let res = server
            .send_json(
                "POST",
                "/api/mail/compose",
                &alice,
                &with(compose.clone(), &["attachments"], change),
            )
            .await;
        expect_error(res, status, code).await;
    }
    let sent: ChatMessage = server
        .send_json("POST", "/api/mail/compose", &alice, &compose)
        .await
        .json()
        .await
        .unwrap();
    let got = mail::wait_inbox(&customer, 1).await;
    assert_eq!(got.len(), 1, "the refused ones were never sent");
    let raw = String::from_utf8_lossy(&got[0].raw).into_owned();
    assert!(
        raw.contains("multipart/mixed") && raw.contains("Content-Disposition: attachment"),
        "{}",
        &raw[..raw.len().min(2000)]
    );
    let part = first_part(&server, &alice, sent.conversation_id).await;
    assert_eq!(part.attachments.len(), 1);
    assert_eq!(part.attachments[0].filename, "报价单.pdf");
    assert_eq!(part.attachments[0].size, quote.len() as u64);
}

/// Every email conversation of the tenant with its message count, paged
/// through as an admin sees them.
async fn all_email_threads(server: &TestServer, token: &str) -> Vec<(i64, usize)> {
    let mut out = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut url = "/api/chat/conversations?tab=all&limit=200".to_owned();
        if let Some(b) = &before {
            url.push_str(&format!("&before={b}"));
        }
        let page: Vec<ConversationSummary> = server.get(&url, token).await.json().await.unwrap();
        for c in page.iter().filter(|c| c.channel == Channel::Email) {
            out.push((c.id, messages(server, token, c.id).await.len()));
        }
        match page.last() {
            Some(last) if page.len() == 200 => before = Some(last.cursor().to_string()),
            _ => return out,
        }
    }
}

#[tokio::test]
async fn a_server_killed_mid_import_neither_loses_nor_duplicates_mail() {
    const MAILS: usize = 600;
    let support = mail::account("crash", SUPPORT_DOMAIN);
    mail::append_all(
        &support,
        (0..MAILS).map(|n| {
            customer_mail(
                &format!("c{n}@{}", mail::CUSTOMER_DOMAIN),
                &support.address,
                &[
                    &format!("Subject: 问题 {n}"),
                    &format!("Message-ID: <crash-{n}@customer.test>"),
                ],
                &[&format!("mail {n}")],
            )
        }),
    )
    .await;
    let server = TestServer::start_with(bin(), &["--allow-private-outbound"], true);
    let ada = server.login("acme", "ada").await.token;
    let res = server
        .send_json("POST", "/api/mail/mailboxes", &ada, &body(&support))
        .await;
    assert_eq!(res.status(), 201);
    // Killed (SIGKILL) once some, not all, are in.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let list = email_conversations(&server, &ada, "all").await;
        if !list.is_empty() {
            assert!(
                list.len() < MAILS,
                "all imported before the kill: make the batch larger"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "nothing imported");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let dir = server.stop();
    let server = TestServer::serve(bin(), dir, "127.0.0.1:0", &["--allow-private-outbound"]);
    let ada = server.login("acme", "ada").await.token;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let threads = loop {
        let threads = all_email_threads(&server, &ada).await;
        if threads.len() >= MAILS {
            break threads;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {MAILS} after the restart",
            threads.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let again = all_email_threads(&server, &ada).await;
    assert_eq!(again.len(), MAILS, "no mail twice");
    assert!(
        threads.iter().chain(&again).all(|(_, n)| *n == 1),
        "each mail once: {again:?}"
    );
}
