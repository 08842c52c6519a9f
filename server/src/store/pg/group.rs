//! [`GroupStore`] on PostgreSQL (tables from `0005_field_dispatch.sql`).

use async_trait::async_trait;
use fieldesk_core::dispatch::TargetKind;
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};

use super::PgStore;
use super::team::{load_teams, save_team};
use crate::store::group::GroupStore;
use crate::store::{StoreError, StoreResult};

#[async_trait]
impl GroupStore for PgStore {
    async fn groups(&self, tenant_id: i64) -> StoreResult<Vec<ServiceGroup>> {
        let db = self.client().await?;
        load_teams(&db, TargetKind::ServiceGroup, tenant_id, None).await
    }

    async fn save_group(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        input: ServiceGroupInput,
    ) -> StoreResult<ServiceGroup> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let group = save_team(&tx, TargetKind::ServiceGroup, tenant_id, id, &input).await?;
        tx.commit().await?;
        Ok(group)
    }

    async fn delete_group(&self, tenant_id: i64, id: i64) -> StoreResult<()> {
        let db = self.client().await?;
        let changed = db
            .execute(
                "DELETE FROM service_groups WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &id],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("group {id}")));
        }
        Ok(())
    }
}
