//! Dispatch targets: service groups and providers (by [`TargetRef`]),
//! their profiles (skills, qualifications, service region) and the named
//! regions profiles share.

use serde::{Deserialize, Serialize};

use super::*;
use crate::region::ServiceRegion;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    ServiceGroup,
    ServiceProvider,
}

impl TargetKind {
    /// The wire form, e.g. `service_group` (as in paths and stored rows).
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::ServiceGroup => "service_group",
            TargetKind::ServiceProvider => "service_provider",
        }
    }
}

impl std::fmt::Display for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dispatch target named by kind and id: groups and providers have
/// separate id spaces, so an id alone names nothing. On the wire (and in
/// stored dispatch records) it is the pair `["service_group", 3]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "(TargetKind, i64)", into = "(TargetKind, i64)")]
pub struct TargetRef {
    pub kind: TargetKind,
    pub id: i64,
}

impl TargetRef {
    pub fn group(id: i64) -> Self {
        TargetRef {
            kind: TargetKind::ServiceGroup,
            id,
        }
    }

    pub fn provider(id: i64) -> Self {
        TargetRef {
            kind: TargetKind::ServiceProvider,
            id,
        }
    }
}

impl From<(TargetKind, i64)> for TargetRef {
    fn from((kind, id): (TargetKind, i64)) -> Self {
        TargetRef { kind, id }
    }
}

impl From<TargetRef> for (TargetKind, i64) {
    fn from(t: TargetRef) -> Self {
        (t.kind, t.id)
    }
}

/// A service group or provider as dispatch sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: i64,
    pub kind: TargetKind,
    pub name: String,
    pub skills: Vec<HeldSkill>,
    pub qualifications: Vec<Qualification>,
    pub region: ServiceRegion,
    pub open_orders: u32,
}

/// A tenant-defined region: a named set of divisions and/or polygons (for
/// areas that do not follow division borders) that groups and providers
/// can serve by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedRegion {
    #[serde(default)]
    pub id: i64,
    pub name: String,
    pub region: ServiceRegion,
}

/// Every division exists and every polygon is real.
pub fn validate_region(
    region: &ServiceRegion,
    table: &crate::region::DivisionTable,
) -> Result<(), RuleError> {
    if let Some(bad) = region.divisions.iter().find(|d| table.get(**d).is_none()) {
        return Err(RuleError::UnknownDivision(bad.to_string()));
    }
    if region.polygons.iter().any(|p| !p.is_valid()) {
        return Err(RuleError::BadPolygon);
    }
    Ok(())
}

impl NamedRegion {
    pub fn validate(&self, table: &crate::region::DivisionTable) -> Result<(), RuleError> {
        check_name(&self.name)?;
        validate_region(&self.region, table)
    }
}

/// What a service group or provider maintains for dispatch: its skills,
/// its qualifications (providers) and the regions it serves — its own
/// divisions and polygons plus tenant regions by id. Overlapping regions
/// are allowed: dispatch then picks by load and rotation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DispatchProfile {
    #[serde(default)]
    pub skills: Vec<HeldSkill>,
    #[serde(default)]
    pub qualifications: Vec<Qualification>,
    #[serde(default)]
    pub region: ServiceRegion,
    #[serde(default)]
    pub named_regions: Vec<i64>,
}

impl DispatchProfile {
    pub fn validate(
        &self,
        catalog: &[SkillDef],
        table: &crate::region::DivisionTable,
        named: &[NamedRegion],
    ) -> Result<(), RuleError> {
        for (i, held) in self.skills.iter().enumerate() {
            let def = catalog
                .iter()
                .find(|d| d.key == held.skill)
                .ok_or_else(|| RuleError::UnknownSkill(held.skill.clone()))?;
            if def.rank(&held.level).is_none() {
                return Err(RuleError::UnknownLevel {
                    skill: held.skill.clone(),
                    level: held.level.clone(),
                });
            }
            if self.skills[..i].iter().any(|s| s.skill == held.skill) {
                return Err(RuleError::DuplicateSkill(held.skill.clone()));
            }
        }
        for q in &self.qualifications {
            check_name(&q.key)?;
            if q.valid_to < q.valid_from {
                return Err(RuleError::BadDates(q.key.clone()));
            }
        }
        validate_region(&self.region, table)?;
        if let Some(bad) = self
            .named_regions
            .iter()
            .find(|id| !named.iter().any(|n| n.id == **id))
        {
            return Err(RuleError::UnknownRegion(bad.to_string()));
        }
        Ok(())
    }

    /// The whole area served: own divisions and polygons plus the named
    /// regions' (a named region deleted since is simply left out).
    pub fn service_region(&self, named: &[NamedRegion]) -> ServiceRegion {
        let mut region = self.region.clone();
        for n in named.iter().filter(|n| self.named_regions.contains(&n.id)) {
            region.divisions.extend(&n.region.divisions);
            region.polygons.extend(n.region.polygons.iter().cloned());
        }
        region
    }
}

/// Who an order was dispatched to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchTarget {
    pub kind: TargetKind,
    pub id: i64,
    pub name: String,
}

impl DispatchTarget {
    pub fn target(&self) -> TargetRef {
        TargetRef {
            kind: self.kind,
            id: self.id,
        }
    }
}

/// A service provider with its members (admins and engineers) by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderView {
    pub id: i64,
    pub name: String,
    pub members: Vec<crate::api::UserSummary>,
}

/// A group's or provider's profile, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileEntry {
    pub kind: TargetKind,
    pub id: i64,
    pub profile: DispatchProfile,
}
