use fieldesk_testkit::server::PASSWORD;

use crate::Ctx;

pub async fn language_switch_changes_texts_and_persists(ctx: Ctx) {
    let server = ctx.server();
    let driver = ctx.driver().await;
    let app = driver.open().await;
    app.log_in(&server.base, "acme", "alice", PASSWORD).await;
    app.expect_text("logout", "退出登录").await;

    app.select("language-select", "en").await;
    app.expect_text("logout", "Log out").await;
    app.expect_text("user-role", "Agent").await;
    app.expect_text("welcome", "Welcome, Alice Agent").await;
    app.expect_lang("en").await;
    app.wait_text("connection-status", |t| t.contains("Online"))
        .await;
    ctx.shot(&app, "en").await;

    app.select("language-select", "zh-TW").await;
    app.expect_text("logout", "登出").await;
    app.expect_lang("zh-TW").await;

    // The choice survives a restart.
    app.select("language-select", "en").await;
    app.expect_text("logout", "Log out").await;
    app.close().await;
    let app = driver.open().await;
    app.expect_text("logout", "Log out").await;
    app.expect_lang("en").await;

    app.select("language-select", "zh-CN").await;
    app.expect_text("logout", "退出登录").await;
    app.expect_lang("zh-CN").await;
    app.close().await;
}
