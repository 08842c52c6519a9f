//! Service mailboxes over the real server against the loopback Postfix +
//! Dovecot (`cargo xtask setup`): admins set them up and test them, the
//! API never gives a password back, the database never holds one in the
//! clear, and nobody else — another role, another tenant — reaches them.

use fieldesk_core::email::mailbox::{ConnectionCheck, Mailbox};
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
