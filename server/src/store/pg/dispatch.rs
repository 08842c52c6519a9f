//! [`DispatchStore`] on PostgreSQL (tables from `0005_field_dispatch.sql`).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use fieldesk_core::dispatch::{
    Candidate, DispatchProfile, DispatchSettings, NamedRegion, Rule, TargetKind, TargetRef,
};
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use fieldesk_core::work_order::{DispatchRecord, WorkOrderStatus};

use super::team::{load_teams, save_team, target};
use super::{PgStore, conflict_names};
use crate::store::dispatch::{DispatchInputs, DispatchStore};
use crate::store::json::{from_json, name, parse, to_json};
use crate::store::{StoreError, StoreResult};

async fn load_profiles(
    db: &impl GenericClient,
    tenant_id: i64,
) -> StoreResult<Vec<(TargetKind, i64, DispatchProfile)>> {
    db.query(
        "SELECT kind, target_id, profile FROM dispatch_profiles WHERE tenant_id = $1
         ORDER BY kind COLLATE \"C\", target_id",
        &[&tenant_id],
    )
    .await?
    .iter()
    .map(|r| Ok((parse(r.get(0))?, r.get(1), from_json(r.get(2))?)))
    .collect()
}

async fn load_named(db: &impl GenericClient, tenant_id: i64) -> StoreResult<Vec<NamedRegion>> {
    db.query(
        "SELECT id, name, region FROM named_regions WHERE tenant_id = $1
         ORDER BY name COLLATE \"C\", id",
        &[&tenant_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(NamedRegion {
            id: r.get(0),
            name: r.get(1),
            region: from_json(r.get(2))?,
        })
    })
    .collect()
}

async fn load_rules(db: &impl GenericClient, tenant_id: i64) -> StoreResult<Vec<Rule>> {
    db.query(
        "SELECT id, rule FROM dispatch_rules WHERE tenant_id = $1
         ORDER BY kind COLLATE \"C\" DESC, id",
        &[&tenant_id],
    )
    .await?
    .iter()
    .map(|r| {
        let mut rule: Rule = from_json(r.get(1))?;
        rule.set_id(r.get(0));
        Ok(rule)
    })
    .collect()
}

async fn load_settings(db: &impl GenericClient, tenant_id: i64) -> StoreResult<DispatchSettings> {
    let stored = db
        .query_opt(
            "SELECT settings FROM dispatch_settings WHERE tenant_id = $1",
            &[&tenant_id],
        )
        .await?;
    stored.map_or(Ok(DispatchSettings::default()), |r| from_json(r.get(0)))
}

/// The statuses of open orders, as stored.
fn open_statuses() -> Vec<String> {
    WorkOrderStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(|s| name(&s))
        .collect()
}

#[async_trait]
impl DispatchStore for PgStore {
    async fn dispatch_settings(&self, tenant_id: i64) -> StoreResult<DispatchSettings> {
        let db = self.client().await?;
        load_settings(&db, tenant_id).await
    }

    async fn set_dispatch_settings(
        &self,
        tenant_id: i64,
        settings: DispatchSettings,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO dispatch_settings (tenant_id, settings) VALUES ($1, $2)
             ON CONFLICT (tenant_id) DO UPDATE SET settings = EXCLUDED.settings",
            &[&tenant_id, &to_json(&settings)],
        )
        .await?;
        Ok(())
    }

    async fn providers(&self, tenant_id: i64) -> StoreResult<Vec<ServiceGroup>> {
        let db = self.client().await?;
        load_teams(&db, TargetKind::ServiceProvider, tenant_id, None).await
    }

    async fn save_provider(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        input: ServiceGroupInput,
    ) -> StoreResult<ServiceGroup> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let saved = save_team(&tx, TargetKind::ServiceProvider, tenant_id, id, &input).await?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn providers_of(&self, tenant_id: i64, user: i64) -> StoreResult<Vec<i64>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT p.id FROM service_providers p
                 JOIN service_provider_members m ON m.provider_id = p.id
                 WHERE p.tenant_id = $1 AND m.user_id = $2 ORDER BY p.id",
                &[&tenant_id, &user],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn profiles(
        &self,
        tenant_id: i64,
    ) -> StoreResult<Vec<(TargetKind, i64, DispatchProfile)>> {
        let db = self.client().await?;
        load_profiles(&db, tenant_id).await
    }

    async fn set_profile(
        &self,
        tenant_id: i64,
        kind: TargetKind,
        id: i64,
        profile: DispatchProfile,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        if target(&db, tenant_id, kind, id).await?.is_none() {
            return Err(StoreError::NotFound(format!("{} {id}", kind.as_str())));
        }
        db.execute(
            "INSERT INTO dispatch_profiles (tenant_id, kind, target_id, profile)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, kind, target_id) DO UPDATE SET profile = EXCLUDED.profile",
            &[&tenant_id, &kind.as_str(), &id, &to_json(&profile)],
        )
        .await?;
        Ok(())
    }

    async fn named_regions(&self, tenant_id: i64) -> StoreResult<Vec<NamedRegion>> {
        let db = self.client().await?;
        load_named(&db, tenant_id).await
    }

    async fn save_named_region(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        region: NamedRegion,
    ) -> StoreResult<NamedRegion> {
        let db = self.client().await?;
        let what = || format!("region {}", region.name);
        let json = to_json(&region.region);
        let id = match id {
            Some(id) => {
                let changed = db
                    .execute(
                        "UPDATE named_regions SET name = $3, region = $4
                         WHERE tenant_id = $1 AND id = $2",
                        &[&tenant_id, &id, &region.name, &json],
                    )
                    .await
                    .map_err(conflict_names(what))?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("region {id}")));
                }
                id
            }
            None => db
                .query_one(
                    "INSERT INTO named_regions (tenant_id, name, region) VALUES ($1, $2, $3)
                     RETURNING id",
                    &[&tenant_id, &region.name, &json],
                )
                .await
                .map_err(conflict_names(what))?
                .get(0),
        };
        Ok(NamedRegion { id, ..region })
    }

    async fn rules(&self, tenant_id: i64) -> StoreResult<Vec<Rule>> {
        let db = self.client().await?;
        load_rules(&db, tenant_id).await
    }

    async fn save_rule(&self, tenant_id: i64, id: Option<i64>, rule: Rule) -> StoreResult<Rule> {
        let db = self.client().await?;
        let what = || format!("rule {}", rule.name());
        let (kind, name, json) = (rule.kind(), rule.name().to_owned(), to_json(&rule));
        let id = match id {
            Some(id) => {
                let changed = db
                    .execute(
                        "UPDATE dispatch_rules SET name = $4, rule = $5
                         WHERE tenant_id = $1 AND id = $2 AND kind = $3",
                        &[&tenant_id, &id, &kind, &name, &json],
                    )
                    .await
                    .map_err(conflict_names(what))?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("rule {id}")));
                }
                id
            }
            None => db
                .query_one(
                    "INSERT INTO dispatch_rules (tenant_id, kind, name, rule)
                     VALUES ($1, $2, $3, $4) RETURNING id",
                    &[&tenant_id, &kind, &name, &json],
                )
                .await
                .map_err(conflict_names(what))?
                .get(0),
        };
        let mut rule = rule;
        rule.set_id(id);
        Ok(rule)
    }

    async fn delete_rule(&self, tenant_id: i64, id: i64) -> StoreResult<()> {
        let db = self.client().await?;
        let changed = db
            .execute(
                "DELETE FROM dispatch_rules WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &id],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("rule {id}")));
        }
        Ok(())
    }

    async fn dispatch_inputs(&self, tenant_id: i64) -> StoreResult<DispatchInputs> {
        let db = self.client().await?;
        let settings = load_settings(&db, tenant_id).await?;
        let named = load_named(&db, tenant_id).await?;
        let mut skill_rules = vec![];
        let mut auto_rules = vec![];
        for rule in load_rules(&db, tenant_id).await? {
            match rule {
                Rule::Skill(r) => skill_rules.push(r),
                Rule::Auto(r) => auto_rules.push(r),
            }
        }
        let profiles = load_profiles(&db, tenant_id).await?;
        let open: Vec<(String, i64, i64)> = db
            .query(
                "SELECT target_kind, target_id, COUNT(*) FROM work_orders
                 WHERE tenant_id = $1 AND target_id IS NOT NULL AND status = ANY($2)
                 GROUP BY target_kind, target_id",
                &[&tenant_id, &open_statuses()],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let mut candidates = vec![];
        for kind in [TargetKind::ServiceGroup, TargetKind::ServiceProvider] {
            for team in load_teams(&db, kind, tenant_id, None).await? {
                let profile = profiles
                    .iter()
                    .find(|(k, id, _)| *k == kind && *id == team.id)
                    .map(|(_, _, p)| p.clone())
                    .unwrap_or_default();
                let open_orders = open
                    .iter()
                    .find(|(k, id, _)| k == kind.as_str() && *id == team.id)
                    .map_or(0, |(_, _, n)| u32::try_from(*n).unwrap_or(u32::MAX));
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
        let last_chosen = db
            .query_opt(
                "SELECT target_kind, target_id FROM work_orders
                 WHERE tenant_id = $1 AND dispatched_at IS NOT NULL AND target_id IS NOT NULL
                 ORDER BY dispatched_at DESC, id DESC LIMIT 1",
                &[&tenant_id],
            )
            .await?
            .map(|r| {
                Ok::<_, StoreError>(TargetRef {
                    kind: parse(r.get(0))?,
                    id: r.get(1),
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
    }

    async fn provider_orders(&self, tenant_id: i64, providers: Vec<i64>) -> StoreResult<Vec<i64>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT id FROM work_orders
                 WHERE tenant_id = $1 AND target_kind = 'service_provider' AND target_id = ANY($2)
                 ORDER BY id",
                &[&tenant_id, &providers],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }
}

/// Stores a dispatch with the order, in `tx`: its choice becomes the
/// order's target (none: no target); the lead is cleared until a provider
/// names one.
pub(super) async fn set_dispatch_in(
    tx: &impl GenericClient,
    tenant_id: i64,
    work_order: i64,
    record: &DispatchRecord,
) -> StoreResult<()> {
    let auto_at = record.by.is_none().then_some(record.at);
    let changed = match record.decision.chosen {
        Some(TargetRef { kind, id }) => {
            tx.execute(
                "UPDATE work_orders SET dispatch = $3, target_kind = $4, target_id = $5,
                    lead_id = NULL, dispatched_at = COALESCE($6, dispatched_at)
                 WHERE tenant_id = $1 AND id = $2",
                &[
                    &tenant_id,
                    &work_order,
                    &to_json(record),
                    &kind.as_str(),
                    &id,
                    &auto_at,
                ],
            )
            .await?
        }
        None => {
            tx.execute(
                "UPDATE work_orders SET dispatch = $3, target_kind = NULL, target_id = NULL,
                    lead_id = NULL
                 WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &work_order, &to_json(record)],
            )
            .await?
        }
    };
    if changed == 0 {
        return Err(StoreError::NotFound(format!("work order {work_order}")));
    }
    Ok(())
}
