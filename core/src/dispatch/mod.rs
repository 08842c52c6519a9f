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

mod choose;
mod rules;
mod skills;
mod targets;

pub use choose::*;
pub use rules::*;
pub use skills::*;
pub use targets::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::business_hours::LocalDate;
    use crate::region::Polygon;
    use crate::region::{ServiceAddress, ServiceRegion};

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
