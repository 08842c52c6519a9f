//! Service groups (服务组): the teams conversations wait for and work
//! orders are dispatched to, with their members.

use async_trait::async_trait;
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};

use super::StoreResult;

#[async_trait]
pub trait GroupStore: Send + Sync + 'static {
    async fn groups(&self, tenant_id: i64) -> StoreResult<Vec<ServiceGroup>>;
    /// Creates (`id` none) or replaces a group; a taken name is a conflict.
    async fn save_group(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        input: ServiceGroupInput,
    ) -> StoreResult<ServiceGroup>;
    async fn delete_group(&self, tenant_id: i64, id: i64) -> StoreResult<()>;
}
