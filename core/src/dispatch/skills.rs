//! Skills (技能) and qualifications (资质): the tenant's catalog, what a
//! target holds, skill-check rules (技能校验) and what a target lacks.

use serde::{Deserialize, Serialize};

use super::*;
use crate::business_hours::LocalDate;

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
pub(super) fn applicable_skill_rules<'a>(
    rules: &'a [SkillRule],
    facts: &OrderFacts,
) -> Vec<&'a SkillRule> {
    rules
        .iter()
        .filter(|r| scope_matches(&r.scope, facts))
        .collect()
}

/// What `candidate` lacks under `rules` (already known to cover the order).
pub(super) fn lacks(
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
