//! The dispatch board: create an order (dispatched at once), then the
//! unassigned orders first and the rest newest first, each with where it
//! went and why; re-run the rules, or dispatch by hand (the skill check
//! applies and says what is missing).

use fieldesk_core::dispatch::{Decision, Unassigned, Verdict};
use fieldesk_core::ipc::{DispatchConfig, OrderCommand};
use fieldesk_core::work_order::{
    DispatchRecord, Priority, WorkOrderChange, WorkOrderInput, WorkOrderView,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::picker::DivisionPicker;
use super::{Config, division_path, error_text, kind_key, parse_kind};
use crate::api::{self, dispatch as dapi, field};
use crate::i18n::{I18n, tr};

const PRIORITIES: [(Priority, &str, &str); 4] = [
    (Priority::Low, "low", "dispatch-priority-low"),
    (Priority::Normal, "normal", "dispatch-priority-normal"),
    (Priority::High, "high", "dispatch-priority-high"),
    (Priority::Urgent, "urgent", "dispatch-priority-urgent"),
];

/// The explanation of a dispatch, as lines.
fn explain(i18n: I18n, config: &DispatchConfig, record: &DispatchRecord) -> Vec<String> {
    let mut lines = vec![];
    if let Some(by) = record.by {
        let name = config
            .users
            .iter()
            .find(|u| u.user_id == by)
            .map_or(by.to_string(), |u| u.display_name.clone());
        lines.push(i18n.t_with("dispatch-why-manual", "name", name));
    }
    let Decision {
        unassigned_because,
        rules,
        ..
    } = &record.decision;
    if let Some(why) = unassigned_because {
        lines.push(i18n.t(match why {
            Unassigned::AddressUnresolved => "dispatch-why-unresolved",
            Unassigned::NoRuleApplies => "dispatch-why-no-rule",
            Unassigned::NoEligibleTarget => "dispatch-why-no-eligible",
        }));
    }
    for trace in rules {
        lines.push(i18n.t_args(
            "dispatch-why-rule",
            &[
                ("rule", trace.name.clone()),
                ("outside", trace.outside_region.to_string()),
            ],
        ));
        for c in &trace.considered {
            let verdict = match &c.verdict {
                Verdict::Chosen => i18n.t("dispatch-verdict-chosen"),
                Verdict::MoreOpenOrders { open } => {
                    i18n.t_with("dispatch-verdict-more-open", "open", open.to_string())
                }
                Verdict::NotNextInRotation => i18n.t("dispatch-verdict-not-next"),
                Verdict::Lacks { missing } => missing
                    .iter()
                    .map(|m| {
                        let (key, args) = m.message(&config.settings.catalog);
                        i18n.t_args(key, &args)
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            lines.push(format!("{}: {verdict}", c.name));
        }
    }
    lines
}

/// A row is redrawn whenever anything about its order changed (a
/// re-dispatch within the same second changes no timestamp).
pub(crate) fn row_key(order: &WorkOrderView) -> String {
    serde_json::to_string(order).unwrap_or_default()
}

#[component]
pub fn Board(config: Config) -> impl IntoView {
    let i18n = config.i18n;
    let orders = RwSignal::new(Vec::<WorkOrderView>::new());
    let load_error = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match field::work_orders_all().await {
                Ok(mut all) => {
                    all.sort_by_key(|o| (o.target.is_some(), std::cmp::Reverse(o.id)));
                    orders.set(all);
                }
                Err(e) => load_error.set(Some(error_text(i18n, &e))),
            }
        });
    };
    reload();
    api::listen(dapi::DISPATCH_EVENT, move |_: i64| reload());

    view! {
        <NewOrder reload i18n />
        <section class="panel">
            <h2>{tr("dispatch-board")}</h2>
            {move || load_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <ul class="board">
                <For each=move || orders.get() key=row_key let:o>
                    <OrderRow order=o config reload />
                </For>
            </ul>
        </section>
    }
}

#[component]
fn OrderRow(
    order: WorkOrderView,
    config: Config,
    reload: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let i18n = config.i18n;
    let id = order.id;
    let number = order.number.clone();
    let status = RwSignal::new(None::<Result<(), String>>);
    let pick = RwSignal::new(String::new());
    let run = move |command: OrderCommand| super::run_order(i18n, command, status, reload);
    let assign = move |_| {
        let value = pick.get_untracked();
        let Some((kind, target)) = value.split_once(':') else {
            return;
        };
        let Ok(target) = target.parse() else { return };
        run(OrderCommand::Target {
            id,
            kind: parse_kind(kind),
            target,
        });
    };
    // Editing: only what changed is sent (a new address is resolved again
    // and dispatched again).
    let editing = RwSignal::new(false);
    let original = (
        order.address.clone(),
        order.order_type.clone(),
        order.product_category.clone(),
        order.customer_tier.clone(),
    );
    let address = RwSignal::new(original.0.clone());
    let order_type = RwSignal::new(original.1.clone());
    let category = RwSignal::new(original.2.clone());
    let tier = RwSignal::new(original.3.clone());
    let save_edit = move |_| {
        let changed = |now: String, was: &String| (now != *was).then_some(now);
        let change = WorkOrderChange {
            address: changed(address.get_untracked(), &original.0),
            order_type: changed(order_type.get_untracked(), &original.1),
            product_category: changed(category.get_untracked(), &original.2),
            customer_tier: changed(tier.get_untracked(), &original.3),
            ..WorkOrderChange::default()
        };
        run(OrderCommand::Update { id, change });
    };
    let edit_input = move |signal: RwSignal<String>, key: &'static str, testid: String| {
        view! {
            <input data-testid=testid placeholder=move || i18n.t(key) aria-label=move || i18n.t(key)
                prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev)) />
        }
    };
    let place = order
        .division
        .map_or_else(|| i18n.t("dispatch-unresolved-address"), division_path);
    let target = order.target.clone().map_or_else(
        || i18n.t("dispatch-unassigned"),
        |t| format!("{} · {}", i18n.t(kind_key(t.kind)), t.name),
    );
    let why = order
        .dispatch
        .as_ref()
        .map(|r| config.data.with_untracked(|c| explain(i18n, c, r)))
        .unwrap_or_default();
    let targets = move || config.data.with(DispatchConfig::targets);
    view! {
        <li class="board-row" data-testid=format!("board-{number}")>
            <div class="row-head">
                <strong>{number.clone()}</strong>
                <span>{order.customer.clone()}</span>
                {(!order.customer_tier.is_empty()).then(|| view! {
                    <span class="badge" data-testid=format!("board-tier-{number}")>{order.customer_tier.clone()}</span>
                })}
                <span class="muted">{order.order_type.clone()}</span>
                <span class="status">{tr(order.status.message_key())}</span>
            </div>
            <div class="muted">{order.address.clone()}" · "<span data-testid=format!("board-place-{number}")>{place}</span></div>
            <div data-testid=format!("board-target-{number}")>{target}</div>
            <details>
                <summary data-testid=format!("board-why-toggle-{number}")>{tr("dispatch-why")}</summary>
                <ul class="why" data-testid=format!("board-why-{number}")>
                    {why.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ul>
            </details>
            <div class="row-actions">
                <button class="secondary" data-testid=format!("board-rerun-{number}")
                    on:click=move |_| run(OrderCommand::Rerun { id })>{tr("dispatch-rerun")}</button>
                <select data-testid=format!("board-pick-{number}") aria-label=move || i18n.t("dispatch-assign-to")
                    on:change=move |ev| pick.set(event_target_value(&ev))>
                    <option value="">{tr("dispatch-assign-to")}</option>
                    {move || targets().into_iter().map(|(kind, tid, name)| view! {
                        <option value=format!("{}:{tid}", kind.as_str())>{name}</option>
                    }).collect_view()}
                </select>
                <button data-testid=format!("board-assign-{number}") on:click=assign>{tr("dispatch-assign")}</button>
                <button class="link" data-testid=format!("board-edit-{number}")
                    on:click=move |_| editing.update(|e| *e = !*e)>{tr("field-edit")}</button>
            </div>
            <div class="condition" style:display=move || if editing.get() { "flex" } else { "none" }>
                    {edit_input(address, "dispatch-order-address", format!("board-edit-address-{number}"))}
                    {edit_input(order_type, "dispatch-order-type", format!("board-edit-type-{number}"))}
                    {edit_input(category, "dispatch-order-category", format!("board-edit-category-{number}"))}
                    {edit_input(tier, "dispatch-order-customer-tier", format!("board-edit-tier-{number}"))}
                    <button data-testid=format!("board-edit-save-{number}") on:click=save_edit>{tr("field-save")}</button>
            </div>
            {super::status_line(status, format!("board-status-{number}"))}
        </li>
    }
}

#[component]
fn NewOrder(reload: impl Fn() + Copy + 'static, i18n: I18n) -> impl IntoView {
    let number = RwSignal::new(String::new());
    let customer = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let division = RwSignal::new(Vec::<u32>::new());
    let order_type = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let tier = RwSignal::new(String::new());
    let priority = RwSignal::new(Priority::Normal);
    let status = RwSignal::new(None::<Result<(), String>>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = WorkOrderInput {
            number: number.get_untracked(),
            customer: customer.get_untracked(),
            contact: contact.get_untracked(),
            address: address.get_untracked(),
            order_type: order_type.get_untracked(),
            priority: priority.get_untracked(),
            product_category: category.get_untracked(),
            customer_tier: tier.get_untracked(),
            template_id: None,
            division: division.get_untracked().last().copied(),
            point: None,
            devices: vec![],
        };
        super::run_order(i18n, OrderCommand::Create(input), status, move || {
            number.set(String::new());
            division.set(vec![]);
            reload();
        });
    };
    let text = |signal: RwSignal<String>, key: &'static str, testid: &'static str| {
        view! {
            <label>
                <span>{tr(key)}</span>
                <input data-testid=testid prop:value=move || signal.get()
                    on:input=move |ev| signal.set(event_target_value(&ev)) />
            </label>
        }
    };
    view! {
        <details class="panel new-order">
            <summary data-testid="new-order-toggle"><h2>{tr("dispatch-new-order")}</h2></summary>
            <form class="order-form" data-testid="new-order" on:submit=create>
                {text(number, "dispatch-order-number", "new-order-number")}
                {text(customer, "dispatch-order-customer", "new-order-customer")}
                {text(tier, "dispatch-order-customer-tier", "new-order-tier")}
                {text(contact, "dispatch-order-contact", "new-order-contact")}
                {text(address, "dispatch-order-address", "new-order-address")}
                <div class="field" role="group" aria-label=move || i18n.t("dispatch-order-division")>
                    <span>{tr("dispatch-order-division")}</span>
                    <DivisionPicker chosen=division testid="new-order-division" />
                </div>
                {text(order_type, "dispatch-order-type", "new-order-type")}
                {text(category, "dispatch-order-category", "new-order-category")}
                <label>
                    <span>{tr("dispatch-order-priority")}</span>
                    <select data-testid="new-order-priority" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some((p, _, _)) = PRIORITIES.iter().find(|(_, id, _)| *id == v) {
                            priority.set(*p);
                        }
                    }>
                        {PRIORITIES.into_iter().map(|(p, id, key)| view! {
                            <option value=id selected=move || priority.get() == p>{tr(key)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <div class="form-end">
                    <button type="submit" data-testid="new-order-create">{tr("dispatch-create")}</button>
                    {super::status_line(status, "new-order-status")}
                </div>
            </form>
        </details>
    }
}
