//! Rule scopes and auto-dispatch rules (自动派单规则): the order facts a
//! scope tests, and the checks a rule passes before it is saved.

use serde::{Deserialize, Serialize};

use super::*;
use crate::region::ServiceAddress;

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

pub(super) fn check_name(name: &str) -> Result<(), RuleError> {
    let n = name.trim().chars().count();
    if n == 0 || n > MAX_NAME_CHARS {
        return Err(RuleError::BadName);
    }
    Ok(())
}

pub(super) fn check_scope(scope: &[Condition]) -> Result<(), RuleError> {
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

impl AutoRule {
    pub fn validate(&self) -> Result<(), RuleError> {
        check_name(&self.name)?;
        check_scope(&self.scope)
    }
}
