//! Dispatch (派单): skill checks (技能校验), auto-dispatch rules (自动派单规则)
//! and the choice among service groups and providers, as pure functions
//! the server calls with the tenant's data.
//!
//! Policy (documented and tested here):
//! 1. An order whose service address resolved to no division and no point
//!    is not dispatched (it stays unassigned with that reason).
//! 2. Auto rules whose scope matches the order are tried by priority
//!    (higher first); rules of equal priority by id (older first) — so two
//!    conflicting rules of one priority resolve the same way every time.
//! 3. Within a rule, a candidate of the rule's target kind is eligible when
//!    its service region contains the address and it meets every skill
//!    rule that applies to the order and its kind (skills at or above the
//!    minimum level; qualifications valid on the day).
//! 4. Among the eligible: fewest open work orders, then round-robin — the
//!    first id after the one chosen last time in this tie, wrapping.
//! 5. The first rule with an eligible candidate decides; every candidate
//!    in the region is explained (kept, or dropped and why), those outside
//!    it are counted.
//!
//! Manual assignment runs the same skill check ([`missing_for`]).
//!
//! Bad input: rules, catalogs, profiles and regions are checked before
//! they are saved ([`RuleError`]); scope conditions are a flat list, so
//! they cannot be cyclic; overlapping regions are allowed (load and
//! rotation decide); an expired qualification counts as missing; a rule
//! that names a skill since removed from the catalog only affects the
//! orders in its scope (their targets lack that skill).

use serde::{Deserialize, Serialize};

use crate::business_hours::LocalDate;
use crate::region::{ServiceAddress, ServiceRegion};

/// A skill in the tenant's catalog with its ordered levels (lowest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillDef {
    pub key: String,
    pub name: String,
    pub levels: Vec<String>,
}

impl SkillDef {
    /// The rank of `level` (0 = lowest), if it is one of this skill's.
    pub fn rank(&self, level: &str) -> Option<usize> {
        self.levels.iter().position(|l| l == level)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldSkill {
    pub skill: String,
    pub level: String,
}

/// A provider's certificate, valid from/to (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qualification {
    pub key: String,
    pub valid_from: LocalDate,
    pub valid_to: LocalDate,
}

impl Qualification {
    pub fn valid_on(&self, day: LocalDate) -> bool {
        self.valid_from <= day && day <= self.valid_to
    }
}

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

/// The work-order fields a rule's scope can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeField {
    OrderType,
    ProductCategory,
    Priority,
    Customer,
    /// The customer's tier on the order (e.g. `VIP`).
    CustomerTier,
    /// Values are division codes; "equals/in" means the address lies within.
    Region,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Equals,
    NotEquals,
    In,
    NotIn,
    Contains,
    NotContains,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: ScopeField,
    pub op: Operator,
    pub values: Vec<String>,
}

/// What scopes are matched against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderFacts {
    pub order_type: String,
    pub product_category: String,
    pub priority: String,
    pub customer: String,
    #[serde(default)]
    pub customer_tier: String,
    pub address: ServiceAddress,
}

impl OrderFacts {
    /// What the rules' scopes test, from a work order (the app and the
    /// server read an order's facts the same way).
    pub fn of(view: &crate::work_order::WorkOrderView) -> Self {
        OrderFacts {
            order_type: view.order_type.clone(),
            product_category: view.product_category.clone(),
            priority: view.priority.as_str().to_owned(),
            customer: view.customer.clone(),
            customer_tier: view.customer_tier.clone(),
            address: ServiceAddress {
                division: view.division,
                point: view.point,
            },
        }
    }
}

impl Condition {
    pub fn matches(&self, facts: &OrderFacts) -> bool {
        let positive = match self.field {
            ScopeField::Region => {
                let Some(at) = facts.address.division else {
                    // Unknown place: only "not in" conditions hold.
                    return matches!(
                        self.op,
                        Operator::NotEquals | Operator::NotIn | Operator::NotContains
                    );
                };
                self.values.iter().any(|v| {
                    v.trim()
                        .parse()
                        .is_ok_and(|code| crate::region::division_contains(code, at))
                })
            }
            field => {
                let value = match field {
                    ScopeField::OrderType => &facts.order_type,
                    ScopeField::ProductCategory => &facts.product_category,
                    ScopeField::Priority => &facts.priority,
                    ScopeField::CustomerTier => &facts.customer_tier,
                    _ => &facts.customer,
                };
                match self.op {
                    Operator::Contains | Operator::NotContains => {
                        self.values.iter().any(|v| value.contains(v.as_str()))
                    }
                    _ => self.values.iter().any(|v| v == value),
                }
            }
        };
        match self.op {
            Operator::Equals | Operator::In | Operator::Contains => positive,
            Operator::NotEquals | Operator::NotIn | Operator::NotContains => !positive,
        }
    }
}

/// Every condition holds (an empty scope covers every order).
pub fn scope_matches(scope: &[Condition], facts: &OrderFacts) -> bool {
    scope.iter().all(|c| c.matches(facts))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredSkill {
    pub skill: String,
    pub min_level: String,
}

/// 技能校验: orders in scope need targets of this kind with these skills
/// and valid qualifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillRule {
    #[serde(default)]
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub scope: Vec<Condition>,
    pub target: TargetKind,
    #[serde(default)]
    pub skills: Vec<RequiredSkill>,
    #[serde(default)]
    pub qualifications: Vec<String>,
}

/// 自动派单规则 in "dynamic match" mode: targets of this kind whose service
/// regions contain the order's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoRule {
    #[serde(default)]
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub scope: Vec<Condition>,
    pub target: TargetKind,
}

/// Either kind of rule, as stored and sent (`{"kind": "skill", ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    Skill(SkillRule),
    Auto(AutoRule),
}

impl Rule {
    pub fn id(&self) -> i64 {
        match self {
            Rule::Skill(r) => r.id,
            Rule::Auto(r) => r.id,
        }
    }

    pub fn set_id(&mut self, id: i64) {
        match self {
            Rule::Skill(r) => r.id = id,
            Rule::Auto(r) => r.id = id,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Rule::Skill(r) => &r.name,
            Rule::Auto(r) => &r.name,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Rule::Skill(_) => "skill",
            Rule::Auto(_) => "auto",
        }
    }

    pub fn validate(&self, catalog: &[SkillDef]) -> Result<(), RuleError> {
        match self {
            Rule::Skill(r) => r.validate(catalog),
            Rule::Auto(r) => r.validate(),
        }
    }
}

/// Why a rule cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("a condition has no values")]
    EmptyCondition,
    #[error("region condition value {0} is not a division code")]
    BadRegionCode(String),
    #[error("unknown skill {0}")]
    UnknownSkill(String),
    #[error("skill {skill} has no level {level}")]
    UnknownLevel { skill: String, level: String },
    #[error("the rule requires nothing")]
    NothingRequired,
    #[error("a name is empty or too long")]
    BadName,
    #[error("skill {0} has no levels")]
    SkillWithoutLevels(String),
    #[error("skill {0} is listed twice, or one of its levels is")]
    DuplicateSkill(String),
    #[error("{0} is not a GB/T 2260 division")]
    UnknownDivision(String),
    #[error("a polygon needs three or more real coordinates")]
    BadPolygon,
    #[error("qualification {0} ends before it starts")]
    BadDates(String),
    #[error("there is no region {0}")]
    UnknownRegion(String),
}

impl RuleError {
    /// The Fluent key and arguments of the localized explanation.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, String)>) {
        let one = |key, v: &String| (key, vec![("value", v.clone())]);
        match self {
            RuleError::EmptyCondition => ("dispatch-error-empty-condition", vec![]),
            RuleError::BadRegionCode(v) => one("dispatch-error-bad-region-code", v),
            RuleError::UnknownSkill(v) => one("dispatch-error-unknown-skill", v),
            RuleError::UnknownLevel { skill, level } => (
                "dispatch-error-unknown-level",
                vec![("skill", skill.clone()), ("level", level.clone())],
            ),
            RuleError::NothingRequired => ("dispatch-error-nothing-required", vec![]),
            RuleError::BadName => ("dispatch-error-bad-name", vec![]),
            RuleError::SkillWithoutLevels(v) => one("dispatch-error-skill-without-levels", v),
            RuleError::DuplicateSkill(v) => one("dispatch-error-duplicate-skill", v),
            RuleError::UnknownDivision(v) => one("dispatch-error-unknown-division", v),
            RuleError::BadPolygon => ("dispatch-error-bad-polygon", vec![]),
            RuleError::BadDates(v) => one("dispatch-error-bad-dates", v),
            RuleError::UnknownRegion(v) => one("dispatch-error-unknown-region", v),
        }
    }
}

/// The longest name of a skill, level, rule, region or qualification.
pub const MAX_NAME_CHARS: usize = 100;

fn check_name(name: &str) -> Result<(), RuleError> {
    let n = name.trim().chars().count();
    if n == 0 || n > MAX_NAME_CHARS {
        return Err(RuleError::BadName);
    }
    Ok(())
}

/// A skill catalog can be saved when every skill has a key, a name and at
/// least one level, and no key or level (within a skill) is repeated.
pub fn validate_catalog(catalog: &[SkillDef]) -> Result<(), RuleError> {
    for (i, def) in catalog.iter().enumerate() {
        check_name(&def.key)?;
        check_name(&def.name)?;
        if def.levels.is_empty() {
            return Err(RuleError::SkillWithoutLevels(def.key.clone()));
        }
        for (j, level) in def.levels.iter().enumerate() {
            check_name(level)?;
            if def.levels[..j].contains(level) {
                return Err(RuleError::DuplicateSkill(def.key.clone()));
            }
        }
        if catalog[..i].iter().any(|d| d.key == def.key) {
            return Err(RuleError::DuplicateSkill(def.key.clone()));
        }
    }
    Ok(())
}

/// The tenant's dispatch settings: the skill catalog and whether provider
/// admins may add collaborating engineers to a lead (seed 2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchSettings {
    pub catalog: Vec<SkillDef>,
    #[serde(default)]
    pub provider_collaborators: bool,
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

fn check_scope(scope: &[Condition]) -> Result<(), RuleError> {
    for c in scope {
        if c.values.iter().all(|v| v.trim().is_empty()) {
            return Err(RuleError::EmptyCondition);
        }
        if c.field == ScopeField::Region
            && let Some(bad) = c.values.iter().find(|v| {
                v.trim()
                    .parse::<u32>()
                    .map_or(true, |n| !(100_000..1_000_000).contains(&n))
            })
        {
            return Err(RuleError::BadRegionCode(bad.clone()));
        }
    }
    Ok(())
}

impl SkillRule {
    pub fn validate(&self, catalog: &[SkillDef]) -> Result<(), RuleError> {
        check_name(&self.name)?;
        check_scope(&self.scope)?;
        if self.skills.is_empty() && self.qualifications.is_empty() {
            return Err(RuleError::NothingRequired);
        }
        for r in &self.skills {
            let def = catalog
                .iter()
                .find(|d| d.key == r.skill)
                .ok_or_else(|| RuleError::UnknownSkill(r.skill.clone()))?;
            if def.rank(&r.min_level).is_none() {
                return Err(RuleError::UnknownLevel {
                    skill: r.skill.clone(),
                    level: r.min_level.clone(),
                });
            }
        }
        Ok(())
    }
}

impl AutoRule {
    pub fn validate(&self) -> Result<(), RuleError> {
        check_name(&self.name)?;
        check_scope(&self.scope)
    }
}

/// What a target lacks for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "missing", rename_all = "snake_case")]
pub enum Missing {
    Skill {
        skill: String,
        min_level: String,
        /// The level held, if lower.
        held: Option<String>,
    },
    Qualification {
        key: String,
        /// Held, but not valid on the day.
        expired: bool,
    },
}

impl Missing {
    /// The Fluent key and arguments of the localized line, with the
    /// catalog's skill names (the key when the skill is unknown).
    pub fn message(&self, catalog: &[SkillDef]) -> (&'static str, Vec<(&'static str, String)>) {
        match self {
            Missing::Skill {
                skill,
                min_level,
                held,
            } => {
                let name = catalog
                    .iter()
                    .find(|d| &d.key == skill)
                    .map_or(skill.clone(), |d| d.name.clone());
                let mut args = vec![("skill", name), ("level", min_level.clone())];
                match held {
                    Some(h) => {
                        args.push(("held", h.clone()));
                        ("dispatch-missing-skill-level", args)
                    }
                    None => ("dispatch-missing-skill", args),
                }
            }
            Missing::Qualification { key, expired } => (
                if *expired {
                    "dispatch-missing-qualification-expired"
                } else {
                    "dispatch-missing-qualification"
                },
                vec![("qualification", key.clone())],
            ),
        }
    }
}

/// What `candidate` lacks under the skill rules that apply to the order
/// and its kind (empty: it qualifies). A skill the catalog does not know
/// (a rule saved before the catalog changed) counts as missing.
pub fn missing_for(
    candidate: &Candidate,
    facts: &OrderFacts,
    rules: &[SkillRule],
    catalog: &[SkillDef],
    today: LocalDate,
) -> Vec<Missing> {
    let applicable = applicable_skill_rules(rules, facts);
    lacks(candidate, &applicable, catalog, today)
}

/// The skill rules whose scope covers the order.
fn applicable_skill_rules<'a>(rules: &'a [SkillRule], facts: &OrderFacts) -> Vec<&'a SkillRule> {
    rules
        .iter()
        .filter(|r| scope_matches(&r.scope, facts))
        .collect()
}

/// What `candidate` lacks under `rules` (already known to cover the order).
fn lacks(
    candidate: &Candidate,
    rules: &[&SkillRule],
    catalog: &[SkillDef],
    today: LocalDate,
) -> Vec<Missing> {
    let mut missing = vec![];
    for rule in rules.iter().filter(|r| r.target == candidate.kind) {
        for req in &rule.skills {
            let held = candidate.skills.iter().find(|s| s.skill == req.skill);
            let def = catalog.iter().find(|d| d.key == req.skill);
            let enough = match (def, held) {
                (Some(def), Some(held)) => {
                    match (def.rank(&held.level), def.rank(&req.min_level)) {
                        (Some(h), Some(m)) => h >= m,
                        _ => false,
                    }
                }
                _ => false,
            };
            let entry = Missing::Skill {
                skill: req.skill.clone(),
                min_level: req.min_level.clone(),
                held: held.map(|h| h.level.clone()),
            };
            if !enough && !missing.contains(&entry) {
                missing.push(entry);
            }
        }
        for key in &rule.qualifications {
            let held: Vec<&Qualification> = candidate
                .qualifications
                .iter()
                .filter(|q| &q.key == key)
                .collect();
            if !held.iter().any(|q| q.valid_on(today)) {
                let entry = Missing::Qualification {
                    key: key.clone(),
                    expired: !held.is_empty(),
                };
                if !missing.contains(&entry) {
                    missing.push(entry);
                }
            }
        }
    }
    missing
}

/// Why a candidate was kept or dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Verdict {
    Chosen,
    /// Eligible, but another had fewer open orders.
    MoreOpenOrders {
        open: u32,
    },
    /// Eligible and tied, but not next in the rotation.
    NotNextInRotation,
    Lacks {
        missing: Vec<Missing>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Considered {
    pub candidate: i64,
    pub name: String,
    pub verdict: Verdict,
}

/// One rule's part of the explanation: every target of the rule's kind
/// whose regions contain the address, kept or dropped and why; the
/// others are only counted (a tenant may have hundreds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleTrace {
    pub rule: i64,
    pub name: String,
    pub considered: Vec<Considered>,
    #[serde(default)]
    pub outside_region: u32,
}

/// A dispatch decision with its explanation ("why this group").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub chosen: Option<TargetRef>,
    /// Set when nothing was chosen before any rule ran.
    pub unassigned_because: Option<Unassigned>,
    pub rules: Vec<RuleTrace>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unassigned {
    AddressUnresolved,
    NoRuleApplies,
    NoEligibleTarget,
}

/// Chooses a target for an order (see the module's policy).
/// `last_chosen` is the target chosen last time, for the rotation (which
/// turns among targets of the rule's kind only).
pub fn dispatch(
    facts: &OrderFacts,
    auto_rules: &[AutoRule],
    skill_rules: &[SkillRule],
    catalog: &[SkillDef],
    candidates: &[Candidate],
    today: LocalDate,
    last_chosen: Option<TargetRef>,
) -> Decision {
    let mut decision = Decision {
        chosen: None,
        unassigned_because: None,
        rules: vec![],
    };
    if facts.address.division.is_none() && facts.address.point.is_none() {
        decision.unassigned_because = Some(Unassigned::AddressUnresolved);
        return decision;
    }
    let mut rules: Vec<&AutoRule> = auto_rules
        .iter()
        .filter(|r| scope_matches(&r.scope, facts))
        .collect();
    if rules.is_empty() {
        decision.unassigned_because = Some(Unassigned::NoRuleApplies);
        return decision;
    }
    rules.sort_by_key(|r| (std::cmp::Reverse(r.priority), r.id));
    // Region and skills do not depend on the auto rule: worked out once
    // per candidate (skills only when needed), in id order.
    let mut by_id: Vec<&Candidate> = candidates.iter().collect();
    by_id.sort_by_key(|c| c.id);
    let in_region: Vec<bool> = by_id
        .iter()
        .map(|c| c.region.contains(&facts.address))
        .collect();
    let applicable = applicable_skill_rules(skill_rules, facts);
    let mut missing: Vec<Option<Vec<Missing>>> = vec![None; by_id.len()];
    for rule in rules {
        let mut trace = RuleTrace {
            rule: rule.id,
            name: rule.name.clone(),
            considered: vec![],
            outside_region: 0,
        };
        let mut eligible: Vec<&Candidate> = vec![];
        for (i, c) in by_id.iter().enumerate() {
            if c.kind != rule.target {
                continue;
            }
            if !in_region[i] {
                trace.outside_region += 1;
                continue;
            }
            let lacking = missing[i].get_or_insert_with(|| lacks(c, &applicable, catalog, today));
            if lacking.is_empty() {
                eligible.push(c);
            } else {
                trace.considered.push(Considered {
                    candidate: c.id,
                    name: c.name.clone(),
                    verdict: Verdict::Lacks {
                        missing: lacking.clone(),
                    },
                });
            }
        }
        if let Some(least) = eligible.iter().map(|c| c.open_orders).min() {
            let tied: Vec<i64> = eligible
                .iter()
                .filter(|c| c.open_orders == least)
                .map(|c| c.id)
                .collect();
            let chosen = last_chosen
                .filter(|last| last.kind == rule.target)
                .and_then(|last| tied.iter().find(|id| **id > last.id).copied())
                .unwrap_or(tied[0]);
            for c in eligible {
                let verdict = if c.id == chosen {
                    Verdict::Chosen
                } else if c.open_orders > least {
                    Verdict::MoreOpenOrders {
                        open: c.open_orders,
                    }
                } else {
                    Verdict::NotNextInRotation
                };
                trace.considered.push(Considered {
                    candidate: c.id,
                    name: c.name.clone(),
                    verdict,
                });
            }
            trace.considered.sort_by_key(|c| c.candidate);
            decision.rules.push(trace);
            decision.chosen = Some(TargetRef {
                kind: rule.target,
                id: chosen,
            });
            return decision;
        }
        decision.rules.push(trace);
    }
    decision.unassigned_because = Some(Unassigned::NoEligibleTarget);
    decision
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

/// The dispatch configuration as the app's screens show it (a provider
/// admin gets only the settings and their own providers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DispatchConfig {
    pub settings: DispatchSettings,
    pub groups: Vec<crate::group::ServiceGroup>,
    pub providers: Vec<ProviderView>,
    pub profiles: Vec<ProfileEntry>,
    pub regions: Vec<NamedRegion>,
    pub rules: Vec<Rule>,
    pub users: Vec<crate::api::UserSummary>,
}

impl DispatchConfig {
    /// Every group, then every provider: (kind, id, name).
    pub fn targets(&self) -> Vec<(TargetKind, i64, String)> {
        let groups = self
            .groups
            .iter()
            .map(|g| (TargetKind::ServiceGroup, g.id, g.name.clone()));
        let providers = self
            .providers
            .iter()
            .map(|p| (TargetKind::ServiceProvider, p.id, p.name.clone()));
        groups.chain(providers).collect()
    }
}

/// One change to the dispatch configuration (app → shell → REST).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ConfigChange {
    Settings(DispatchSettings),
    Provider {
        id: Option<i64>,
        input: crate::group::ServiceGroupInput,
    },
    Profile {
        kind: TargetKind,
        id: i64,
        profile: DispatchProfile,
    },
    Region(NamedRegion),
    Rule {
        id: Option<i64>,
        rule: Rule,
    },
    DeleteRule {
        id: i64,
    },
}

/// What a dispatcher or provider admin does to a work order from the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum OrderCommand {
    Create(crate::work_order::WorkOrderInput),
    Update {
        id: i64,
        change: crate::work_order::WorkOrderChange,
    },
    /// Run auto-dispatch again.
    Rerun {
        id: i64,
    },
    /// Dispatch by hand (the skill check applies).
    Target {
        id: i64,
        kind: TargetKind,
        target: i64,
    },
    /// A provider admin names the lead and collaborators.
    Crew {
        id: i64,
        lead: i64,
        collaborators: Vec<i64>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::Polygon;

    fn day(d: u8) -> LocalDate {
        LocalDate {
            year: 2026,
            month: 12,
            day: d,
        }
    }

    fn catalog() -> Vec<SkillDef> {
        vec![SkillDef {
            key: "fitter".into(),
            name: "钳工".into(),
            levels: vec!["junior".into(), "intermediate".into(), "senior".into()],
        }]
    }

    fn group(id: i64, divisions: &[u32], level: Option<&str>, open: u32) -> Candidate {
        Candidate {
            id,
            kind: TargetKind::ServiceGroup,
            name: format!("G{id}"),
            skills: level
                .map(|l| HeldSkill {
                    skill: "fitter".into(),
                    level: l.into(),
                })
                .into_iter()
                .collect(),
            qualifications: vec![],
            region: ServiceRegion {
                divisions: divisions.to_vec(),
                polygons: vec![],
            },
            open_orders: open,
        }
    }

    fn order_in(division: u32, order_type: &str) -> OrderFacts {
        OrderFacts {
            order_type: order_type.into(),
            address: ServiceAddress {
                division: Some(division),
                point: None,
            },
            ..OrderFacts::default()
        }
    }

    fn cond(field: ScopeField, op: Operator, values: &[&str]) -> Condition {
        Condition {
            field,
            op,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    fn auto(id: i64, priority: i32, scope: Vec<Condition>) -> AutoRule {
        AutoRule {
            id,
            name: format!("R{id}"),
            priority,
            scope,
            target: TargetKind::ServiceGroup,
        }
    }

    fn fitter_rule(min: &str) -> SkillRule {
        SkillRule {
            id: 1,
            name: "repairs need fitters".into(),
            scope: vec![cond(ScopeField::OrderType, Operator::Equals, &["repair"])],
            target: TargetKind::ServiceGroup,
            skills: vec![RequiredSkill {
                skill: "fitter".into(),
                min_level: min.into(),
            }],
            qualifications: vec![],
        }
    }

    #[test]
    fn levels_decide_by_rank() {
        let facts = order_in(440305, "repair");
        for (held, min, ok) in [
            (Some("senior"), "intermediate", true),
            (Some("intermediate"), "intermediate", true),
            (Some("junior"), "intermediate", false),
            (None, "junior", false),
            (Some("grand master"), "junior", false),
        ] {
            let missing = missing_for(
                &group(1, &[440000], held, 0),
                &facts,
                &[fitter_rule(min)],
                &catalog(),
                day(1),
            );
            assert_eq!(missing.is_empty(), ok, "{held:?} vs {min}");
        }
        // Out of the rule's scope, nothing is required.
        let install = order_in(440305, "install");
        assert!(
            missing_for(
                &group(1, &[], None, 0),
                &install,
                &[fitter_rule("senior")],
                &catalog(),
                day(1)
            )
            .is_empty()
        );
    }

    #[test]
    fn qualifications_count_on_the_day() {
        let rule = SkillRule {
            qualifications: vec!["pressure-vessel".into()],
            skills: vec![],
            target: TargetKind::ServiceProvider,
            ..fitter_rule("junior")
        };
        let mut provider = group(9, &[440000], None, 0);
        provider.kind = TargetKind::ServiceProvider;
        provider.qualifications = vec![Qualification {
            key: "pressure-vessel".into(),
            valid_from: day(1),
            valid_to: day(10),
        }];
        let facts = order_in(440305, "repair");
        for (d, missing) in [
            (day(1), vec![]),
            (day(10), vec![]),
            (
                day(11),
                vec![Missing::Qualification {
                    key: "pressure-vessel".into(),
                    expired: true,
                }],
            ),
        ] {
            assert_eq!(
                missing_for(
                    &provider,
                    &facts,
                    std::slice::from_ref(&rule),
                    &catalog(),
                    d
                ),
                missing
            );
        }
        provider.qualifications.clear();
        assert_eq!(
            missing_for(&provider, &facts, &[rule], &catalog(), day(1)),
            vec![Missing::Qualification {
                key: "pressure-vessel".into(),
                expired: false
            }]
        );
    }

    #[test]
    fn scope_operators() {
        let facts = OrderFacts {
            order_type: "repair".into(),
            product_category: "chiller".into(),
            priority: "high".into(),
            customer: "海岸城购物中心".into(),
            customer_tier: "VIP".into(),
            address: ServiceAddress {
                division: Some(440305),
                point: None,
            },
        };
        use Operator::*;
        use ScopeField::*;
        for (c, expected) in [
            (cond(OrderType, Equals, &["repair"]), true),
            (cond(OrderType, NotEquals, &["repair"]), false),
            (cond(Priority, In, &["urgent", "high"]), true),
            (cond(Priority, NotIn, &["urgent", "high"]), false),
            (cond(Customer, Contains, &["购物中心"]), true),
            (cond(Customer, NotContains, &["医院"]), true),
            (cond(ProductCategory, Equals, &["boiler"]), false),
            (cond(CustomerTier, Equals, &["VIP"]), true),
            (cond(CustomerTier, In, &["gold", "silver"]), false),
            (cond(CustomerTier, NotEquals, &["VIP"]), false),
            (cond(Region, In, &["440000"]), true),
            (cond(Region, In, &["440300", "110000"]), true),
            (cond(Region, In, &["440303"]), false),
            (cond(Region, NotIn, &["440300"]), false),
        ] {
            assert_eq!(c.matches(&facts), expected, "{c:?}");
        }
        assert!(scope_matches(&[], &facts), "an empty scope covers all");
    }

    #[test]
    fn rules_are_checked_before_saving() {
        let bad_level = fitter_rule("wizard");
        assert!(matches!(
            bad_level.validate(&catalog()),
            Err(RuleError::UnknownLevel { .. })
        ));
        let mut unknown = fitter_rule("junior");
        unknown.skills[0].skill = "welder".into();
        assert_eq!(
            unknown.validate(&catalog()),
            Err(RuleError::UnknownSkill("welder".into()))
        );
        let mut empty = fitter_rule("junior");
        empty.scope = vec![cond(ScopeField::OrderType, Operator::In, &[" "])];
        assert_eq!(empty.validate(&catalog()), Err(RuleError::EmptyCondition));
        let mut nothing = fitter_rule("junior");
        nothing.skills.clear();
        assert_eq!(
            nothing.validate(&catalog()),
            Err(RuleError::NothingRequired)
        );
        let region = auto(
            1,
            0,
            vec![cond(ScopeField::Region, Operator::In, &["广东"])],
        );
        assert_eq!(
            region.validate(),
            Err(RuleError::BadRegionCode("广东".into()))
        );
        assert!(fitter_rule("senior").validate(&catalog()).is_ok());
    }

    #[test]
    fn dispatch_picks_by_region_skills_load_then_rotation() {
        let candidates = vec![
            group(1, &[440300], Some("senior"), 3),       // Shenzhen, busy
            group(2, &[440000], Some("intermediate"), 1), // Guangdong
            group(3, &[440305], Some("junior"), 0),       // Nanshan, too junior
            group(4, &[110000], Some("senior"), 0),       // Beijing
            group(5, &[440000], Some("senior"), 1),       // Guangdong
        ];
        let rules = [auto(1, 0, vec![])];
        let skills = [fitter_rule("intermediate")];
        let facts = order_in(440305, "repair");
        let d = dispatch(
            &facts,
            &rules,
            &skills,
            &catalog(),
            &candidates,
            day(1),
            None,
        );
        assert_eq!(d.chosen, Some(TargetRef::group(2)));
        let verdicts: Vec<(i64, Verdict)> = d.rules[0]
            .considered
            .iter()
            .map(|c| (c.candidate, c.verdict.clone()))
            .collect();
        assert_eq!(
            verdicts,
            vec![
                (1, Verdict::MoreOpenOrders { open: 3 }),
                (2, Verdict::Chosen),
                (
                    3,
                    Verdict::Lacks {
                        missing: vec![Missing::Skill {
                            skill: "fitter".into(),
                            min_level: "intermediate".into(),
                            held: Some("junior".into())
                        }]
                    }
                ),
                (5, Verdict::NotNextInRotation),
            ]
        );
        assert_eq!(d.rules[0].outside_region, 1, "group 4 is only counted");
        // Next time the tie goes round: 5, then back to 2.
        let next = dispatch(
            &facts,
            &rules,
            &skills,
            &catalog(),
            &candidates,
            day(1),
            Some(TargetRef::group(2)),
        );
        assert_eq!(next.chosen, Some(TargetRef::group(5)));
        let again = dispatch(
            &facts,
            &rules,
            &skills,
            &catalog(),
            &candidates,
            day(1),
            Some(TargetRef::group(5)),
        );
        assert_eq!(again.chosen, Some(TargetRef::group(2)));
        // A provider chosen last (its id 2 is not group 2) does not move
        // the groups' rotation: the first tied group, as with no history.
        let after_provider = dispatch(
            &facts,
            &rules,
            &skills,
            &catalog(),
            &candidates,
            day(1),
            Some(TargetRef::provider(2)),
        );
        assert_eq!(after_provider.chosen, Some(TargetRef::group(2)));
    }

    #[test]
    fn a_target_ref_keeps_the_stored_pair_form() {
        let t = TargetRef::provider(7);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"["service_provider",7]"#);
        assert_eq!(serde_json::from_str::<TargetRef>(&json).unwrap(), t);
    }

    #[test]
    fn rule_priority_and_fallthrough() {
        let mut polygon_group = group(7, &[], None, 5);
        polygon_group.region.polygons.push(Polygon {
            points: vec![(113.9, 22.5), (114.0, 22.5), (114.0, 22.6), (113.9, 22.6)],
        });
        let candidates = vec![group(1, &[440000], None, 0), polygon_group];
        let facts = OrderFacts {
            address: ServiceAddress {
                division: Some(440305),
                point: Some((113.95, 22.55)),
            },
            priority: "urgent".into(),
            ..OrderFacts::default()
        };
        let urgent = cond(ScopeField::Priority, Operator::Equals, &["urgent"]);
        // The urgent rule (higher priority) only covers the polygon team…
        let mut only_polygon = auto(2, 10, vec![urgent.clone()]);
        only_polygon.target = TargetKind::ServiceGroup;
        let rules = [auto(1, 0, vec![]), only_polygon];
        let d = dispatch(&facts, &rules, &[], &catalog(), &candidates, day(1), None);
        assert_eq!(d.rules[0].rule, 2, "higher priority first");
        assert_eq!(d.chosen, Some(TargetRef::group(1)), "fewest open orders");
        // Same priority: the older rule (lower id) first, every time.
        let tie = [auto(9, 5, vec![]), auto(3, 5, vec![])];
        let d = dispatch(&facts, &tie, &[], &catalog(), &candidates, day(1), None);
        assert_eq!(d.rules[0].rule, 3);
        // No eligible target under the first rule: the next one decides.
        let providers_first = AutoRule {
            target: TargetKind::ServiceProvider,
            ..auto(4, 99, vec![])
        };
        let d = dispatch(
            &facts,
            &[providers_first, auto(5, 0, vec![])],
            &[],
            &catalog(),
            &candidates,
            day(1),
            None,
        );
        assert_eq!(d.rules.len(), 2);
        assert_eq!(d.chosen.map(|c| c.id), Some(1));
    }

    #[test]
    fn unresolved_or_uncovered_orders_stay_unassigned() {
        let candidates = vec![group(1, &[440000], None, 0)];
        let nowhere = OrderFacts::default();
        let d = dispatch(
            &nowhere,
            &[auto(1, 0, vec![])],
            &[],
            &catalog(),
            &candidates,
            day(1),
            None,
        );
        assert_eq!(d.unassigned_because, Some(Unassigned::AddressUnresolved));
        assert_eq!(d.chosen, None);
        let beijing = order_in(110105, "repair");
        let d = dispatch(
            &beijing,
            &[auto(1, 0, vec![])],
            &[],
            &catalog(),
            &candidates,
            day(1),
            None,
        );
        assert_eq!(d.unassigned_because, Some(Unassigned::NoEligibleTarget));
        let scoped = auto(
            1,
            0,
            vec![cond(ScopeField::OrderType, Operator::Equals, &["install"])],
        );
        let d = dispatch(
            &beijing,
            &[scoped],
            &[],
            &catalog(),
            &candidates,
            day(1),
            None,
        );
        assert_eq!(d.unassigned_because, Some(Unassigned::NoRuleApplies));
    }

    /// Property: over random candidates, rules and orders, a chosen target
    /// is of the deciding rule's kind, contains the address, meets every
    /// applicable skill rule, and has the fewest open orders among those
    /// that also would.
    #[test]
    fn a_chosen_candidate_satisfies_every_applicable_rule() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let places = [440000, 440300, 440305, 440303, 110000, 110105, 330100];
        let levels = ["junior", "intermediate", "senior"];
        for _ in 0..3000 {
            let candidates: Vec<Candidate> = (1..=6)
                .map(|id| {
                    let mut c = group(
                        id,
                        &[places[next(places.len() as u64) as usize]],
                        (next(4) > 0).then(|| levels[next(3) as usize]),
                        next(4) as u32,
                    );
                    if next(2) == 0 {
                        c.kind = TargetKind::ServiceProvider;
                    }
                    c
                })
                .collect();
            let kinds = [TargetKind::ServiceGroup, TargetKind::ServiceProvider];
            let skill_rules: Vec<SkillRule> = (0..next(3))
                .map(|i| SkillRule {
                    id: i as i64,
                    target: kinds[next(2) as usize],
                    ..fitter_rule(levels[next(3) as usize])
                })
                .collect();
            let auto_rules: Vec<AutoRule> = (0..1 + next(3))
                .map(|i| AutoRule {
                    target: kinds[next(2) as usize],
                    ..auto(i as i64, next(3) as i32, vec![])
                })
                .collect();
            let facts = order_in(
                places[next(places.len() as u64) as usize],
                ["repair", "install"][next(2) as usize],
            );
            let d = dispatch(
                &facts,
                &auto_rules,
                &skill_rules,
                &catalog(),
                &candidates,
                day(1),
                None,
            );
            let Some(TargetRef { kind, id }) = d.chosen else {
                continue;
            };
            let chosen = candidates.iter().find(|c| c.id == id).unwrap();
            let qualifies = |c: &Candidate| {
                c.kind == kind
                    && c.region.contains(&facts.address)
                    && missing_for(c, &facts, &skill_rules, &catalog(), day(1)).is_empty()
            };
            assert!(qualifies(chosen), "{d:?}");
            assert!(
                candidates
                    .iter()
                    .filter(|c| qualifies(c))
                    .all(|c| c.open_orders >= chosen.open_orders),
                "{d:?}"
            );
        }
    }

    #[test]
    fn catalogs_profiles_and_regions_are_checked_before_saving() {
        let table = crate::region::DivisionTable::shipped();
        assert_eq!(validate_catalog(&catalog()), Ok(()));
        let mut no_levels = catalog();
        no_levels[0].levels.clear();
        assert_eq!(
            validate_catalog(&no_levels),
            Err(RuleError::SkillWithoutLevels("fitter".into()))
        );
        let mut twice = catalog();
        twice.push(twice[0].clone());
        assert_eq!(
            validate_catalog(&twice),
            Err(RuleError::DuplicateSkill("fitter".into()))
        );
        let mut level_twice = catalog();
        level_twice[0].levels.push("junior".into());
        assert!(validate_catalog(&level_twice).is_err());

        let named = vec![NamedRegion {
            id: 5,
            name: "科技园片区".into(),
            region: ServiceRegion {
                divisions: vec![],
                polygons: vec![Polygon {
                    points: vec![(113.9, 22.5), (114.0, 22.5), (114.0, 22.6), (113.9, 22.6)],
                }],
            },
        }];
        assert_eq!(named[0].validate(&table), Ok(()));
        let good = DispatchProfile {
            skills: vec![HeldSkill {
                skill: "fitter".into(),
                level: "senior".into(),
            }],
            qualifications: vec![Qualification {
                key: "电工证".into(),
                valid_from: day(1),
                valid_to: day(31),
            }],
            region: ServiceRegion {
                divisions: vec![440000],
                polygons: vec![],
            },
            named_regions: vec![5],
        };
        assert_eq!(good.validate(&catalog(), &table, &named), Ok(()));
        let region = good.service_region(&named);
        assert_eq!(region.divisions, vec![440000]);
        assert_eq!(region.polygons.len(), 1);
        assert!(region.contains(&ServiceAddress {
            division: Some(110105),
            point: Some((113.95, 22.55)),
        }));

        let broken = [
            (
                DispatchProfile {
                    skills: vec![HeldSkill {
                        skill: "welder".into(),
                        level: "junior".into(),
                    }],
                    ..good.clone()
                },
                RuleError::UnknownSkill("welder".into()),
            ),
            (
                DispatchProfile {
                    skills: vec![HeldSkill {
                        skill: "fitter".into(),
                        level: "master".into(),
                    }],
                    ..good.clone()
                },
                RuleError::UnknownLevel {
                    skill: "fitter".into(),
                    level: "master".into(),
                },
            ),
            (
                DispatchProfile {
                    qualifications: vec![Qualification {
                        key: "电工证".into(),
                        valid_from: day(20),
                        valid_to: day(2),
                    }],
                    ..good.clone()
                },
                RuleError::BadDates("电工证".into()),
            ),
            (
                DispatchProfile {
                    region: ServiceRegion {
                        divisions: vec![999999],
                        polygons: vec![],
                    },
                    ..good.clone()
                },
                RuleError::UnknownDivision("999999".into()),
            ),
            (
                DispatchProfile {
                    region: ServiceRegion {
                        divisions: vec![],
                        polygons: vec![Polygon {
                            points: vec![(1.0, 1.0), (2.0, f64::NAN), (3.0, 1.0)],
                        }],
                    },
                    ..good.clone()
                },
                RuleError::BadPolygon,
            ),
            (
                DispatchProfile {
                    named_regions: vec![6],
                    ..good.clone()
                },
                RuleError::UnknownRegion("6".into()),
            ),
        ];
        for (profile, expected) in broken {
            assert_eq!(profile.validate(&catalog(), &table, &named), Err(expected));
        }
    }

    #[test]
    fn every_error_and_missing_line_is_localized() {
        let catalog_ = catalog();
        let i18n = crate::i18n::Catalog::new();
        let errors = [
            RuleError::EmptyCondition,
            RuleError::BadRegionCode("x".into()),
            RuleError::UnknownSkill("x".into()),
            RuleError::UnknownLevel {
                skill: "x".into(),
                level: "y".into(),
            },
            RuleError::NothingRequired,
            RuleError::BadName,
            RuleError::SkillWithoutLevels("x".into()),
            RuleError::DuplicateSkill("x".into()),
            RuleError::UnknownDivision("x".into()),
            RuleError::BadPolygon,
            RuleError::BadDates("x".into()),
            RuleError::UnknownRegion("x".into()),
        ];
        let missing = [
            Missing::Skill {
                skill: "fitter".into(),
                min_level: "senior".into(),
                held: Some("junior".into()),
            },
            Missing::Skill {
                skill: "fitter".into(),
                min_level: "senior".into(),
                held: None,
            },
            Missing::Qualification {
                key: "电工证".into(),
                expired: true,
            },
            Missing::Qualification {
                key: "电工证".into(),
                expired: false,
            },
        ];
        let keys = errors
            .iter()
            .map(|e| e.message().0)
            .chain(missing.iter().map(|m| m.message(&catalog_).0));
        for key in keys {
            for locale in crate::Locale::ALL {
                assert!(i18n.has(locale, key), "{key} in {locale:?}");
            }
        }
        let (key, args) = missing[0].message(&catalog_);
        assert_eq!(key, "dispatch-missing-skill-level");
        assert!(args.contains(&("skill", "钳工".to_owned())), "{args:?}");
    }

    #[test]
    fn rules_with_unknown_fields_or_operators_do_not_parse() {
        let good = r#"{"kind":"auto","name":"华南","priority":5,"target":"service_group",
            "scope":[{"field":"region","op":"in","values":["440000"]}]}"#;
        let rule: Rule = serde_json::from_str(good).unwrap();
        assert_eq!(rule.kind(), "auto");
        assert_eq!(rule.name(), "华南");
        for bad in [
            good.replace("\"op\":\"in\"", "\"op\":\"like\""),
            good.replace("\"field\":\"region\"", "\"field\":\"colour\""),
            good.replace("\"priority\"", "\"prio\""),
            good.replace("\"auto\"", "\"magic\""),
        ] {
            assert!(serde_json::from_str::<Rule>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_broken_rule_only_holds_up_the_orders_it_covers() {
        // A skill check saved before its skill left the catalog.
        let broken = SkillRule {
            skills: vec![RequiredSkill {
                skill: "welder".into(),
                min_level: "junior".into(),
            }],
            ..fitter_rule("junior")
        };
        let candidates = vec![group(1, &[440000], Some("senior"), 0)];
        let rules = [auto(1, 0, vec![])];
        let maintenance = dispatch(
            &order_in(440305, "maintenance"),
            &rules,
            std::slice::from_ref(&broken),
            &catalog(),
            &candidates,
            day(1),
            None,
        );
        assert_eq!(maintenance.chosen, Some(TargetRef::group(1)));
        let repair = dispatch(
            &order_in(440305, "repair"),
            &rules,
            &[broken],
            &catalog(),
            &candidates,
            day(1),
            None,
        );
        assert_eq!(repair.chosen, None);
        assert_eq!(
            repair.unassigned_because,
            Some(Unassigned::NoEligibleTarget)
        );
        assert!(matches!(
            &repair.rules[0].considered[0].verdict,
            Verdict::Lacks { missing } if missing.iter().any(|m| matches!(m, Missing::Skill { skill, .. } if skill == "welder"))
        ));
    }
}
