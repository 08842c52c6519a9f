//! Admin page of field service: design standard operation templates
//! (ordered steps of each kind; "scan to find device" and its field) and
//! print QR label sheets for a work order's devices.

use fieldesk_core::device::FieldDef;
use fieldesk_core::standard_operation::{Step, StepKind, Template, TemplateInput};
use fieldesk_core::work_order::WorkOrderView;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::field::{self, LabelSheet};
use crate::i18n::{tr, use_i18n};

const KINDS: [(&str, &str); 7] = [
    ("check", "field-kind-check"),
    ("number", "field-kind-number"),
    ("text", "field-kind-text"),
    ("single_choice", "field-kind-single-choice"),
    ("multi_choice", "field-kind-multi-choice"),
    ("photo", "field-kind-photo"),
    ("signature", "field-kind-signature"),
];

/// One step row of the designer.
#[derive(Clone, Copy)]
struct StepDraft {
    /// Unique per row ever made (the list's key: a new form never reuses
    /// an old row's inputs).
    key: u64,
    id: i64,
    title: RwSignal<String>,
    kind: RwSignal<String>,
    required: RwSignal<bool>,
    unit: RwSignal<String>,
    min: RwSignal<String>,
    max: RwSignal<String>,
    options: RwSignal<String>,
}

impl StepDraft {
    fn new(id: i64, step: Option<&Step>) -> Self {
        let (kind, unit, min, max, options) = match step.map(|s| &s.kind) {
            None | Some(StepKind::Check) => ("check", "", None, None, vec![]),
            Some(StepKind::Number { unit, min, max }) => {
                ("number", unit.as_str(), *min, *max, vec![])
            }
            Some(StepKind::Text) => ("text", "", None, None, vec![]),
            Some(StepKind::SingleChoice { options }) => {
                ("single_choice", "", None, None, options.clone())
            }
            Some(StepKind::MultiChoice { options }) => {
                ("multi_choice", "", None, None, options.clone())
            }
            Some(StepKind::Photo) => ("photo", "", None, None, vec![]),
            Some(StepKind::Signature) => ("signature", "", None, None, vec![]),
        };
        let num = |n: Option<f64>| n.map(|n| n.to_string()).unwrap_or_default();
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        StepDraft {
            key: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            id,
            title: RwSignal::new(step.map(|s| s.title.clone()).unwrap_or_default()),
            kind: RwSignal::new(kind.to_owned()),
            required: RwSignal::new(step.is_none_or(|s| s.required)),
            unit: RwSignal::new(unit.to_owned()),
            min: RwSignal::new(num(min)),
            max: RwSignal::new(num(max)),
            options: RwSignal::new(options.join(", ")),
        }
    }

    /// The step, or `None` when a number bound is not a number.
    fn build(&self) -> Option<Step> {
        let bound = |s: String| -> Option<Option<f64>> {
            let s = s.trim().to_owned();
            if s.is_empty() {
                Some(None)
            } else {
                s.parse().ok().map(Some)
            }
        };
        let options = || {
            self.options
                .get_untracked()
                .split([',', '，'])
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect()
        };
        let kind = match self.kind.get_untracked().as_str() {
            "number" => StepKind::Number {
                unit: self.unit.get_untracked().trim().to_owned(),
                min: bound(self.min.get_untracked())?,
                max: bound(self.max.get_untracked())?,
            },
            "text" => StepKind::Text,
            "single_choice" => StepKind::SingleChoice { options: options() },
            "multi_choice" => StepKind::MultiChoice { options: options() },
            "photo" => StepKind::Photo,
            "signature" => StepKind::Signature,
            _ => StepKind::Check,
        };
        Some(Step {
            id: self.id,
            title: self.title.get_untracked().trim().to_owned(),
            kind,
            required: self.required.get_untracked(),
        })
    }
}

#[component]
pub fn FieldAdminPanel() -> impl IntoView {
    view! {
        <div class="admin" data-testid="field-admin">
            <TemplatesPanel />
            <LabelsPanel />
        </div>
    }
}

#[component]
fn TemplatesPanel() -> impl IntoView {
    let i18n = use_i18n();
    let templates = RwSignal::new(Vec::<Template>::new());
    let fields = RwSignal::new(Vec::<FieldDef>::new());
    let editing = RwSignal::new(None::<i64>);
    let name = RwSignal::new(String::new());
    let steps = RwSignal::new(Vec::<StepDraft>::new());
    let scan_on = RwSignal::new(false);
    let scan_field = RwSignal::new("serial_number".to_owned());
    let status = RwSignal::new(None::<Result<(), String>>);
    let load = move || {
        spawn_local(async move {
            if let Ok(t) = field::templates().await {
                templates.set(t);
            }
            if let Ok(f) = field::device_fields().await {
                fields.set(f);
            }
        });
    };
    load();
    let edit = move |t: Option<Template>| {
        status.set(None);
        editing.set(t.as_ref().map(|t| t.id));
        name.set(t.as_ref().map(|t| t.name.clone()).unwrap_or_default());
        scan_on.set(t.as_ref().is_some_and(|t| t.scan_field.is_some()));
        scan_field.set(
            t.as_ref()
                .and_then(|t| t.scan_field.clone())
                .unwrap_or_else(|| "serial_number".into()),
        );
        steps.set(
            t.map(|t| {
                t.steps
                    .iter()
                    .map(|s| StepDraft::new(s.id, Some(s)))
                    .collect()
            })
            .unwrap_or_else(|| vec![StepDraft::new(1, None)]),
        );
    };
    edit(None);
    let add_step = move |_| {
        let next = steps.with_untracked(|s| s.iter().map(|d| d.id).max().unwrap_or(0) + 1);
        steps.update(|s| s.push(StepDraft::new(next, None)));
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(built) =
            steps.with_untracked(|s| s.iter().map(StepDraft::build).collect::<Option<Vec<_>>>())
        else {
            status.set(Some(Err(i18n.t("error-bad-request"))));
            return;
        };
        let input = TemplateInput {
            name: name.get_untracked().trim().to_owned(),
            steps: built,
            scan_field: scan_on.get_untracked().then(|| scan_field.get_untracked()),
        };
        let id = editing.get_untracked();
        spawn_local(async move {
            match field::save_template(id, &input).await {
                Ok(saved) => {
                    editing.set(Some(saved.id));
                    status.set(Some(Ok(())));
                    load();
                }
                Err(e) => status.set(Some(Err(i18n.t(e.code.message_key())))),
            }
        });
    };
    view! {
        <section class="panel">
            <h2>{tr("field-templates")}</h2>
            <ul class="articles" data-testid="templates">
                <For each=move || templates.get() key=|t| (t.id, t.name.clone()) let:t>
                    <li>
                        <span data-testid="template-name">{t.name.clone()}</span>
                        <span class="muted">{i18n.t_with("field-template-steps", "count", t.steps.len().to_string())}</span>
                        <button class="link" data-testid=format!("template-edit-{}", t.id)
                            on:click={let t = t.clone(); move |_| edit(Some(t.clone()))}>{tr("field-edit")}</button>
                    </li>
                </For>
            </ul>
            <button class="secondary" data-testid="template-new" on:click=move |_| edit(None)>{tr("field-template-new")}</button>
            <form class="group-form" data-testid="template-form" on:submit=save>
                <label>
                    <span>{tr("field-template-name")}</span>
                    <input data-testid="template-name-input" maxlength="100" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <ol class="steps">
                    <For each=move || steps.get() key=|d| d.key let:d>
                        <li class="step-draft" data-testid=format!("draft-step-{}", d.id)>
                            <input data-testid=format!("draft-title-{}", d.id) maxlength="200" prop:value=move || d.title.get()
                                placeholder=move || i18n.t("field-step-title")
                                on:input=move |ev| d.title.set(event_target_value(&ev)) />
                            <select data-testid=format!("draft-kind-{}", d.id) prop:value=move || d.kind.get()
                                on:change=move |ev| d.kind.set(event_target_value(&ev))>
                                {KINDS.into_iter().map(|(k, key)| view! {
                                    <option value=k selected=move || d.kind.get() == k>{tr(key)}</option>
                                }).collect_view()}
                            </select>
                            <Show when=move || d.kind.get() == "number">
                                <input class="short" data-testid=format!("draft-unit-{}", d.id) prop:value=move || d.unit.get()
                                    placeholder=move || i18n.t("field-step-unit")
                                    on:input=move |ev| d.unit.set(event_target_value(&ev)) />
                                <input class="short" data-testid=format!("draft-min-{}", d.id) prop:value=move || d.min.get()
                                    placeholder=move || i18n.t("field-step-min")
                                    on:input=move |ev| d.min.set(event_target_value(&ev)) />
                                <input class="short" data-testid=format!("draft-max-{}", d.id) prop:value=move || d.max.get()
                                    placeholder=move || i18n.t("field-step-max")
                                    on:input=move |ev| d.max.set(event_target_value(&ev)) />
                            </Show>
                            <Show when=move || d.kind.get().ends_with("_choice")>
                                <input data-testid=format!("draft-options-{}", d.id) prop:value=move || d.options.get()
                                    placeholder=move || i18n.t("field-step-options")
                                    on:input=move |ev| d.options.set(event_target_value(&ev)) />
                            </Show>
                            <label class="check">
                                <input type="checkbox" prop:checked=move || d.required.get()
                                    on:change=move |ev| d.required.set(event_target_checked(&ev)) />
                                {tr("field-step-required")}
                            </label>
                            <button type="button" class="link" data-testid=format!("draft-remove-{}", d.id)
                                on:click=move |_| steps.update(|s| s.retain(|x| x.id != d.id))>{tr("field-remove")}</button>
                        </li>
                    </For>
                </ol>
                <button type="button" class="secondary" data-testid="template-add-step" on:click=add_step>{tr("field-add-step")}</button>
                <label class="check">
                    <input type="checkbox" data-testid="template-scan" prop:checked=move || scan_on.get()
                        on:change=move |ev| scan_on.set(event_target_checked(&ev)) />
                    {tr("field-scan-to-find")}
                </label>
                <Show when=move || scan_on.get()>
                    <label>
                        <span>{tr("field-scan-field")}</span>
                        <select data-testid="template-scan-field" on:change=move |ev| scan_field.set(event_target_value(&ev))>
                            {move || fields.get().into_iter().map(|f| {
                                let key = f.key.clone();
                                let selected = scan_field.get_untracked() == key;
                                let usable = f.field_type.scan_matchable();
                                view! { <option value=key.clone() selected=selected disabled=!usable>{key.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                </Show>
                <button type="submit" data-testid="template-save">{tr("field-save")}</button>
                {move || status.get().map(|s| match s {
                    Ok(()) => view! { <p class="ok" data-testid="template-status">{tr("admin-saved")}</p> }.into_any(),
                    Err(m) => view! { <p class="error" role="alert" data-testid="template-status">{m}</p> }.into_any(),
                })}
            </form>
        </section>
    }
}

#[component]
fn LabelsPanel() -> impl IntoView {
    let i18n = use_i18n();
    let orders = RwSignal::new(Vec::<WorkOrderView>::new());
    let sheet = RwSignal::new(None::<Result<LabelSheet, String>>);
    spawn_local(async move {
        if let Ok(o) = field::work_orders_all().await {
            orders.set(o);
        }
    });
    let make = move |id: i64| {
        spawn_local(async move {
            sheet.set(Some(
                field::labels(id)
                    .await
                    .map_err(|e| i18n.t(e.code.message_key())),
            ));
        });
    };
    view! {
        <section class="panel">
            <h2>{tr("field-labels")}</h2>
            <p class="muted">{tr("field-labels-hint")}</p>
            <ul class="articles">
                <For each=move || orders.get() key=|o| o.id let:o>
                    <li>
                        <span>{o.number.clone()}" · "{o.customer.clone()}</span>
                        <span class="muted">{i18n.t_with("field-device-count", "count", o.devices.len().to_string())}</span>
                        <button class="link" data-testid=format!("labels-{}", o.number) on:click=move |_| make(o.id)>
                            {tr("field-print-labels")}
                        </button>
                    </li>
                </For>
            </ul>
            {move || sheet.get().map(|s| match s {
                Ok(sheet) => view! {
                    <div data-testid="label-sheet">
                        <p>{i18n.t_args("field-labels-saved", &[("count", sheet.count.to_string()), ("field", sheet.field.clone()), ("path", sheet.path.clone())])}</p>
                        <img class="label-preview" src=sheet.data_url.clone() alt=move || i18n.t("field-labels") />
                    </div>
                }.into_any(),
                Err(m) => view! { <p class="error" role="alert">{m}</p> }.into_any(),
            })}
        </section>
    }
}
