use fieldesk_testkit::server::PASSWORD;

use crate::{Ctx, stored_token};

pub async fn login_shows_the_workbench(ctx: Ctx) {
    let server = ctx.server();
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.expect_text("login-submit", "登录").await;
    app.expect_lang("zh-CN").await;
    ctx.shot(&app, "login").await;
    app.log_in(&server.base, "acme", "alice", PASSWORD).await;
    app.expect_text("workbench-title", "Acme Service Desk")
        .await;
    app.expect_text("user-name", "Alice Agent").await;
    app.expect_text("user-role", "客服").await;
    app.expect_attr("connection-status", "data-state", "online")
        .await;
    app.wait_text("connection-status", |t| t.contains("在线"))
        .await;
    ctx.shot(&app, "workbench").await;

    // The token is in the keychain, and in no file of the profile.
    let token = stored_token(&driver).expect("token saved in the keychain");
    let me = server.get("/api/me", &token).await;
    assert_eq!(me.status(), 200, "the keychain holds the live token");
    for entry in std::fs::read_dir(driver.data_dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&token), "token found in a plain file");
    }
    app.close().await;
}

pub async fn wrong_password_shows_a_localized_error(ctx: Ctx) {
    let server = ctx.server();
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "alice", "not-the-password")
        .await;
    app.expect_text("login-error", "租户、用户名或密码错误。")
        .await;
    app.select("language-select", "en").await;
    app.expect_text("login-error", "Wrong tenant, user name or password.")
        .await;
    app.select("language-select", "zh-TW").await;
    app.expect_text("login-error", "租戶、使用者名稱或密碼錯誤。")
        .await;
    ctx.shot(&app, "wrong-password").await;
    assert!(!app.exists("workbench-title").await);
    // The right password still works after the failure.
    app.fill("login-password", PASSWORD).await;
    app.click("login-submit").await;
    app.expect_text("workbench-title", "Acme Service Desk")
        .await;
    app.close().await;
}

pub async fn unreachable_server_and_bad_input_show_localized_errors(ctx: Ctx) {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(
        &format!("http://127.0.0.1:{closed_port}"),
        "acme",
        "alice",
        PASSWORD,
    )
    .await;
    app.expect_text("login-error", "无法连接服务器，请检查地址和网络。")
        .await;
    app.select("language-select", "en").await;
    app.expect_text(
        "login-error",
        "Cannot reach the server. Check the address and your network.",
    )
    .await;
    ctx.shot(&app, "unreachable").await;

    app.fill("login-server", "localhost:8080").await;
    app.fill("login-password", PASSWORD).await;
    app.click("login-submit").await;
    app.expect_text(
        "login-error",
        "The server URL must start with http:// or https://.",
    )
    .await;

    app.fill("login-tenant", "").await;
    app.click("login-submit").await;
    app.expect_text(
        "login-error",
        "Fill in the server URL, tenant, user name and password.",
    )
    .await;
    app.close().await;
}
