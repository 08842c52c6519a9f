use fieldesk_testkit::server::{PASSWORD, TestServer};

use crate::{Ctx, stored_token};

pub async fn restart_keeps_the_session_and_logout_ends_it(ctx: Ctx) {
    let server = ctx.server();
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "alice", PASSWORD).await;
    app.expect_text("workbench-title", "Acme Service Desk")
        .await;
    let token = stored_token(&driver).expect("token saved in the keychain");
    app.close().await;

    let app = driver.open().await;
    app.expect_text("workbench-title", "Acme Service Desk")
        .await;
    app.expect_text("user-name", "Alice Agent").await;
    app.expect_attr("connection-status", "data-state", "online")
        .await;
    assert!(
        !app.exists("login-submit").await,
        "no login after a restart"
    );

    app.click("logout").await;
    app.expect_text("login-submit", "登录").await;
    assert!(!app.exists("workbench-title").await);
    assert_eq!(stored_token(&driver), None);
    assert_eq!(
        server.get("/api/me", &token).await.status(),
        401,
        "revoked on the server too"
    );
    app.close().await;

    let app = driver.open().await;
    app.expect_text("login-submit", "登录").await;
    // The form remembers where and who, never the password.
    let tenant = app.find("login-tenant").await.prop("value").await.unwrap();
    let user = app
        .find("login-username")
        .await
        .prop("value")
        .await
        .unwrap();
    let password = app
        .find("login-password")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        (tenant.as_deref(), user.as_deref()),
        (Some("acme"), Some("alice"))
    );
    assert_eq!(password.as_deref(), Some(""));
    app.close().await;
}

pub async fn connection_indicator_follows_the_server(ctx: Ctx) {
    let server = ctx.server();
    let addr = server.addr().to_owned();
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "alice", PASSWORD).await;
    app.expect_attr("connection-status", "data-state", "online")
        .await;

    let dir = server.stop();
    app.expect_attr("connection-status", "data-state", "offline")
        .await;
    app.wait_text("connection-status", |t| t.contains("离线"))
        .await;
    ctx.shot(&app, "offline").await;

    let _server = TestServer::serve(&ctx.server_bin, dir, &addr, &[]);
    app.expect_attr("connection-status", "data-state", "online")
        .await;
    app.close().await;
}

pub async fn revoked_session_returns_to_login(ctx: Ctx) {
    let server = ctx.server();
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "alice", PASSWORD).await;
    app.expect_attr("connection-status", "data-state", "online")
        .await;
    let out = server.cli(
        &["user", "passwd", "--tenant", "acme", "--username", "alice"],
        "a-new-password\n",
    );
    assert!(out.status.success());
    app.expect_text("login-error", "会话已失效，请重新登录。")
        .await;
    assert!(!app.exists("workbench-title").await);
    assert_eq!(stored_token(&driver), None);
    app.close().await;
}
