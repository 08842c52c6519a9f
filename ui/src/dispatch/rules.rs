//! Rules: skill checks (技能校验) and auto-dispatch rules (自动派单规则,
//! "the target's service regions contain the order's address"), each
//! with a scope of conditions; the server checks them before saving.

use fieldesk_core::dispatch::{
    AutoRule, Condition, ConfigChange, Operator, RequiredSkill, Rule, ScopeField, SkillRule,
};
use leptos::prelude::*;

use super::picker::DivisionPicker;
use super::{Config, kind_id, kind_key, parse_kind};
use crate::i18n::tr;

const FIELDS: [(ScopeField, &str, &str); 5] = [
    (ScopeField::OrderType, "order_type", "dispatch-order-type"),
    (
        ScopeField::ProductCategory,
        "product_category",
        "dispatch-order-category",
    ),
    (ScopeField::Priority, "priority", "dispatch-order-priority"),
    (ScopeField::Customer, "customer", "dispatch-order-customer"),
    (ScopeField::Region, "region", "dispatch-field-region"),
];

const OPERATORS: [(Operator, &str, &str); 6] = [
    (Operator::Equals, "equals", "dispatch-op-equals"),
    (Operator::NotEquals, "not_equals", "dispatch-op-not-equals"),
    (Operator::In, "in", "dispatch-op-in"),
    (Operator::NotIn, "not_in", "dispatch-op-not-in"),
    (Operator::Contains, "contains", "dispatch-op-contains"),
    (
        Operator::NotContains,
        "not_contains",
        "dispatch-op-not-contains",
    ),
];

/// One condition row of the form.
#[derive(Clone, Copy)]
struct ConditionDraft {
    key: usize,
    field: RwSignal<ScopeField>,
    op: RwSignal<Operator>,
    values: RwSignal<String>,
    regions: RwSignal<Vec<u32>>,
}

impl ConditionDraft {
    fn new(key: usize) -> Self {
        ConditionDraft {
            key,
            field: RwSignal::new(ScopeField::OrderType),
            op: RwSignal::new(Operator::Equals),
            values: RwSignal::new(String::new()),
            regions: RwSignal::new(vec![]),
        }
    }

    fn condition(&self) -> Condition {
        let field = self.field.get_untracked();
        let values = if field == ScopeField::Region {
            self.regions
                .get_untracked()
                .iter()
                .map(u32::to_string)
                .collect()
        } else {
            split(&self.values.get_untracked())
        };
        Condition {
            field,
            op: self.op.get_untracked(),
            values,
        }
    }
}

fn split(text: &str) -> Vec<String> {
    text.split([',', '，'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[component]
pub fn RulesPanel(config: Config) -> impl IntoView {
    let list_status = RwSignal::new(None::<Result<(), String>>);
    let delete = move |id: i64| config.save(ConfigChange::DeleteRule { id }, list_status);
    view! {
        <section class="panel">
            <h2>{tr("dispatch-rules")}</h2>
            <ul class="articles" data-testid="rule-list">
                <For each=move || config.data.get().rules key=|r| (r.id(), r.name().to_owned()) let:rule>
                    <li data-testid=format!("rule-{}", rule.name())>
                        <span>{rule.name().to_owned()}</span>
                        <span class="muted">{tr(if rule.kind() == "skill" { "dispatch-rule-skill" } else { "dispatch-rule-auto" })}</span>
                        <button class="link" on:click={let id = rule.id(); move |_| delete(id)}>{tr("field-remove")}</button>
                    </li>
                </For>
            </ul>
            {super::status_line(list_status, "rule-list-status")}
        </section>
        <RuleForm config />
    }
}

#[component]
fn RuleForm(config: Config) -> impl IntoView {
    let i18n = config.i18n;
    let kind = RwSignal::new("skill".to_owned());
    let name = RwSignal::new(String::new());
    let target = RwSignal::new("service_group".to_owned());
    let priority = RwSignal::new("0".to_owned());
    let next = StoredValue::new(1usize);
    let conditions = RwSignal::new(vec![ConditionDraft::new(0)]);
    let skill = RwSignal::new(String::new());
    let level = RwSignal::new(String::new());
    let qualifications = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<(), String>>);
    let levels = move || {
        config.data.with(|c| {
            c.settings
                .catalog
                .iter()
                .find(|d| skill.with(|s| &d.key == s))
                .map(|d| d.levels.clone())
                .unwrap_or_default()
        })
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let scope: Vec<Condition> = conditions
            .get_untracked()
            .iter()
            .map(ConditionDraft::condition)
            .collect();
        let target = parse_kind(&target.get_untracked());
        let rule = if kind.get_untracked() == "skill" {
            let skills = skill
                .with_untracked(|s| (!s.is_empty()).then(|| s.clone()))
                .map(|skill| RequiredSkill {
                    skill,
                    min_level: level.get_untracked(),
                })
                .into_iter()
                .collect();
            Rule::Skill(SkillRule {
                id: 0,
                name: name.get_untracked(),
                scope,
                target,
                skills,
                qualifications: split(&qualifications.get_untracked()),
            })
        } else {
            Rule::Auto(AutoRule {
                id: 0,
                name: name.get_untracked(),
                priority: priority.get_untracked().trim().parse().unwrap_or(0),
                scope,
                target,
            })
        };
        config.save(ConfigChange::Rule { id: None, rule }, status);
    };
    view! {
        <section class="panel">
            <h2>{tr("dispatch-rule-new")}</h2>
            <form class="group-form" data-testid="rule-form" on:submit=save>
                <label>
                    <span>{tr("dispatch-rule-kind")}</span>
                    <select data-testid="rule-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="skill">{tr("dispatch-rule-skill")}</option>
                        <option value="auto">{tr("dispatch-rule-auto")}</option>
                    </select>
                </label>
                <label>
                    <span>{tr("dispatch-rule-name")}</span>
                    <input data-testid="rule-name" maxlength="100" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{tr("dispatch-rule-target")}</span>
                    <select data-testid="rule-target" on:change=move |ev| target.set(event_target_value(&ev))>
                        {[fieldesk_core::dispatch::TargetKind::ServiceGroup, fieldesk_core::dispatch::TargetKind::ServiceProvider]
                            .into_iter().map(|k| view! { <option value=kind_id(k)>{tr(kind_key(k))}</option> }).collect_view()}
                    </select>
                </label>
                <fieldset>
                    <legend>{tr("dispatch-rule-scope")}</legend>
                    <For each=move || conditions.get() key=|c| c.key let:c>
                        <div class="condition" data-testid=format!("condition-{}", c.key)>
                            <select data-testid=format!("condition-field-{}", c.key) aria-label=move || i18n.t("dispatch-rule-scope")
                                on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    if let Some((f, _, _)) = FIELDS.iter().find(|(_, id, _)| *id == v) { c.field.set(*f) }
                                }>
                                {FIELDS.into_iter().map(|(f, id, key)| view! {
                                    <option value=id selected=move || c.field.get() == f>{tr(key)}</option>
                                }).collect_view()}
                            </select>
                            <select data-testid=format!("condition-op-{}", c.key) aria-label=move || i18n.t("dispatch-rule-operator")
                                on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    if let Some((o, _, _)) = OPERATORS.iter().find(|(_, id, _)| *id == v) { c.op.set(*o) }
                                }>
                                {OPERATORS.into_iter().map(|(o, id, key)| view! {
                                    <option value=id selected=move || c.op.get() == o>{tr(key)}</option>
                                }).collect_view()}
                            </select>
                            <Show when=move || c.field.get() == ScopeField::Region
                                fallback=move || view! {
                                    <input data-testid=format!("condition-values-{}", c.key)
                                        placeholder=move || i18n.t("dispatch-values-hint")
                                        aria-label=move || i18n.t("dispatch-values-hint")
                                        prop:value=move || c.values.get()
                                        on:input=move |ev| c.values.set(event_target_value(&ev)) />
                                }>
                                <DivisionPicker chosen=c.regions testid="condition-region" />
                            </Show>
                            <button type="button" class="link"
                                on:click=move |_| conditions.update(|all| all.retain(|x| x.key != c.key))>{tr("field-remove")}</button>
                        </div>
                    </For>
                    <button type="button" class="secondary" data-testid="rule-add-condition" on:click=move |_| {
                        let key = next.get_value();
                        next.set_value(key + 1);
                        conditions.update(|all| all.push(ConditionDraft::new(key)));
                    }>{tr("dispatch-add-condition")}</button>
                </fieldset>
                <Show when=move || kind.get() == "skill"
                    fallback=move || view! {
                        <label>
                            <span>{tr("dispatch-rule-priority")}</span>
                            <input type="number" data-testid="rule-priority" prop:value=move || priority.get_untracked()
                                on:input=move |ev| priority.set(event_target_value(&ev)) />
                        </label>
                    }>
                    <label>
                        <span>{tr("dispatch-required-skill")}</span>
                        <select data-testid="rule-skill" on:change=move |ev| { skill.set(event_target_value(&ev)); level.set(levels().first().cloned().unwrap_or_default()); }>
                            <option value="">"—"</option>
                            {move || config.data.get().settings.catalog.into_iter().map(|d| view! {
                                <option value=d.key.clone()>{d.name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>
                        <span>{tr("dispatch-min-level")}</span>
                        <select data-testid="rule-level" on:change=move |ev| level.set(event_target_value(&ev))>
                            {move || levels().into_iter().map(|l| view! {
                                <option value=l.clone() selected={let l = l.clone(); move || level.get() == l}>{l.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>
                        <span>{tr("dispatch-required-qualifications")}</span>
                        <input data-testid="rule-qualifications" placeholder=move || i18n.t("dispatch-values-hint")
                            prop:value=move || qualifications.get()
                            on:input=move |ev| qualifications.set(event_target_value(&ev)) />
                    </label>
                </Show>
                <button type="submit" data-testid="rule-save">{tr("field-save")}</button>
                {super::status_line(status, "rule-status")}
            </form>
        </section>
    }
}
