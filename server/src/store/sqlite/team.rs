//! The team tables service groups and providers share (a team, its
//! members): one set of helpers for both, by [`TargetKind`].

use fieldesk_core::dispatch::{DispatchTarget, TargetKind};
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::conflict_names;
use crate::store::{StoreError, StoreResult};

/// (teams table, members table, members' team column).
pub(super) fn tables(kind: TargetKind) -> (&'static str, &'static str, &'static str) {
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
pub(super) fn target(
    conn: &Connection,
    tenant_id: i64,
    kind: TargetKind,
    id: i64,
) -> StoreResult<Option<DispatchTarget>> {
    let (teams, _, _) = tables(kind);
    let name: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT name FROM {teams} WHERE tenant_id = ?1 AND id = ?2"
        ))?
        .query_row(params![tenant_id, id], |r| r.get(0))
        .optional()?;
    Ok(name.map(|name| DispatchTarget { kind, id, name }))
}

/// The tenant's groups or providers with their members, by name.
pub(super) fn load_teams(
    conn: &Connection,
    kind: TargetKind,
    tenant_id: i64,
    only: Option<i64>,
) -> StoreResult<Vec<ServiceGroup>> {
    let (teams, members, team) = tables(kind);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT g.id, g.name, m.user_id FROM {teams} g
         LEFT JOIN {members} m ON m.{team} = g.id
         WHERE g.tenant_id = ?1 AND (?2 IS NULL OR g.id = ?2)
         ORDER BY g.name, g.id, m.user_id"
    ))?;
    let rows = stmt.query_map(params![tenant_id, only], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })?;
    let mut out: Vec<ServiceGroup> = Vec::new();
    for row in rows {
        let (id, name, member) = row?;
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
pub(super) fn save_team(
    tx: &Transaction<'_>,
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
                    &format!("UPDATE {teams} SET name = ?3 WHERE tenant_id = ?1 AND id = ?2"),
                    params![tenant_id, id, input.name],
                )
                .map_err(conflict_names(what))?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("{} {id}", kind.as_str())));
            }
            tx.execute(&format!("DELETE FROM {members} WHERE {team} = ?1"), [id])?;
            id
        }
        None => {
            tx.execute(
                &format!("INSERT INTO {teams} (tenant_id, name) VALUES (?1, ?2)"),
                params![tenant_id, input.name],
            )
            .map_err(conflict_names(what))?;
            tx.last_insert_rowid()
        }
    };
    for member in &input.member_ids {
        tx.execute(
            &format!("INSERT INTO {members} ({team}, user_id) VALUES (?1, ?2)"),
            params![id, member],
        )?;
    }
    load_teams(tx, kind, tenant_id, Some(id))?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("{} {id}", kind.as_str())))
}
