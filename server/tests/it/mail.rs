//! Service mailboxes over the real server against the loopback Postfix +
//! Dovecot (`cargo xtask setup`): admins set them up and test them, the
//! API never gives a password back, the database never holds one in the
//! clear, and nobody else — another role, another tenant — reaches them.

use fieldesk_core::channel::Channel;
use fieldesk_core::chat::{ChatMessage, ConversationSummary};
use fieldesk_core::email::mailbox::{ConnectionCheck, Mailbox};
use fieldesk_core::email::outgoing::SendStatus;
use fieldesk_core::email::part::MailPart;
use fieldesk_core::email::quarantine::{QuarantinedMail, RetryOutcome};
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
    assert!(again.error.unwrap().contains("no sender"));
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
