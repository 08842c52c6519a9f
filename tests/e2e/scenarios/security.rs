use fieldesk_core::event::ServerEvent;
use fieldesk_testkit::chat::StaffEvents;
use fieldesk_testkit::server::PASSWORD;
use serde_json::Value;

use crate::Ctx;

pub async fn admin_disables_a_user_and_everyone_ends_their_own_sessions(ctx: Ctx) {
    let server = ctx.server();
    // Alice is signed in elsewhere, with her live socket open.
    let alice = server.login("acme", "alice").await;
    let mut alice_events = StaffEvents::connect(&server.ws_url(), &alice.token).await;
    // So is the admin, on another device.
    let ada_elsewhere = server.login("acme", "ada").await.token;

    let driver = ctx.driver().await;
    let app = driver.open().await;
    // Plain http:// to another machine is flagged; no sign-in without consent.
    app.fill("login-server", "http://10.9.8.7:8080").await;
    app.find("login-insecure").await;
    app.fill("login-tenant", "acme").await;
    app.fill("login-username", "ada").await;
    app.fill("login-password", PASSWORD).await;
    app.click("login-submit").await;
    app.expect_text(
        "login-error",
        "请确认要在不加密的情况下登录，或改用 https:// 地址。",
    )
    .await;
    // This machine is fine.
    app.log_in(&server.base, "acme", "ada", PASSWORD).await;
    app.find("workbench-title").await;
    assert!(!app.exists("login-insecure").await);
    app.select("language-select", "en").await;

    app.click("view-security").await;
    app.wait_text("security-user-alice", |t| t.contains("Active"))
        .await;
    app.click("security-user-toggle-alice").await;
    app.wait_text("security-user-alice", |t| t.contains("Disabled"))
        .await;
    alice_events
        .wait_for("her socket told", |e| {
            matches!(e, ServerEvent::SessionRevoked)
        })
        .await;
    assert_eq!(server.get("/api/me", &alice.token).await.status(), 401);
    assert_eq!(
        server.login_raw("acme", "alice", PASSWORD).await.status(),
        403,
        "a disabled user cannot sign in"
    );
    app.wait_text("security-events", |t| t.contains("User disabled"))
        .await;

    // Sessions end after an hour idle, after a day in any case.
    app.fill("security-idle", "60").await;
    app.fill("security-max", "24").await;
    app.click("security-policy-save").await;
    app.find("security-policy-saved").await;
    let policy: Value = server
        .get("/api/security/settings", &ada_elsewhere)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(policy["idle_secs"], 3600);
    assert_eq!(policy["max_secs"], 86400);

    // Eve the engineer becomes an agent: her sign-ins end; it is logged.
    let eve = server.login("acme", "eve").await.token;
    app.select("security-user-role-eve", "agent").await;
    app.expect_text(
        "security-notice-role",
        "Eve Engineer is now Agent; their sign-ins ended.",
    )
    .await;
    assert_eq!(server.get("/api/me", &eve).await.status(), 401);
    let eve = server.login("acme", "eve").await.token;
    let me: Value = server.get("/api/me", &eve).await.json().await.unwrap();
    assert_eq!(me["role"], "agent");
    app.wait_text("security-events", |t| t.contains("Role changed"))
        .await;

    // Chat identity verification: off, then a secret shown once that
    // verifies what the site signs with it.
    app.expect_attr("security-identity-status", "data-enabled", "false")
        .await;
    app.click("security-identity-new").await;
    app.expect_attr("security-identity-status", "data-enabled", "true")
        .await;
    let secret = app
        .wait_text("security-identity-secret", |t| t.len() >= 40)
        .await;
    let identity = fieldesk_core::identity::SignedIdentity {
        customer_id: "c-1".into(),
        name: "Acme Ltd".into(),
        hash: fieldesk_core::identity::sign(secret.as_bytes(), "c-1", "Acme Ltd"),
    };
    let (mut visitor, _) = fieldesk_testkit::chat::Visitor::connect_as(
        &server.visitor_ws_url("acme"),
        None,
        0,
        None,
        Some(identity),
    )
    .await
    .unwrap();
    // The first message starts the conversation.
    visitor.say("v1", "hello").await;
    visitor
        .wait_for("ack", |e| {
            matches!(e, fieldesk_core::chat::VisitorEvent::Ack { .. })
        })
        .await;
    let sam = server.login("acme", "sam").await.token;
    let list: Vec<fieldesk_core::chat::ConversationSummary> = server
        .get("/api/chat/conversations?tab=all", &sam)
        .await
        .json()
        .await
        .unwrap();
    let theirs = list
        .iter()
        .find(|c| c.id == visitor.conversation_id)
        .expect("listed for the supervisor");
    assert_eq!(
        theirs.customer.as_ref().map(|c| c.name.as_str()),
        Some("Acme Ltd")
    );
    visitor.close().await;
    ctx.shot(&app, "security").await;

    // Her own sessions: this one and the other device, which she ends.
    app.click("view-account").await;
    app.wait_text("sessions", |t| {
        t.contains("this one") && t.contains("Fieldesk app")
    })
    .await;
    app.click("session-end").await;
    app.expect_text("security-notice", "1 sign-ins ended.")
        .await;
    assert_eq!(server.get("/api/me", &ada_elsewhere).await.status(), 401);
    app.expect_gone("session-end").await;
    ctx.shot(&app, "account").await;
    app.close().await;
}
