//! The demo tenant that `serve --demo` creates on first start: users of
//! every role and a few knowledge articles for the AI agent.

use fieldesk_core::knowledge::ArticleInput;
use fieldesk_core::{Locale, Role};

use crate::auth::{generate_password, hash_password};
use crate::store::{NewUser, Store, StoreResult};

pub const DEMO_TENANT: &str = "demo";

/// A demo account created now, with its generated password.
pub struct DemoAccount {
    pub username: &'static str,
    pub role: Role,
    pub password: String,
}

const ACCOUNTS: [(&str, &str, Role); 6] = [
    ("admin", "Admin 管理员", Role::Admin),
    ("supervisor", "Sun Mei 孙梅", Role::Supervisor),
    ("agent1", "Li Na 李娜", Role::Agent),
    ("agent2", "Wang Lei 王磊", Role::Agent),
    ("engineer1", "Zhang Wei 张伟", Role::Engineer),
    ("engineer2", "Chen Jie 陈杰", Role::Engineer),
];

/// Creates the demo tenant and its users unless it exists. Returns the
/// accounts created now (empty when the tenant was already there), so the
/// caller can print their passwords once.
pub async fn seed(store: &dyn Store) -> StoreResult<Vec<DemoAccount>> {
    if store.tenant_by_slug(DEMO_TENANT).await?.is_some() {
        return Ok(vec![]);
    }
    let tenant = store
        .create_tenant(DEMO_TENANT, "Demo Service Co.", "Fieldesk Demo Workbench")
        .await?;
    let mut created = vec![];
    for (username, display_name, role) in ACCOUNTS {
        let password = generate_password();
        let hash = {
            let password = password.clone();
            tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .expect("hashing does not panic")
        };
        store
            .create_user(
                tenant.id,
                NewUser {
                    username: username.into(),
                    display_name: display_name.into(),
                    role,
                    password_hash: hash,
                },
            )
            .await?;
        created.push(DemoAccount {
            username,
            role,
            password,
        });
    }
    for (title, body, locale, tags) in ARTICLES {
        store
            .create_article(
                tenant.id,
                ArticleInput {
                    space: "help".into(),
                    title: title.into(),
                    body: body.into(),
                    locale,
                    tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                },
            )
            .await?;
    }
    Ok(created)
}

/// Knowledge articles the demo's AI agent answers from.
const ARTICLES: [(&str, &str, Locale, &[&str]); 4] = [
    (
        "重置密码",
        "忘记密码时，请在登录页点击“忘记密码”，输入手机号并填写短信验证码，即可重置密码。\n\n新密码至少 8 位，需包含字母和数字。",
        Locale::ZhCn,
        &["账户"],
    ),
    (
        "重設密碼",
        "忘記密碼時，請在登入頁點選「忘記密碼」，輸入手機號碼並填寫簡訊驗證碼，即可重設密碼。",
        Locale::ZhTw,
        &["帳戶"],
    ),
    (
        "Reset your password",
        "Forgot your password? On the sign-in page choose \"Forgot password\", enter your phone number and the SMS code, then set a new password.\n\nPasswords need at least 8 characters with letters and digits.",
        Locale::En,
        &["account"],
    ),
    (
        "打印机卡纸怎么办",
        "X200 打印机卡纸时，先关闭电源，打开前盖，沿出纸方向慢慢取出纸张，再重新开机。\n\n如果反复卡纸，请转人工客服预约工程师上门。",
        Locale::ZhCn,
        &["打印机", "X200"],
    ),
];
