//! The choice (动态匹配): rules by priority, eligible candidates by load,
//! then round-robin; every candidate explained.

use serde::{Deserialize, Serialize};

use super::*;
use crate::business_hours::LocalDate;

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
