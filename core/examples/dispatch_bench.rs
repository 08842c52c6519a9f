//! `cargo xtask bench dispatch`: the dispatch decision of `core` on a
//! tenant of bench size — 10 000 regions (every GB/T 2260 division plus
//! polygons), 1 000 service groups and providers, 100 rules — for 10 000
//! random orders. Prints decisions per second and p50/p99 per decision.

use std::time::Instant;

use fieldesk_core::business_hours::LocalDate;
use fieldesk_core::dispatch::{
    AutoRule, Candidate, Condition, HeldSkill, Operator, OrderFacts, Qualification, RequiredSkill,
    ScopeField, SkillDef, SkillRule, TargetKind, dispatch,
};
use fieldesk_core::region::{DivisionTable, Polygon, ServiceAddress, ServiceRegion};

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const TYPES: [&str; 5] = ["repair", "maintenance", "install", "inspection", "recall"];
const CATEGORIES: [&str; 10] = [
    "chiller", "boiler", "lift", "pump", "ups", "hvac", "fire", "light", "door", "meter",
];
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

fn day(year: i32) -> LocalDate {
    LocalDate {
        year,
        month: 6,
        day: 1,
    }
}

/// A small polygon (a rough hexagon) somewhere in China's bounding box.
fn polygon(rng: &mut Rng) -> Polygon {
    let (lon, lat) = (73.0 + rng.unit() * 62.0, 18.0 + rng.unit() * 35.0);
    let r = 0.05 + rng.unit() * 0.5;
    let points = (0..6)
        .map(|k| {
            let a = k as f64 * std::f64::consts::PI / 3.0;
            (lon + r * a.cos(), lat + r * a.sin())
        })
        .collect();
    Polygon { points }
}

fn main() {
    let mut rng = Rng(0x5eed_d15b_a7c4);
    let table = DivisionTable::shipped();
    let codes: Vec<u32> = table.all().iter().map(|d| d.code).collect();
    let districts: Vec<u32> = codes.iter().copied().filter(|c| c % 100 != 0).collect();
    let cities: Vec<u32> = codes
        .iter()
        .copied()
        .filter(|c| c % 100 == 0 && c % 10_000 != 0)
        .collect();
    let provinces: Vec<u32> = codes.iter().copied().filter(|c| c % 10_000 == 0).collect();

    // 10 000 regions: every division, and polygons for the rest.
    let polygons: Vec<Polygon> = (codes.len()..10_000).map(|_| polygon(&mut rng)).collect();
    let regions = codes.len() + polygons.len();

    let catalog: Vec<SkillDef> = (0..20)
        .map(|i| SkillDef {
            key: format!("skill-{i}"),
            name: format!("技能 {i}"),
            levels: vec!["初级".into(), "中级".into(), "高级".into()],
        })
        .collect();
    let level = |rng: &mut Rng| catalog[0].levels[rng.below(3)].clone();

    // 1 000 targets: 700 groups, 300 providers, each serving ~10 regions.
    let candidates: Vec<Candidate> = (0..1_000)
        .map(|i| {
            let kind = if i < 700 {
                TargetKind::ServiceGroup
            } else {
                TargetKind::ServiceProvider
            };
            // A province, a few cities, or districts and polygons.
            let (divisions, polys) = match rng.below(10) {
                0..=2 => (vec![*rng.pick(&provinces)], vec![]),
                3..=7 => (
                    (0..2 + rng.below(3)).map(|_| *rng.pick(&cities)).collect(),
                    vec![],
                ),
                _ => (
                    (0..5).map(|_| *rng.pick(&districts)).collect(),
                    (0..5).map(|_| rng.pick(&polygons).clone()).collect(),
                ),
            };
            let skills = (0..3 + rng.below(4))
                .map(|_| HeldSkill {
                    skill: rng.pick(&catalog).key.clone(),
                    level: level(&mut rng),
                })
                .collect();
            let qualifications = (0..rng.below(3))
                .map(|q| Qualification {
                    key: format!("cert-{q}"),
                    valid_from: day(2020),
                    valid_to: day(if rng.below(4) == 0 { 2025 } else { 2030 }),
                })
                .collect();
            Candidate {
                id: i as i64 + 1,
                kind,
                name: format!("T{i}"),
                skills,
                qualifications,
                region: ServiceRegion {
                    divisions,
                    polygons: polys,
                },
                open_orders: rng.below(20) as u32,
            }
        })
        .collect();

    // 100 rules: 50 skill checks, 50 auto rules with scopes.
    let scope = |rng: &mut Rng| -> Vec<Condition> {
        let mut scope = vec![Condition {
            field: ScopeField::OrderType,
            op: Operator::In,
            values: (0..2).map(|_| rng.pick(&TYPES).to_string()).collect(),
        }];
        match rng.below(3) {
            0 => scope.push(Condition {
                field: ScopeField::ProductCategory,
                op: Operator::Equals,
                values: vec![rng.pick(&CATEGORIES).to_string()],
            }),
            1 => scope.push(Condition {
                field: ScopeField::Region,
                op: Operator::In,
                values: (0..3)
                    .map(|_| (*rng.pick(&codes) / 10_000 * 10_000).to_string())
                    .collect(),
            }),
            _ => {}
        }
        scope
    };
    let skill_rules: Vec<SkillRule> = (0..50)
        .map(|i| SkillRule {
            id: i + 1,
            name: format!("S{i}"),
            // Each skill check covers one order type and product category.
            scope: vec![
                Condition {
                    field: ScopeField::OrderType,
                    op: Operator::Equals,
                    values: vec![rng.pick(&TYPES).to_string()],
                },
                Condition {
                    field: ScopeField::ProductCategory,
                    op: Operator::Equals,
                    values: vec![rng.pick(&CATEGORIES).to_string()],
                },
            ],
            target: if i % 3 == 0 {
                TargetKind::ServiceProvider
            } else {
                TargetKind::ServiceGroup
            },
            skills: vec![RequiredSkill {
                skill: rng.pick(&catalog).key.clone(),
                min_level: catalog[0].levels[rng.below(2)].clone(),
            }],
            qualifications: if i % 3 == 0 {
                vec!["cert-0".into()]
            } else {
                vec![]
            },
        })
        .collect();
    let auto_rules: Vec<AutoRule> = (0..50)
        .map(|i| AutoRule {
            id: 100 + i,
            name: format!("A{i}"),
            priority: rng.below(10) as i32,
            scope: scope(&mut rng),
            target: if i % 4 == 0 {
                TargetKind::ServiceProvider
            } else {
                TargetKind::ServiceGroup
            },
        })
        .collect();

    let orders: Vec<OrderFacts> = (0..10_000)
        .map(|_| OrderFacts {
            order_type: rng.pick(&TYPES).to_string(),
            product_category: rng.pick(&CATEGORIES).to_string(),
            priority: rng.pick(&PRIORITIES).to_string(),
            customer: "客户".into(),
            customer_tier: String::new(),
            address: ServiceAddress {
                division: Some(*rng.pick(&districts)),
                point: Some((73.0 + rng.unit() * 62.0, 18.0 + rng.unit() * 35.0)),
            },
        })
        .collect();

    let today = day(2026);
    let mut last = None;
    let mut times = Vec::with_capacity(orders.len());
    let mut assigned = 0;
    let mut considered = 0usize;
    let start = Instant::now();
    for facts in &orders {
        let t = Instant::now();
        let decision = dispatch(
            facts,
            &auto_rules,
            &skill_rules,
            &catalog,
            &candidates,
            today,
            last,
        );
        times.push(t.elapsed());
        considered += decision
            .rules
            .iter()
            .map(|r| r.considered.len())
            .sum::<usize>();
        if let Some(chosen) = decision.chosen {
            assigned += 1;
            last = Some(chosen);
        }
    }
    let total = start.elapsed();
    times.sort_unstable();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "dispatch (core, native): {} regions ({} divisions + {} polygons), {} targets, {} rules",
        regions,
        codes.len(),
        polygons.len(),
        candidates.len(),
        skill_rules.len() + auto_rules.len()
    );
    println!(
        "  {} orders in {:.2} s: {:.0} decisions/s; per decision p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        orders.len(),
        total.as_secs_f64(),
        orders.len() as f64 / total.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1e6,
        pct(0.99).as_secs_f64() * 1e6,
        times.last().unwrap().as_secs_f64() * 1e6
    );
    println!(
        "  {assigned} assigned, {} unassigned; {:.0} candidates explained per decision",
        orders.len() - assigned,
        considered as f64 / orders.len() as f64
    );
}
