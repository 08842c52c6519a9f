//! One work order: its details, the status actions the lifecycle allows,
//! its devices with per-device progress, the open device's checklist
//! (one input per step kind), scanning, and notes.

use fieldesk_core::offline::{LocalWorkOrder, engineer_actions};
use fieldesk_core::standard_operation::{Step, StepKind};
use fieldesk_core::sync::Operation;
use fieldesk_core::work_order::WorkOrderAction;
use leptos::prelude::*;
use serde_json::Value;

use super::FieldDesk;
use super::capture::{PhotoInput, SignatureInput};
use super::parts::WorkOrderParts;
use super::scan::ScanPanel;
use crate::i18n::tr;

pub fn action_key(action: WorkOrderAction) -> &'static str {
    match action {
        WorkOrderAction::Assign => "work-order-action-assign",
        WorkOrderAction::Accept => "work-order-action-accept",
        WorkOrderAction::Decline => "work-order-action-decline",
        WorkOrderAction::Depart => "work-order-action-depart",
        WorkOrderAction::Start => "work-order-action-start",
        WorkOrderAction::Complete => "work-order-action-complete",
        WorkOrderAction::Close => "work-order-action-close",
        WorkOrderAction::Reopen => "work-order-action-reopen",
        WorkOrderAction::Cancel => "work-order-action-cancel",
    }
}

fn action_id(action: WorkOrderAction) -> &'static str {
    &action_key(action)["work-order-action-".len()..]
}

/// A step value as text (checks as ✓/✗, lists joined).
pub fn show_value(value: &Value) -> String {
    match value {
        Value::Bool(true) => "✓".into(),
        Value::Bool(false) => "✗".into(),
        // A photo or signature: its id, shortened.
        Value::String(s) if fieldesk_core::standard_operation::is_photo_id(s) => {
            format!("#{}", &s[..8])
        }
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(show_value).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The device's name in lists: model and serial number.
pub fn device_label(fields: &serde_json::Map<String, Value>) -> String {
    let get = |k: &str| fields.get(k).map(show_value).unwrap_or_default();
    let label = format!("{} {}", get("model"), get("serial_number"));
    label.trim().to_owned()
}

#[component]
pub fn OrderView(desk: FieldDesk) -> impl IntoView {
    // Re-created only when another order is opened; inside, each part
    // follows the data, so an update never wipes what is being typed.
    move || match desk.selected.get() {
        Some(id) => view! { <OrderDetail id desk /> }.into_any(),
        None => {
            view! { <div class="chat-view empty muted">{tr("field-pick-order")}</div> }.into_any()
        }
    }
}

/// One checklist row's data (the key decides when it is re-created).
#[derive(Clone, PartialEq)]
struct Row {
    step: Step,
    value: Option<Value>,
    pending: bool,
    replaced: Vec<String>,
}

fn rows(local: &LocalWorkOrder, device: i64) -> Vec<Row> {
    let order = &local.order;
    let Some(template) = &order.template else {
        return vec![];
    };
    template
        .steps
        .iter()
        .map(|step| Row {
            step: step.clone(),
            value: order
                .steps
                .iter()
                .find(|v| v.device == device && v.step == step.id)
                .map(|v| v.value.clone()),
            pending: local.pending_steps.contains(&(device, step.id)),
            replaced: order
                .replaced
                .iter()
                .filter(|v| v.device == device && v.step == step.id)
                .map(|v| show_value(&v.value))
                .collect(),
        })
        .collect()
}

#[component]
fn OrderDetail(id: i64, desk: FieldDesk) -> impl IntoView {
    let i18n = desk.i18n;
    let current = Memo::new(move |_| desk.selected_order().filter(|o| o.order.id == id));
    let read = move |f: fn(&LocalWorkOrder) -> String| {
        move || current.with(|o| o.as_ref().map(f).unwrap_or_default())
    };
    let status = move || current.with(|o| o.as_ref().map(|o| o.order.status));
    let actions = move || {
        current
            .with(|o| {
                o.as_ref()
                    .map(|o| engineer_actions(o.order.status, o.order.actor(desk.me)))
            })
            .unwrap_or_default()
            .into_iter()
            .map(|action| {
                view! {
                    <button data-testid=format!("action-{}", action_id(action))
                        on:click=move |_| desk.act(Operation::Transition { work_order: id, action })>
                        {tr(action_key(action))}
                    </button>
                }
            })
            .collect_view()
    };
    let devices = move || {
        current.with(|o| {
            o.as_ref().map_or_else(Vec::new, |o| {
                o.order
                    .devices
                    .iter()
                    .map(|d| {
                        let (done, total) = o.order.device_progress(d.id);
                        (d.id, device_label(&d.fields), done, total)
                    })
                    .collect()
            })
        })
    };
    let notes = move || {
        current.with(|o| {
            o.as_ref().map_or_else(Vec::new, |o| {
                o.notes
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (i, n.text.clone(), n.pending))
                    .collect::<Vec<_>>()
            })
        })
    };
    let note = RwSignal::new(String::new());
    let add_note = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = note.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        note.set(String::new());
        desk.act(Operation::Note {
            work_order: id,
            text,
        });
    };
    let scans = current.with_untracked(|o| {
        o.as_ref()
            .and_then(|o| o.order.template.as_ref())
            .is_some_and(|t| t.scan_field.is_some())
    });
    view! {
        <div class="chat-view work-order" data-testid="work-order">
            <div class="chat-head">
                <h2 data-testid="order-number">{read(|o| o.order.number.clone())}</h2>
                <span class="badge" data-testid="order-status"
                    data-status=move || status().map(|s| format!("{s:?}")).unwrap_or_default()>
                    {move || status().map(|s| i18n.t(s.message_key())).unwrap_or_default()}
                    {move || current.with(|o| o.as_ref().is_some_and(|o| o.pending_status))
                        .then(|| view! { " · " {tr("field-not-synced")} })}
                </span>
                <span class="spacer"></span>
                {actions}
            </div>
            <dl class="order-facts">
                <dt>{tr("field-customer")}</dt><dd>{read(|o| o.order.customer.clone())}</dd>
                <dt>{tr("field-contact")}</dt><dd>{read(|o| o.order.contact.clone())}</dd>
                <dt>{tr("field-address")}</dt><dd>{read(|o| o.order.address.clone())}</dd>
                <dt>{tr("field-type")}</dt><dd>{read(|o| o.order.order_type.clone())}</dd>
            </dl>
            <div class="order-body">
                <div class="order-devices">
                    <h3>{tr("field-devices")}</h3>
                    <ul class="conversations">
                        <For each=devices key=|d| d.clone() let:d>
                            <li>
                                <button class="conversation" class:selected=move || desk.device.get() == Some(d.0)
                                    data-testid=format!("device-{}", d.0) on:click=move |_| desk.device.set(Some(d.0))>
                                    <span class="name">{d.1.clone()}</span>
                                    <span class="lang" data-testid=format!("device-progress-{}", d.0)>{format!("{}/{}", d.2, d.3)}</span>
                                </button>
                            </li>
                        </For>
                    </ul>
                    {scans.then(|| view! { <ScanPanel desk work_order=id /> })}
                </div>
                {move || match desk.device.get() {
                    None => view! { <p class="muted">{tr("field-pick-device")}</p> }.into_any(),
                    Some(device) => view! { <Checklist current device desk /> }.into_any(),
                }}
            </div>
            <WorkOrderParts current work_order=id device=desk.device i18n />
            <h3>{tr("field-notes")}</h3>
            <ul class="notes">
                <For each=notes key=|n| n.clone() let:n>
                    <li data-testid=format!("note-{}", n.0) class:pending=n.2>{n.1.clone()}
                        {n.2.then(|| view! { <span class="muted">" · "{tr("field-not-synced")}</span> })}
                    </li>
                </For>
            </ul>
            <form class="reply" on:submit=add_note>
                <input data-testid="note-input" maxlength=fieldesk_core::sync::MAX_NOTE_CHARS.to_string() prop:value=move || note.get()
                    placeholder=move || i18n.t("field-note-placeholder")
                    on:input=move |ev| note.set(event_target_value(&ev)) />
                <button type="submit" data-testid="note-add">{tr("field-add-note")}</button>
            </form>
        </div>
    }
}

#[component]
fn Checklist(current: Memo<Option<LocalWorkOrder>>, device: i64, desk: FieldDesk) -> impl IntoView {
    let has_template =
        current.with_untracked(|o| o.as_ref().is_some_and(|o| o.order.template.is_some()));
    if !has_template {
        return view! { <p class="muted">{tr("field-no-template")}</p> }.into_any();
    }
    let label = move || {
        current.with(|o| {
            o.as_ref()
                .and_then(|o| o.order.devices.iter().find(|d| d.id == device))
                .map(|d| device_label(&d.fields))
                .unwrap_or_default()
        })
    };
    let work_order = current.with_untracked(|o| o.as_ref().map_or(0, |o| o.order.id));
    let all = move || current.with(|o| o.as_ref().map(|o| rows(o, device)).unwrap_or_default());
    view! {
        <div class="checklist" data-testid="checklist" data-device=device.to_string()>
            <h3 data-testid="checklist-device">{label}</h3>
            <ol class="steps">
                <For each=all key=|r| (r.step.id, r.value.as_ref().map(Value::to_string), r.pending, r.replaced.clone()) let:r>
                    <StepRow desk work_order device step=r.step value=r.value pending=r.pending replaced=r.replaced />
                </For>
            </ol>
        </div>
    }
    .into_any()
}

#[component]
fn StepRow(
    desk: FieldDesk,
    work_order: i64,
    device: i64,
    step: Step,
    value: Option<Value>,
    pending: bool,
    replaced: Vec<String>,
) -> impl IntoView {
    let i18n = desk.i18n;
    let step_id = step.id;
    let send = move |value: Value| {
        desk.act(Operation::StepResult {
            work_order,
            device,
            step: step_id,
            value,
            base_seq: 0,
        })
    };
    let text = RwSignal::new(value.as_ref().map(show_value).unwrap_or_default());
    let input_id = format!("step-input-{step_id}");
    let input = match step.kind.clone() {
        StepKind::Check => {
            let checked = value.as_ref().and_then(Value::as_bool).unwrap_or(false);
            view! {
                <input type="checkbox" data-testid=input_id prop:checked=checked
                    on:change=move |ev| send(Value::Bool(event_target_checked(&ev))) />
            }
            .into_any()
        }
        StepKind::Number { unit, min, max } => {
            let range = match (min, max) {
                (Some(a), Some(b)) => format!("{a}–{b} {unit}"),
                (Some(a), None) => format!("≥ {a} {unit}"),
                (None, Some(b)) => format!("≤ {b} {unit}"),
                (None, None) => unit.clone(),
            };
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                match text.get_untracked().trim().parse::<f64>() {
                    Ok(n) => send(serde_json::json!(n)),
                    Err(_) => desk
                        .error
                        .set(Some(fieldesk_core::ErrorCode::InvalidStepValue)),
                }
            };
            view! {
                <form class="step-form" on:submit=submit>
                    <input type="number" step="any" data-testid=input_id prop:value=text.get_untracked()
                        on:input=move |ev| text.set(event_target_value(&ev)) />
                    <span class="muted">{range}</span>
                    <button type="submit" class="secondary" data-testid=format!("step-save-{step_id}")>{tr("field-save")}</button>
                </form>
            }
            .into_any()
        }
        StepKind::Text => {
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                send(Value::String(text.get_untracked()));
            };
            view! {
                <form class="step-form" on:submit=submit>
                    <input data-testid=input_id maxlength="4000" prop:value=text.get_untracked()
                        on:input=move |ev| text.set(event_target_value(&ev)) />
                    <button type="submit" class="secondary" data-testid=format!("step-save-{step_id}")>{tr("field-save")}</button>
                </form>
            }
            .into_any()
        }
        StepKind::SingleChoice { options } => {
            let current = value
                .as_ref()
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            view! {
                <select data-testid=input_id on:change=move |ev| send(Value::String(event_target_value(&ev)))>
                    <option value="" disabled selected=current.is_empty()>{tr("field-choose")}</option>
                    {options.into_iter().map(|o| {
                        let selected = o == current;
                        view! { <option value=o.clone() selected=selected>{o.clone()}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        StepKind::MultiChoice { options } => {
            let chosen: Vec<String> = value
                .as_ref()
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let chosen = StoredValue::new(chosen);
            view! {
                <div class="choices" data-testid=input_id>
                    {options.into_iter().map(|o| {
                        let on = chosen.with_value(|c| c.contains(&o));
                        let name = o.clone();
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=on on:change=move |ev| {
                                    let checked = event_target_checked(&ev);
                                    chosen.update_value(|c| {
                                        c.retain(|x| x != &name);
                                        if checked { c.push(name.clone()); }
                                    });
                                    send(Value::Array(chosen.with_value(|c| c.iter().cloned().map(Value::String).collect())));
                                } />
                                {o.clone()}
                            </label>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any()
        }
        StepKind::Photo => {
            let current = value.as_ref().and_then(Value::as_str).map(str::to_owned);
            view! { <PhotoInput desk work_order device step=step_id current /> }.into_any()
        }
        StepKind::Signature => {
            let current = value.as_ref().and_then(Value::as_str).map(str::to_owned);
            view! { <SignatureInput desk work_order device step=step_id current /> }.into_any()
        }
    };
    view! {
        <li class="step" data-testid=format!("step-{step_id}") data-done=value.is_some().to_string()>
            <span class="step-title">{step.title.clone()}{(!step.required).then(|| view! { <span class="muted">" · "{tr("field-optional")}</span> })}</span>
            {input}
            {pending.then(|| view! { <span class="muted" data-testid=format!("step-pending-{step_id}")>{tr("field-not-synced")}</span> })}
            {(!replaced.is_empty()).then(|| view! {
                <span class="muted replaced" data-testid=format!("step-replaced-{step_id}")>
                    {move || i18n.t_with("field-replaced", "values", replaced.join(" · "))}
                </span>
            })}
        </li>
    }
}
