//! Verified visitor identity: a typed name links nobody; the embedding
//! site's signature or an agent's explicit link does, and only then does
//! the sidebar get the customer's work orders. Roles change only by an
//! admin, in the security log.

use fieldesk_core::ErrorCode;
use fieldesk_core::chat::{ConversationSummary, Notice, VisitorCommand, VisitorEvent};
use fieldesk_core::identity::{IdentitySecret, IdentityStatus, SignedIdentity, Verification, sign};
use fieldesk_core::security::{SecurityEvent, SecurityEventKind};
use fieldesk_core::work_order::RelatedWorkOrder;
use fieldesk_testkit::chat::Visitor;
use fieldesk_testkit::server::{TestServer, expect_error};
use serde_json::{Value, json};

use crate::bin;

async fn json_of<T: serde::de::DeserializeOwned>(res: reqwest::Response) -> T {
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap()
}

async fn orders_for(server: &TestServer, sam: &str, orders: &[(&str, &str)]) {
    for (number, customer) in orders {
        let body = json!({
            "number": number, "customer": customer, "contact": "138-0000-0000",
            "address": "广东省深圳市南山区科技园", "order_type": "repair", "priority": "normal",
        });
        server.post_ok("/api/work-orders", sam, &body).await;
    }
}

fn signed(secret: &str, id: &str, name: &str) -> SignedIdentity {
    SignedIdentity {
        customer_id: id.into(),
        name: name.into(),
        hash: sign(secret.as_bytes(), id, name),
    }
}

async fn related(server: &TestServer, token: &str, conversation: i64) -> Vec<String> {
    let path = format!("/api/work-orders/related?conversation={conversation}");
    let orders: Vec<RelatedWorkOrder> = json_of(server.get(&path, token).await).await;
    let mut numbers: Vec<String> = orders.into_iter().map(|o| o.number).collect();
    numbers.sort_unstable();
    numbers
}

async fn summary(server: &TestServer, token: &str, id: i64) -> ConversationSummary {
    let all: Vec<ConversationSummary> =
        json_of(server.get("/api/chat/conversations?tab=all", token).await).await;
    all.into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("conversation {id} listed"))
}

async fn events(server: &TestServer, ada: &str) -> Vec<SecurityEvent> {
    json_of(server.get("/api/security/events", ada).await).await
}

/// Makes the tenant's identity secret (as the admin would, in the app).
async fn new_secret(server: &TestServer, ada: &str) -> String {
    let res = server
        .send_json("POST", "/api/chat/identity/secret", ada, &json!(null))
        .await;
    let made: IdentitySecret = json_of(res).await;
    made.secret
}

#[tokio::test]
async fn a_typed_name_links_no_one_and_a_signed_identity_does() {
    let server = TestServer::start(bin());
    let sam = server.login("acme", "sam").await.token;
    let ada = server.login("acme", "ada").await.token;
    orders_for(
        &server,
        &sam,
        &[("WO-1", "王女士"), ("WO-2", "李先生"), ("WO-3", " 王女士 ")],
    )
    .await;
    let ws = server.visitor_ws_url("acme");

    // A visitor who leaves a message as "王女士" is still a guest: no
    // orders in the sidebar, no customer on the conversation.
    let (mut poser, _) = Visitor::connect(&ws, None, 0, Some("zh-CN")).await.unwrap();
    poser
        .send(&VisitorCommand::LeaveMessage {
            client_id: "m1".into(),
            name: "王女士".into(),
            contact: "138".into(),
            text: "我的工单进度如何？".into(),
        })
        .await;
    poser
        .wait_message("left", |m| m.notice == Some(Notice::MessageLeft))
        .await;
    let c = summary(&server, &sam, poser.conversation_id).await;
    assert_eq!(c.visitor_name, "王女士");
    assert_eq!(c.customer, None);
    assert!(
        related(&server, &sam, poser.conversation_id)
            .await
            .is_empty()
    );

    // Without a secret set up, a signature proves nothing either.
    let status: IdentityStatus = json_of(server.get("/api/chat/identity", &ada).await).await;
    assert!(!status.enabled);
    let guess = signed("guess", "c-7", "王女士");
    let (mut v, _) = Visitor::connect_as(&ws, None, 0, None, Some(guess))
        .await
        .unwrap();
    let warning = v
        .wait_for("the identity warning", |e| {
            matches!(e, VisitorEvent::Error { .. })
        })
        .await;
    assert!(matches!(
        warning,
        VisitorEvent::Error { code: ErrorCode::InvalidIdentity, ref message } if message.contains("访客")
    ));
    v.say("g1", "我的工单？").await;
    v.wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
        .await;
    assert!(related(&server, &sam, v.conversation_id).await.is_empty());

    // The admin makes a secret; the site signs with it.
    let secret = new_secret(&server, &ada).await;
    assert!(secret.len() >= 40, "a long random secret: {secret}");
    let status: IdentityStatus = json_of(server.get("/api/chat/identity", &ada).await).await;
    assert!(status.enabled && status.created_at.is_some());
    let listed = server
        .get("/api/chat/identity", &ada)
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&secret), "never returned again");
    match &server.database {
        // Nowhere in the file, its write-ahead log included.
        None => {
            let db = std::fs::read(server.dir.path().join("fieldesk.sqlite3")).unwrap();
            let wal =
                std::fs::read(server.dir.path().join("fieldesk.sqlite3-wal")).unwrap_or_default();
            for bytes in [&db, &wal] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "the secret is sealed at rest"
                );
            }
        }
        // Not in the row that keeps it, nor in the security log.
        Some(url) => {
            let secret = secret.clone();
            let found: i64 = crate::with_postgres(url, move |db| async move {
                db.query_one(
                    "SELECT (SELECT count(*) FROM identity_secrets WHERE strpos(sealed, $1) > 0)
                          + (SELECT count(*) FROM security_events WHERE strpos(detail, $1) > 0)",
                    &[&secret],
                )
                .await
                .unwrap()
                .get(0)
            });
            assert_eq!(found, 0, "the secret is sealed at rest");
        }
    }

    let (mut wang, _) = Visitor::connect_as(
        &ws,
        None,
        0,
        Some("zh-CN"),
        Some(signed(&secret, "c-7", "王女士")),
    )
    .await
    .unwrap();
    wang.say("q1", "你好").await;
    wang.wait_message("the AI's answer", |m| {
        m.author == fieldesk_core::chat::Author::Bot
    })
    .await;
    assert!(
        !wang
            .seen
            .iter()
            .any(|e| matches!(e, VisitorEvent::Error { .. })),
        "{:?}",
        wang.seen
    );
    let c = summary(&server, &sam, wang.conversation_id).await;
    let customer = c.customer.expect("verified");
    assert_eq!(customer.name, "王女士");
    assert_eq!(customer.external_id.as_deref(), Some("c-7"));
    assert_eq!(customer.verified, Verification::Signed);
    assert_eq!(
        related(&server, &sam, wang.conversation_id).await,
        ["WO-1", "WO-3"]
    );

    // A forged hash (the right secret's hash for another name) is refused
    // and logged; the visit goes on as a guest.
    let mut forged = signed(&secret, "c-8", "李先生");
    forged.name = "王女士".into();
    let (mut f, _) = Visitor::connect_as(&ws, None, 0, None, Some(forged))
        .await
        .unwrap();
    f.wait_for("the identity warning", |e| {
        matches!(
            e,
            VisitorEvent::Error {
                code: ErrorCode::InvalidIdentity,
                ..
            }
        )
    })
    .await;
    f.say("q1", "hi").await;
    f.wait_for("still served", |e| matches!(e, VisitorEvent::Ack { .. }))
        .await;
    assert!(related(&server, &sam, f.conversation_id).await.is_empty());
    let log = events(&server, &ada).await;
    let rejected: Vec<_> = log
        .iter()
        .filter(|e| e.kind == SecurityEventKind::IdentityRejected)
        .collect();
    assert_eq!(rejected.len(), 2, "{log:?}");
    assert!(rejected.iter().any(|e| e.detail.contains("c-8")));

    // A new secret: the old signatures stop verifying at once.
    let rotated = new_secret(&server, &ada).await;
    assert_ne!(rotated, secret);
    let (mut stale, _) =
        Visitor::connect_as(&ws, None, 0, None, Some(signed(&secret, "c-9", "李先生")))
            .await
            .unwrap();
    stale
        .wait_for("the identity warning", |e| {
            matches!(e, VisitorEvent::Error { .. })
        })
        .await;
    // Turned off: nothing verifies; linked visitors stay linked.
    let res = server
        .send_json("DELETE", "/api/chat/identity/secret", &ada, &json!(null))
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        related(&server, &sam, wang.conversation_id).await,
        ["WO-1", "WO-3"]
    );

    // Only admins manage the secret.
    let alice = server.login("acme", "alice").await.token;
    for (method, path) in [
        ("GET", "/api/chat/identity"),
        ("POST", "/api/chat/identity/secret"),
        ("DELETE", "/api/chat/identity/secret"),
    ] {
        let res = server.send_json(method, path, &alice, &json!(null)).await;
        expect_error(res, 403, "forbidden").await;
        let res = server.send_json(method, path, &sam, &json!(null)).await;
        expect_error(res, 403, "forbidden").await;
    }
    for v in [poser, v, wang, f, stale] {
        v.close().await;
    }
}

#[tokio::test]
async fn another_customer_on_the_same_browser_gets_a_new_visitor() {
    let server = TestServer::start(bin());
    let ada = server.login("acme", "ada").await.token;
    let sam = server.login("acme", "sam").await.token;
    orders_for(&server, &sam, &[("WO-A", "Acme Ltd"), ("WO-B", "Beta")]).await;
    let secret = new_secret(&server, &ada).await;
    let ws = server.visitor_ws_url("acme");
    let a = signed(&secret, "c-a", "Acme Ltd");
    let (mut first, _) = Visitor::connect_as(&ws, None, 0, None, Some(a.clone()))
        .await
        .unwrap();
    first.say("q1", "our order").await;
    first
        .wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
        .await;
    let token = first.token.clone();
    let conversation = first.conversation_id;
    first.close().await;

    // The same customer comes back: same visitor, same conversation.
    let (again, _) = Visitor::connect_as(&ws, Some(&token), 0, None, Some(a))
        .await
        .unwrap();
    assert_eq!(again.token, token);
    assert_eq!(again.conversation_id, conversation);
    again.close().await;

    // Another customer signs in on that browser: a new visitor, who sees
    // none of the first one's messages.
    let b = signed(&secret, "c-b", "Beta");
    let (mut other, ready) = Visitor::connect_as(&ws, Some(&token), 0, None, Some(b))
        .await
        .unwrap();
    assert_ne!(other.token, token);
    let VisitorEvent::Ready { history, .. } = ready else {
        unreachable!()
    };
    assert!(!history.iter().any(|m| m.body.contains("our order")));
    other.say("q1", "our order too").await;
    other
        .wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
        .await;
    assert_ne!(other.conversation_id, conversation);
    assert_eq!(
        related(&server, &sam, other.conversation_id).await,
        ["WO-B"]
    );
    assert_eq!(related(&server, &sam, conversation).await, ["WO-A"]);
    other.close().await;
}

#[tokio::test]
async fn an_agent_links_a_visitor_they_serve_to_a_customer_by_hand() {
    let server = TestServer::start(bin());
    server.add_user("bob", "agent", "Bob Agent");
    let sam = server.login("acme", "sam").await.token;
    let ada = server.login("acme", "ada").await.token;
    orders_for(
        &server,
        &sam,
        &[("WO-1", "ACME Ltd"), ("WO-2", "王女士"), ("WO-3", "Beta")],
    )
    .await;
    let ws = server.visitor_ws_url("acme");
    let mut v = Visitor::waiting_for_a_human(&ws, "hello", "en").await;
    let bob = server.login("acme", "bob").await.token;
    let alice = server.login("acme", "alice").await.token;
    let alice_events = fieldesk_testkit::chat::StaffEvents::connect(&server.ws_url(), &alice).await;
    let res = server
        .send_json(
            "PUT",
            "/api/chat/status",
            &alice,
            &json!({"status": "online", "capacity": 5}),
        )
        .await;
    assert_eq!(res.status(), 200);
    v.wait_message("assigned", |m| m.notice == Some(Notice::Assigned))
        .await;
    let id = v.conversation_id;
    let path = format!("/api/chat/conversations/{id}/customer");

    // A name no work order has is refused, clearly.
    let res = server
        .send_json("PUT", &path, &alice, &json!({"name": "Nobody Inc"}))
        .await;
    let message = expect_error(res, 404, "unknown_customer").await;
    assert!(message.contains("工单"), "{message}");
    let res = server
        .send_json("PUT", &path, &alice, &json!({"name": " "}))
        .await;
    expect_error(res, 400, "bad_request").await;
    // Another agent who does not serve it cannot link it.
    let res = server
        .send_json("PUT", &path, &bob, &json!({"name": "Beta"}))
        .await;
    expect_error(res, 404, "not_found").await;
    let res = server
        .get(&format!("/api/work-orders/related?conversation={id}"), &bob)
        .await;
    expect_error(res, 404, "not_found").await;
    // Engineers have no chat.
    let eve = server.login("acme", "eve").await.token;
    let res = server
        .send_json("PUT", &path, &eve, &json!({"name": "Beta"}))
        .await;
    expect_error(res, 403, "forbidden").await;
    // Another tenant's admin does not find it.
    let gina = server.login("globex", "gina").await.token;
    let res = server
        .get(
            &format!("/api/work-orders/related?conversation={id}"),
            &gina,
        )
        .await;
    assert!(
        matches!(res.status().as_u16(), 403 | 404),
        "{}",
        res.status()
    );

    // Alice links: matched as work orders are (spaces, Latin case).
    let res = server
        .send_json("PUT", &path, &alice, &json!({"name": " acme ltd "}))
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(related(&server, &alice, id).await, ["WO-1"]);
    let customer = summary(&server, &sam, id).await.customer.expect("linked");
    assert_eq!(customer.name, "acme ltd");
    let me: Value = json_of(server.get("/api/me", &alice).await).await;
    let alice_id = me["user_id"].as_i64().unwrap();
    assert_eq!(customer.verified, Verification::Agent { user_id: alice_id });
    // Relinked, then unlinked.
    let res = server
        .send_json("PUT", &path, &alice, &json!({"name": "王女士"}))
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(related(&server, &alice, id).await, ["WO-2"]);
    let res = server
        .send_json("DELETE", &path, &alice, &json!(null))
        .await;
    assert_eq!(res.status(), 204);
    assert!(related(&server, &alice, id).await.is_empty());
    assert_eq!(summary(&server, &sam, id).await.customer, None);
    let log = events(&server, &ada).await;
    let links: Vec<_> = log
        .iter()
        .filter(|e| e.kind == SecurityEventKind::CustomerLinked && e.username == "alice")
        .collect();
    assert_eq!(links.len(), 3, "{log:?}");

    // A visitor the site verified cannot be relinked by an agent.
    let secret = new_secret(&server, &ada).await;
    let (mut signed_v, _) = Visitor::connect_as(
        &ws,
        Some(&v.token),
        0,
        None,
        Some(signed(&secret, "c-3", "Beta")),
    )
    .await
    .unwrap();
    signed_v.say("q2", "still here").await;
    signed_v
        .wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
        .await;
    assert_eq!(
        signed_v.conversation_id, id,
        "an unlinked visitor keeps the visit"
    );
    assert_eq!(related(&server, &alice, id).await, ["WO-3"]);
    let res = server
        .send_json("PUT", &path, &alice, &json!({"name": "王女士"}))
        .await;
    expect_error(res, 409, "identity_signed").await;
    let res = server
        .send_json("DELETE", &path, &alice, &json!(null))
        .await;
    expect_error(res, 409, "identity_signed").await;
    drop(alice_events);
    v.close().await;
    signed_v.close().await;
}

#[tokio::test]
async fn only_admins_change_roles_and_the_user_signs_in_again() {
    let server = TestServer::start(bin());
    let ada = server.login("acme", "ada").await.token;
    let alice = server.login("acme", "alice").await.token;
    let users: Vec<Value> = json_of(server.get("/api/users", &ada).await).await;
    let id_of = |name: &str| {
        users
            .iter()
            .find(|u| u["username"] == name)
            .and_then(|u| u["user_id"].as_i64())
            .unwrap()
    };
    let (alice_id, ada_id) = (id_of("alice"), id_of("ada"));
    let role = |id: i64| format!("/api/users/{id}/role");

    // Not an admin: forbidden (and logged as such).
    let sam = server.login("acme", "sam").await.token;
    let res = server
        .send_json("PUT", &role(alice_id), &sam, &json!({"role": "admin"}))
        .await;
    expect_error(res, 403, "forbidden").await;
    // Not one's own role; not a role that does not exist.
    let res = server
        .send_json("PUT", &role(ada_id), &ada, &json!({"role": "agent"}))
        .await;
    expect_error(res, 409, "conflict").await;
    let res = server
        .send_json("PUT", &role(alice_id), &ada, &json!({"role": "king"}))
        .await;
    assert!(res.status().is_client_error());
    // Another tenant's user is not found.
    let gina = server.login("globex", "gina").await.token;
    let res = server
        .send_json("PUT", &role(alice_id), &gina, &json!({"role": "admin"}))
        .await;
    expect_error(res, 404, "not_found").await;

    let res = server
        .send_json("PUT", &role(alice_id), &ada, &json!({"role": "supervisor"}))
        .await;
    let changed: Value = json_of(res).await;
    assert_eq!(changed["role"], "supervisor");
    // Her session ended; signed in again she is a supervisor.
    expect_error(server.get("/api/me", &alice).await, 401, "session_expired").await;
    let again = server.login("acme", "alice").await.token;
    let me: Value = json_of(server.get("/api/me", &again).await).await;
    assert_eq!(me["role"], "supervisor");
    let log = events(&server, &ada).await;
    let entry = log
        .iter()
        .find(|e| e.kind == SecurityEventKind::RoleChanged)
        .expect("logged");
    assert_eq!(entry.username, "ada");
    assert!(entry.detail.contains("alice") && entry.detail.contains("supervisor"));
    assert!(log.iter().any(|e| e.kind == SecurityEventKind::Forbidden
        && e.username == "sam"
        && e.detail.contains("/role")));
}

#[tokio::test]
async fn a_window_retrying_a_bad_hash_does_not_flood_the_security_log() {
    let server = TestServer::start(bin());
    let ada = server.login("acme", "ada").await.token;
    let secret = new_secret(&server, &ada).await;
    let ws = server.visitor_ws_url("acme");
    let mut bad = signed(&secret, "c-1", "Acme Ltd");
    bad.hash = "00".repeat(32);
    for _ in 0..8 {
        let (mut v, _) = Visitor::connect_as(&ws, None, 0, None, Some(bad.clone()))
            .await
            .unwrap();
        // Every window is told; only the first few are logged.
        v.wait_for("the identity warning", |e| {
            matches!(
                e,
                VisitorEvent::Error {
                    code: ErrorCode::InvalidIdentity,
                    ..
                }
            )
        })
        .await;
        v.close().await;
    }
    let logged = events(&server, &ada)
        .await
        .into_iter()
        .filter(|e| e.kind == SecurityEventKind::IdentityRejected)
        .count();
    assert_eq!(logged, 5);
}
