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
