//! Tenants, their staff and sign-in sessions.

use async_trait::async_trait;

use super::{Credentials, NewUser, Session, StoreResult, Tenant, User};

#[async_trait]
pub trait TenantStore: Send + Sync + 'static {
    async fn create_tenant(
        &self,
        slug: &str,
        name: &str,
        workbench_name: &str,
    ) -> StoreResult<Tenant>;
    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>>;
    async fn tenant(&self, tenant_id: i64) -> StoreResult<Option<Tenant>>;

    async fn create_user(&self, tenant_id: i64, user: NewUser) -> StoreResult<User>;
    async fn set_password(&self, tenant_id: i64, username: &str, hash: &str) -> StoreResult<()>;
    async fn credentials(&self, tenant_id: i64, username: &str)
    -> StoreResult<Option<Credentials>>;
    async fn user(&self, tenant_id: i64, user_id: i64) -> StoreResult<Option<User>>;
    async fn users(&self, tenant_id: i64) -> StoreResult<Vec<User>>;

    async fn create_session(&self, session: Session) -> StoreResult<()>;
    async fn session(&self, token_hash: &str) -> StoreResult<Option<Session>>;
    /// Revokes a session; revoking twice is not an error (logout is idempotent).
    async fn revoke_session(&self, tenant_id: i64, token_hash: &str) -> StoreResult<()>;
}
