//! [`DispatchStore`] on SQLite (tables from `0010_dispatch.sql`).

use async_trait::async_trait;
use fieldesk_core::dispatch::{
    Candidate, DispatchProfile, DispatchSettings, NamedRegion, Rule, TargetKind, TargetRef,
};
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use fieldesk_core::work_order::{DispatchRecord, WorkOrderStatus};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::team::{load_teams, save_team, target};
use super::{SqliteStore, conflict_names};
use crate::store::dispatch::{DispatchInputs, DispatchStore};
use crate::store::json::{from_json, name, parse, to_json};
use crate::store::{StoreError, StoreResult};

fn load_profiles(
    conn: &Connection,
    tenant_id: i64,
) -> StoreResult<Vec<(TargetKind, i64, DispatchProfile)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, target_id, profile FROM dispatch_profiles WHERE tenant_id = ?1
         ORDER BY kind, target_id",
    )?;
    let rows = stmt
        .query_map([tenant_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(kind, id, profile)| Ok((parse(kind)?, id, from_json(&profile)?)))
        .collect()
}

fn load_named(conn: &Connection, tenant_id: i64) -> StoreResult<Vec<NamedRegion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, region FROM named_regions WHERE tenant_id = ?1 ORDER BY name, id",
    )?;
    let rows = stmt
        .query_map([tenant_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, name, region)| {
            Ok(NamedRegion {
                id,
                name,
                region: from_json(&region)?,
            })
        })
        .collect()
}

fn load_rules(conn: &Connection, tenant_id: i64) -> StoreResult<Vec<Rule>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, rule FROM dispatch_rules WHERE tenant_id = ?1
         ORDER BY kind DESC, id",
    )?;
    let rows = stmt
        .query_map([tenant_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(id, rule)| {
            let mut rule: Rule = from_json(&rule)?;
            rule.set_id(id);
            Ok(rule)
        })
        .collect()
}

fn load_settings(conn: &Connection, tenant_id: i64) -> StoreResult<DispatchSettings> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT settings FROM dispatch_settings WHERE tenant_id = ?1",
            [tenant_id],
            |r| r.get(0),
        )
        .optional()?;
    stored.map_or(Ok(DispatchSettings::default()), |s| from_json(&s))
}

fn open_statuses() -> String {
    WorkOrderStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", name(&s)))
        .collect::<Vec<_>>()
        .join(",")
}

#[async_trait]
impl DispatchStore for SqliteStore {
    async fn dispatch_settings(&self, tenant_id: i64) -> StoreResult<DispatchSettings> {
        self.read(move |conn| load_settings(conn, tenant_id)).await
    }

    async fn set_dispatch_settings(
        &self,
        tenant_id: i64,
        settings: DispatchSettings,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO dispatch_settings (tenant_id, settings) VALUES (?1, ?2)
                 ON CONFLICT (tenant_id) DO UPDATE SET settings = ?2",
                params![tenant_id, to_json(&settings)],
            )?;
            Ok(())
        })
        .await
    }

    async fn providers(&self, tenant_id: i64) -> StoreResult<Vec<ServiceGroup>> {
        self.read(move |conn| load_teams(conn, TargetKind::ServiceProvider, tenant_id, None))
            .await
    }

    async fn save_provider(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        input: ServiceGroupInput,
    ) -> StoreResult<ServiceGroup> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let saved = save_team(&tx, TargetKind::ServiceProvider, tenant_id, id, &input)?;
            tx.commit()?;
            Ok(saved)
        })
        .await
    }

    async fn providers_of(&self, tenant_id: i64, user: i64) -> StoreResult<Vec<i64>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT p.id FROM service_providers p
                 JOIN service_provider_members m ON m.provider_id = p.id
                 WHERE p.tenant_id = ?1 AND m.user_id = ?2 ORDER BY p.id",
            )?;
            let ids = stmt
                .query_map(params![tenant_id, user], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            Ok(ids)
        })
        .await
    }

    async fn profiles(
        &self,
        tenant_id: i64,
    ) -> StoreResult<Vec<(TargetKind, i64, DispatchProfile)>> {
        self.read(move |conn| load_profiles(conn, tenant_id)).await
    }

    async fn set_profile(
        &self,
        tenant_id: i64,
        kind: TargetKind,
        id: i64,
        profile: DispatchProfile,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            if target(conn, tenant_id, kind, id)?.is_none() {
                return Err(StoreError::NotFound(format!("{} {id}", kind.as_str())));
            }
            conn.execute(
                "INSERT INTO dispatch_profiles (tenant_id, kind, target_id, profile)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant_id, kind, target_id) DO UPDATE SET profile = ?4",
                params![tenant_id, kind.as_str(), id, to_json(&profile)],
            )?;
            Ok(())
        })
        .await
    }

    async fn named_regions(&self, tenant_id: i64) -> StoreResult<Vec<NamedRegion>> {
        self.read(move |conn| load_named(conn, tenant_id)).await
    }

    async fn save_named_region(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        region: NamedRegion,
    ) -> StoreResult<NamedRegion> {
        self.write(move |conn| {
            let what = || format!("region {}", region.name);
            let id = match id {
                Some(id) => {
                    let changed = conn
                        .execute(
                            "UPDATE named_regions SET name = ?3, region = ?4
                             WHERE tenant_id = ?1 AND id = ?2",
                            params![tenant_id, id, region.name, to_json(&region.region)],
                        )
                        .map_err(conflict_names(what))?;
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("region {id}")));
                    }
                    id
                }
                None => {
                    conn.execute(
                        "INSERT INTO named_regions (tenant_id, name, region) VALUES (?1, ?2, ?3)",
                        params![tenant_id, region.name, to_json(&region.region)],
                    )
                    .map_err(conflict_names(what))?;
                    conn.last_insert_rowid()
                }
            };
            Ok(NamedRegion { id, ..region })
        })
        .await
    }

    async fn rules(&self, tenant_id: i64) -> StoreResult<Vec<Rule>> {
        self.read(move |conn| load_rules(conn, tenant_id)).await
    }

    async fn save_rule(&self, tenant_id: i64, id: Option<i64>, rule: Rule) -> StoreResult<Rule> {
        self.write(move |conn| {
            let what = || format!("rule {}", rule.name());
            let id = match id {
                Some(id) => {
                    let changed = conn
                        .execute(
                            "UPDATE dispatch_rules SET name = ?4, rule = ?5
                             WHERE tenant_id = ?1 AND id = ?2 AND kind = ?3",
                            params![tenant_id, id, rule.kind(), rule.name(), to_json(&rule)],
                        )
                        .map_err(conflict_names(what))?;
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("rule {id}")));
                    }
                    id
                }
                None => {
                    conn.execute(
                        "INSERT INTO dispatch_rules (tenant_id, kind, name, rule)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![tenant_id, rule.kind(), rule.name(), to_json(&rule)],
                    )
                    .map_err(conflict_names(what))?;
                    conn.last_insert_rowid()
                }
            };
            let mut rule = rule;
            rule.set_id(id);
            Ok(rule)
        })
        .await
    }

    async fn delete_rule(&self, tenant_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |conn| {
            let changed = conn.execute(
                "DELETE FROM dispatch_rules WHERE tenant_id = ?1 AND id = ?2",
                params![tenant_id, id],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("rule {id}")));
            }
            Ok(())
        })
        .await
    }

    async fn dispatch_inputs(&self, tenant_id: i64) -> StoreResult<DispatchInputs> {
        self.read(move |conn| {
            let settings = load_settings(conn, tenant_id)?;
            let named = load_named(conn, tenant_id)?;
            let mut skill_rules = vec![];
            let mut auto_rules = vec![];
            for rule in load_rules(conn, tenant_id)? {
                match rule {
                    Rule::Skill(r) => skill_rules.push(r),
                    Rule::Auto(r) => auto_rules.push(r),
                }
            }
            let profiles = load_profiles(conn, tenant_id)?;
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT target_kind, target_id, COUNT(*) FROM work_orders
                 WHERE tenant_id = ?1 AND target_id IS NOT NULL AND status IN ({})
                 GROUP BY target_kind, target_id",
                open_statuses()
            ))?;
            let open = stmt
                .query_map([tenant_id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, u32>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut candidates = vec![];
            for kind in [TargetKind::ServiceGroup, TargetKind::ServiceProvider] {
                for team in load_teams(conn, kind, tenant_id, None)? {
                    let profile = profiles
                        .iter()
                        .find(|(k, id, _)| *k == kind && *id == team.id)
                        .map(|(_, _, p)| p.clone())
                        .unwrap_or_default();
                    let open_orders = open
                        .iter()
                        .find(|(k, id, _)| k == kind.as_str() && *id == team.id)
                        .map_or(0, |(_, _, n)| *n);
                    candidates.push(Candidate {
                        id: team.id,
                        kind,
                        name: team.name,
                        region: profile.service_region(&named),
                        skills: profile.skills,
                        qualifications: profile.qualifications,
                        open_orders,
                    });
                }
            }
            let last_chosen = conn
                .query_row(
                    "SELECT target_kind, target_id FROM work_orders
                     WHERE tenant_id = ?1 AND dispatched_at IS NOT NULL AND target_id IS NOT NULL
                     ORDER BY dispatched_at DESC, id DESC LIMIT 1",
                    [tenant_id],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?
                .map(|(kind, id)| {
                    Ok::<_, StoreError>(TargetRef {
                        kind: parse(kind)?,
                        id,
                    })
                })
                .transpose()?;
            Ok(DispatchInputs {
                settings,
                skill_rules,
                auto_rules,
                candidates,
                last_chosen,
            })
        })
        .await
    }

    async fn provider_orders(&self, tenant_id: i64, providers: Vec<i64>) -> StoreResult<Vec<i64>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM work_orders
                 WHERE tenant_id = ?1 AND target_kind = 'service_provider' AND target_id = ?2
                 ORDER BY id",
            )?;
            let mut ids = vec![];
            for provider in providers {
                ids.extend(
                    stmt.query_map(params![tenant_id, provider], |r| r.get::<_, i64>(0))?
                        .collect::<rusqlite::Result<Vec<_>>>()?,
                );
            }
            ids.sort_unstable();
            Ok(ids)
        })
        .await
    }
}

/// Stores a dispatch with the order, in `tx`: its choice becomes the
/// order's target (none: no target); the lead is cleared until a provider
/// names one.
pub(super) fn set_dispatch_in(
    tx: &Transaction<'_>,
    tenant_id: i64,
    work_order: i64,
    record: &DispatchRecord,
) -> StoreResult<()> {
    let auto_at = record.by.is_none().then_some(record.at);
    let changed = match record.decision.chosen {
        Some(TargetRef { kind, id }) => tx.execute(
            "UPDATE work_orders SET dispatch = ?3, target_kind = ?4, target_id = ?5,
                lead_id = NULL, dispatched_at = COALESCE(?6, dispatched_at)
             WHERE tenant_id = ?1 AND id = ?2",
            params![
                tenant_id,
                work_order,
                to_json(record),
                kind.as_str(),
                id,
                auto_at
            ],
        )?,
        None => tx.execute(
            "UPDATE work_orders SET dispatch = ?3, target_kind = NULL, target_id = NULL,
                lead_id = NULL
             WHERE tenant_id = ?1 AND id = ?2",
            params![tenant_id, work_order, to_json(record)],
        )?,
    };
    if changed == 0 {
        return Err(StoreError::NotFound(format!("work order {work_order}")));
    }
    Ok(())
}
