//! Rules: skill checks (技能校验) and auto-dispatch rules (自动派单规则,
//! "the target's service regions contain the order's address"), each
//! with a scope of conditions; the server checks them before saving.

use fieldesk_core::dispatch::{
    AutoRule, Condition, Operator, RequiredSkill, Rule, ScopeField, SkillRule, TargetKind,
};
use fieldesk_core::ipc::ConfigChange;
use leptos::prelude::*;

use super::picker::DivisionPicker;
use super::{Config, SkillLevelDraft, SkillLevelRows, kind_key, parse_kind, split};
use crate::i18n::tr;

const FIELDS: [(ScopeField, &str, &str); 6] = [
    (ScopeField::OrderType, "order_type", "dispatch-order-type"),
    (
        ScopeField::ProductCategory,
        "product_category",
        "dispatch-order-category",
    ),
    (ScopeField::Priority, "priority", "dispatch-order-priority"),
    (ScopeField::Customer, "customer", "dispatch-order-customer"),
    (
        ScopeField::CustomerTier,
        "customer_tier",
        "dispatch-order-customer-tier",
    ),
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

    fn from(key: usize, c: &Condition) -> Self {
        let draft = ConditionDraft::new(key);
        draft.field.set(c.field);
        draft.op.set(c.op);
        if c.field == ScopeField::Region {
            draft
                .regions
                .set(c.values.iter().filter_map(|v| v.parse().ok()).collect());
        } else {
            draft.values.set(c.values.join(", "));
        }
        draft
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

#[component]
pub fn RulesPanel(config: Config) -> impl IntoView {
    let list_status = RwSignal::new(None::<Result<(), String>>);
    let delete = move |id: i64| config.save(ConfigChange::DeleteRule { id }, list_status);
    // The rule in the form (none: a new one); the form is made anew for it.
    let editing = RwSignal::new(None::<Rule>);
    view! {
        <section class="panel">
            <h2>{tr("dispatch-rules")}</h2>
            <ul class="articles" data-testid="rule-list">
                <For each=move || config.data.get().rules key=|r| (r.id(), r.name().to_owned()) let:rule>
                    <li data-testid=format!("rule-{}", rule.name())>
                        <span>{rule.name().to_owned()}</span>
                        <span class="muted">{tr(if rule.kind() == "skill" { "dispatch-rule-skill" } else { "dispatch-rule-auto" })}</span>
                        <button class="link" data-testid=format!("rule-edit-{}", rule.name())
                            on:click={let rule = rule.clone(); move |_| editing.set(Some(rule.clone()))}>{tr("field-edit")}</button>
                        <button class="link" on:click={let id = rule.id(); move |_| delete(id)}>{tr("field-remove")}</button>
                    </li>
                </For>
            </ul>
            {super::status_line(list_status, "rule-list-status")}
        </section>
        <button class="secondary" data-testid="rule-new" on:click=move |_| editing.set(None)>{tr("dispatch-rule-new")}</button>
        {move || view! { <RuleForm config initial=editing.get() /> }}
    }
}

#[component]
fn RuleForm(config: Config, initial: Option<Rule>) -> impl IntoView {
    let i18n = config.i18n;
    let id = initial.as_ref().map(Rule::id);
    let (scope, target_kind) = match &initial {
        Some(Rule::Skill(r)) => (r.scope.clone(), r.target),
        Some(Rule::Auto(r)) => (r.scope.clone(), r.target),
        None => (vec![], TargetKind::ServiceGroup),
    };
    let kind = RwSignal::new(initial.as_ref().map_or("skill", Rule::kind).to_owned());
    let name = RwSignal::new(
        initial
            .as_ref()
            .map(|r| r.name().to_owned())
            .unwrap_or_default(),
    );
    let target = RwSignal::new(target_kind.as_str().to_owned());
    let priority = RwSignal::new(match &initial {
        Some(Rule::Auto(r)) => r.priority.to_string(),
        _ => "0".to_owned(),
    });
    let next = StoredValue::new(0usize);
    let key = move || {
        let k = next.get_value();
        next.set_value(k + 1);
        k
    };
    let mut drafts: Vec<ConditionDraft> = scope
        .iter()
        .map(|c| ConditionDraft::from(key(), c))
        .collect();
    if drafts.is_empty() {
        drafts.push(ConditionDraft::new(key()));
    }
    let conditions = RwSignal::new(drafts);
    let (required, quals) = match &initial {
        Some(Rule::Skill(r)) => (r.skills.clone(), r.qualifications.join(", ")),
        _ => (vec![], String::new()),
    };
    let required = RwSignal::new(
        required
            .into_iter()
            .enumerate()
            .map(|(k, r)| SkillLevelDraft::new(k, r.skill, r.min_level))
            .collect::<Vec<_>>(),
    );
    let qualifications = RwSignal::new(quals);
    let status = RwSignal::new(None::<Result<(), String>>);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let scope: Vec<Condition> = conditions
            .get_untracked()
            .iter()
            .map(ConditionDraft::condition)
            .collect();
        let target = parse_kind(&target.get_untracked());
        let rule = if kind.get_untracked() == "skill" {
            let skills = required
                .get_untracked()
                .iter()
                .filter(|r| !r.skill.get_untracked().is_empty())
                .map(|r| RequiredSkill {
                    skill: r.skill.get_untracked(),
                    min_level: r.level.get_untracked(),
                })
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
        config.save(ConfigChange::Rule { id, rule }, status);
    };
    view! {
        <section class="panel">
            <h2>{move || i18n.t(if id.is_some() { "dispatch-rule-edit" } else { "dispatch-rule-new" })}</h2>
            <form class="group-form" data-testid="rule-form" on:submit=save>
                <label>
                    <span>{tr("dispatch-rule-kind")}</span>
                    <select data-testid="rule-kind" disabled=id.is_some() on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="skill" selected=kind.get_untracked() == "skill">{tr("dispatch-rule-skill")}</option>
                        <option value="auto" selected=kind.get_untracked() == "auto">{tr("dispatch-rule-auto")}</option>
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
                        {[TargetKind::ServiceGroup, TargetKind::ServiceProvider]
                            .into_iter().map(|k| view! { <option value=k.as_str() selected=k == target_kind>{tr(kind_key(k))}</option> }).collect_view()}
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
                        let k = key();
                        conditions.update(|all| all.push(ConditionDraft::new(k)));
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
                    <fieldset>
                        <legend>{tr("dispatch-required-skill")}</legend>
                        <SkillLevelRows config rows=required testid="rule" />
                    </fieldset>
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
