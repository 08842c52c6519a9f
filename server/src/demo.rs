//! The demo tenant that `serve --demo` creates on first start.

use fieldesk_core::Role;

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
    Ok(created)
}
