//! The team tables service groups and providers share (a team, its
//! members) on PostgreSQL: one set of helpers for both, by [`TargetKind`].

use deadpool_postgres::GenericClient;
use fieldesk_core::dispatch::{DispatchTarget, TargetKind};
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};

use super::conflict_names;
use crate::store::{StoreError, StoreResult};

/// (teams table, members table, members' team column).
fn tables(kind: TargetKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        TargetKind::ServiceGroup => ("service_groups", "service_group_members", "group_id"),
        TargetKind::ServiceProvider => (
            "service_providers",
            "service_provider_members",
            "provider_id",
        ),
    }
}

/// A group's or provider's id and name, if it is the tenant's.
pub(super) async fn target(
    db: &impl GenericClient,
    tenant_id: i64,
    kind: TargetKind,
    id: i64,
) -> StoreResult<Option<DispatchTarget>> {
    let (teams, _, _) = tables(kind);
    let row = db
        .query_opt(
            &format!("SELECT name FROM {teams} WHERE tenant_id = $1 AND id = $2"),
            &[&tenant_id, &id],
        )
        .await?;
    Ok(row.map(|r| DispatchTarget {
        kind,
        id,
        name: r.get(0),
    }))
}

/// The tenant's groups or providers with their members, by name.
pub(super) async fn load_teams(
    db: &impl GenericClient,
    kind: TargetKind,
    tenant_id: i64,
    only: Option<i64>,
) -> StoreResult<Vec<ServiceGroup>> {
    let (teams, members, team) = tables(kind);
    let rows = db
        .query(
            &format!(
                "SELECT g.id, g.name, m.user_id FROM {teams} g
                 LEFT JOIN {members} m ON m.{team} = g.id
                 WHERE g.tenant_id = $1 AND ($2::BIGINT IS NULL OR g.id = $2)
                 ORDER BY g.name COLLATE \"C\", g.id, m.user_id"
            ),
            &[&tenant_id, &only],
        )
        .await?;
    let mut out: Vec<ServiceGroup> = Vec::new();
    for row in rows {
        let (id, name, member): (i64, String, Option<i64>) = (row.get(0), row.get(1), row.get(2));
        if out.last().is_none_or(|g| g.id != id) {
            out.push(ServiceGroup {
                id,
                name,
                member_ids: vec![],
            });
        }
        if let (Some(member), Some(group)) = (member, out.last_mut()) {
            group.member_ids.push(member);
        }
    }
    Ok(out)
}

/// Creates or renames a group or provider and replaces its members.
pub(super) async fn save_team(
    tx: &impl GenericClient,
    kind: TargetKind,
    tenant_id: i64,
    id: Option<i64>,
    input: &ServiceGroupInput,
) -> StoreResult<ServiceGroup> {
    let (teams, members, team) = tables(kind);
    let what = || format!("{} {}", kind.as_str(), input.name);
    let id = match id {
        Some(id) => {
            let changed = tx
                .execute(
                    &format!("UPDATE {teams} SET name = $3 WHERE tenant_id = $1 AND id = $2"),
                    &[&tenant_id, &id, &input.name],
                )
                .await
                .map_err(conflict_names(what))?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("{} {id}", kind.as_str())));
            }
            tx.execute(&format!("DELETE FROM {members} WHERE {team} = $1"), &[&id])
                .await?;
            id
        }
        None => tx
            .query_one(
                &format!("INSERT INTO {teams} (tenant_id, name) VALUES ($1, $2) RETURNING id"),
                &[&tenant_id, &input.name],
            )
            .await
            .map_err(conflict_names(what))?
            .get(0),
    };
    for member in &input.member_ids {
        tx.execute(
            &format!("INSERT INTO {members} ({team}, user_id) VALUES ($1, $2)"),
            &[&id, member],
        )
        .await?;
    }
    load_teams(tx, kind, tenant_id, Some(id))
        .await?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("{} {id}", kind.as_str())))
}
