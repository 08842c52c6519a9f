//! The field engineer's desk, offline first: the sync bar (pending
//! operations, last sync, sync now, the error list), the work order list
//! and the open work order. Everything reads the shell's local store; the
//! shell's `field` event says when to read again.

mod admin;
mod capture;
mod order;
mod parts;
mod scan;

use fieldesk_core::ErrorCode;
use fieldesk_core::ipc::FieldNews;
use fieldesk_core::offline::{LocalWorkOrder, Problem, SyncIssue, SyncState};
use fieldesk_core::sync::Operation;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, field};
use crate::i18n::{I18n, tr, use_i18n};

pub use admin::FieldAdminPanel;

/// The desk's state, shared by its components.
#[derive(Clone, Copy)]
pub struct FieldDesk {
    pub orders: RwSignal<Vec<LocalWorkOrder>>,
    pub selected: RwSignal<Option<i64>>,
    pub device: RwSignal<Option<i64>>,
    pub sync: RwSignal<SyncState>,
    pub error: RwSignal<Option<ErrorCode>>,
    pub i18n: I18n,
    /// The signed-in engineer (a collaborator sees no status actions).
    pub me: i64,
}

impl FieldDesk {
    pub fn reload(self) {
        spawn_local(async move {
            match field::orders().await {
                // Only a real change re-renders (keeps what is being typed).
                Ok(orders) if self.orders.with_untracked(|o| *o != orders) => {
                    self.orders.set(orders)
                }
                Ok(_) => {}
                Err(e) => self.error.set(Some(e.code)),
            }
        });
    }

    pub fn selected_order(self) -> Option<LocalWorkOrder> {
        let id = self.selected.get()?;
        self.orders
            .with(|all| all.iter().find(|o| o.order.id == id).cloned())
    }

    /// Records an action; the answer is the order as now shown.
    pub fn act(self, op: Operation) {
        spawn_local(async move { self.show(field::act(&op).await) });
    }

    /// Shows the shell's answer to an action: the order as now shown, or
    /// why the action was refused.
    pub fn show(self, answer: api::IpcResult<LocalWorkOrder>) {
        match answer {
            Ok(updated) => {
                self.error.set(None);
                self.orders.update(|all| {
                    if let Some(o) = all.iter_mut().find(|o| o.order.id == updated.order.id) {
                        *o = updated;
                    }
                });
            }
            Err(e) => self.error.set(Some(e.code)),
        }
    }
}

/// "12:04:31" in the viewer's local time, from Unix seconds.
fn clock(at: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64 * 1000.0));
    format!(
        "{:02}:{:02}:{:02}",
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}

#[component]
pub fn FieldDeskView(me: i64) -> impl IntoView {
    let desk = FieldDesk {
        me,
        orders: RwSignal::new(vec![]),
        selected: RwSignal::new(None),
        device: RwSignal::new(None),
        sync: RwSignal::new(SyncState::default()),
        error: RwSignal::new(None),
        i18n: use_i18n(),
    };
    api::listen(field::FIELD_EVENT, move |news: FieldNews| {
        desk.sync.set(news.state);
        if news.orders_changed {
            desk.reload();
        }
    });
    spawn_local(async move {
        if let Ok(state) = field::sync_state().await {
            desk.sync.set(state);
        }
    });
    desk.reload();

    view! {
        <section class="field-desk" data-testid="field-desk">
            <SyncBar desk />
            <aside class="desk-list">
                <h2>{tr("field-my-orders")}</h2>
                <ul class="conversations">
                    <For each=move || desk.orders.get() key=|o| (o.order.id, o.order.status, o.pending) let:o>
                        <OrderItem o desk />
                    </For>
                </ul>
                <Show when=move || desk.orders.get().is_empty()>
                    <p class="muted" data-testid="no-orders">{tr("field-no-orders")}</p>
                </Show>
            </aside>
            <order::OrderView desk />
        </section>
    }
}

#[component]
fn OrderItem(o: LocalWorkOrder, desk: FieldDesk) -> impl IntoView {
    let id = o.order.id;
    let number = o.order.number.clone();
    view! {
        <li>
            <button class="conversation" class:selected=move || desk.selected.get() == Some(id)
                data-testid=format!("order-{number}")
                on:click=move |_| { desk.selected.set(Some(id)); desk.device.set(None); }>
                <span class="name">{o.order.number.clone()}</span>
                <span class="lang">{tr(o.order.status.message_key())}</span>
                {(o.pending > 0).then(|| view! { <span class="unread" title=move || desk.i18n.t("field-pending-title")>{o.pending.to_string()}</span> })}
                <span class="last">{o.order.customer.clone()}" · "{o.order.address.clone()}</span>
            </button>
        </li>
    }
}

#[component]
fn SyncBar(desk: FieldDesk) -> impl IntoView {
    let i18n = desk.i18n;
    let sync_now = move |_| {
        spawn_local(async move {
            let _ = field::sync_now().await;
        });
    };
    view! {
        <div class="sync-bar" data-testid="sync-bar">
            <span data-testid="sync-pending" data-count=move || desk.sync.get().pending.to_string()>
                {move || i18n.t_with("field-pending", "count", desk.sync.get().pending.to_string())}
            </span>
            <span class="muted" data-testid="sync-last">
                {move || match desk.sync.get().last_sync {
                    Some(at) => i18n.t_with("field-last-sync", "time", clock(at)),
                    None => i18n.t("field-never-synced"),
                }}
            </span>
            {move || desk.sync.get().syncing.then(|| view! { <span class="muted" data-testid="syncing">{tr("field-syncing")}</span> })}
            {move || desk.sync.get().last_error.map(|code| view! {
                <span class="muted" data-testid="sync-error">{i18n.t(code.message_key())}</span>
            })}
            <span class="spacer"></span>
            <button class="secondary" data-testid="sync-now" on:click=sync_now>{tr("field-sync-now")}</button>
            <Show when=move || !desk.sync.get().issues.is_empty()>
                <ul class="sync-issues" data-testid="sync-issues">
                    <For each=move || desk.sync.get().issues key=|i| i.op_id.clone() let:issue>
                        <IssueItem issue desk />
                    </For>
                </ul>
            </Show>
            <Show when=move || desk.error.get().is_some()>
                <div class="error" role="alert" data-testid="field-error">
                    {move || desk.error.get().map(|c| i18n.t(c.message_key())).unwrap_or_default()}
                </div>
            </Show>
        </div>
    }
}

/// What an operation was, in the engineer's words.
fn describe(i18n: I18n, orders: &[LocalWorkOrder], op: &Operation) -> String {
    let number = orders
        .iter()
        .find(|o| o.order.id == op.work_order())
        .map_or_else(|| op.work_order().to_string(), |o| o.order.number.clone());
    match op {
        Operation::Transition { action, .. } => i18n.t_args(
            "field-issue-action",
            &[
                ("order", number),
                ("action", i18n.t(order::action_key(*action))),
            ],
        ),
        Operation::StepResult { value, .. } => i18n.t_args(
            "field-issue-step",
            &[("order", number), ("value", order::show_value(value))],
        ),
        Operation::Note { text, .. } => i18n.t_args(
            "field-issue-note",
            &[("order", number), ("text", text.clone())],
        ),
    }
}

#[component]
fn IssueItem(issue: SyncIssue, desk: FieldDesk) -> impl IntoView {
    let i18n = desk.i18n;
    let what = {
        let op = issue.op.clone();
        move || desk.orders.with(|all| describe(i18n, all, &op))
    };
    let why = {
        let problem = issue.problem.clone();
        move || match &problem {
            Problem::Rejected { reason } => i18n.t(reason.message_key()),
            Problem::Overwritten { previous } => {
                i18n.t_with("field-overwritten", "value", order::show_value(previous))
            }
        }
    };
    let op_id = issue.op_id.clone();
    let dismiss = move |_| {
        let op_id = op_id.clone();
        spawn_local(async move {
            let _ = field::dismiss_issue(&op_id).await;
        });
    };
    view! {
        <li data-testid="sync-issue">
            <span>{what}</span>" — "<span data-testid="sync-issue-reason">{why}</span>
            <button class="link" data-testid="sync-issue-dismiss" on:click=dismiss>{tr("field-dismiss")}</button>
        </li>
    }
}
