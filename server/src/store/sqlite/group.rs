//! [`GroupStore`] on SQLite (tables from `0004_groups.sql`).

use async_trait::async_trait;
use fieldesk_core::dispatch::TargetKind;
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use rusqlite::params;

use super::SqliteStore;
use super::team::{load_teams, save_team};
use crate::store::group::GroupStore;
use crate::store::{StoreError, StoreResult};

#[async_trait]
impl GroupStore for SqliteStore {
    async fn groups(&self, tenant_id: i64) -> StoreResult<Vec<ServiceGroup>> {
        self.read(move |conn| load_teams(conn, TargetKind::ServiceGroup, tenant_id, None))
            .await
    }

    async fn save_group(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        input: ServiceGroupInput,
    ) -> StoreResult<ServiceGroup> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let group = save_team(&tx, TargetKind::ServiceGroup, tenant_id, id, &input)?;
            tx.commit()?;
            Ok(group)
        })
        .await
    }

    async fn delete_group(&self, tenant_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |conn| {
            let changed = conn.execute(
                "DELETE FROM service_groups WHERE tenant_id = ?1 AND id = ?2",
                params![tenant_id, id],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("group {id}")));
            }
            Ok(())
        })
        .await
    }
}
