//! A provider admin's inbox: the orders dispatched to their provider;
//! for each, name the lead engineer and (when the dispatch settings allow)
//! collaborating engineers of the provider. Only the lead changes status.

use fieldesk_core::Role;
use fieldesk_core::ipc::{DispatchConfig, OrderCommand};
use fieldesk_core::work_order::WorkOrderView;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{division_path, error_text};
use crate::api::{self, dispatch as dapi, field};
use crate::i18n::{tr, use_i18n};

#[component]
pub fn ProviderInbox() -> impl IntoView {
    let i18n = use_i18n();
    let config = RwSignal::new(DispatchConfig::default());
    let orders = RwSignal::new(Vec::<WorkOrderView>::new());
    let load_error = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            let loaded = async {
                Ok::<_, api::IpcError>((dapi::config().await?, field::work_orders_all().await?))
            };
            match loaded.await {
                Ok((c, mut o)) => {
                    o.sort_by_key(|o| std::cmp::Reverse(o.id));
                    config.set(c);
                    orders.set(o);
                }
                Err(e) => load_error.set(Some(error_text(i18n, &e))),
            }
        });
    };
    reload();
    api::listen(dapi::DISPATCH_EVENT, move |_: i64| reload());
    view! {
        <section class="panel">
            <h2>{tr("dispatch-inbox")}</h2>
            <p class="muted">{tr("dispatch-inbox-hint")}</p>
            {move || load_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <Show when=move || orders.with(Vec::is_empty)>
                <p class="muted" data-testid="inbox-empty">{tr("dispatch-inbox-empty")}</p>
            </Show>
            <ul class="board">
                <For each=move || orders.get() key=super::board::row_key let:o>
                    <InboxRow order=o config reload />
                </For>
            </ul>
        </section>
    }
}

#[component]
fn InboxRow(
    order: WorkOrderView,
    config: RwSignal<DispatchConfig>,
    reload: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = order.id;
    let number = order.number.clone();
    let provider = order.target.as_ref().map(|t| t.id);
    let engineers = move || {
        config.with(|c| {
            c.providers
                .iter()
                .find(|p| Some(p.id) == provider)
                .map(|p| {
                    p.members
                        .iter()
                        .filter(|m| m.role == Role::Engineer)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let name_of = move |user: i64| {
        engineers()
            .into_iter()
            .find(|e| e.user_id == user)
            .map_or(user.to_string(), |e| e.display_name)
    };
    let lead = RwSignal::new(order.lead.map(|l| l.to_string()).unwrap_or_default());
    let collaborators = RwSignal::new(
        order
            .assignees
            .iter()
            .copied()
            .filter(|a| Some(*a) != order.lead)
            .collect::<Vec<_>>(),
    );
    let allowed = move || config.with(|c| c.settings.provider_collaborators);
    let status = RwSignal::new(None::<Result<(), String>>);
    let crew_line = {
        let lead = order.lead;
        let others: Vec<i64> = order
            .assignees
            .iter()
            .copied()
            .filter(|a| Some(*a) != lead)
            .collect();
        move || match lead {
            Some(l) => i18n.t_args(
                "dispatch-crew",
                &[
                    ("lead", name_of(l)),
                    (
                        "collaborators",
                        others
                            .iter()
                            .map(|o| name_of(*o))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ],
            ),
            None => i18n.t("dispatch-crew-none"),
        }
    };
    let assign = move |_| {
        let Ok(lead) = lead.get_untracked().parse::<i64>() else {
            status.set(Some(Err(i18n.t("dispatch-lead-needed"))));
            return;
        };
        let collaborators = collaborators
            .get_untracked()
            .into_iter()
            .filter(|c| *c != lead)
            .collect();
        let command = OrderCommand::Crew {
            id,
            lead,
            collaborators,
        };
        super::run_order(i18n, command, status, reload);
    };
    let place = order
        .division
        .map_or_else(|| i18n.t("dispatch-unresolved-address"), division_path);
    view! {
        <li class="board-row" data-testid=format!("inbox-{number}")>
            <div class="row-head">
                <strong>{number.clone()}</strong>
                <span>{order.customer.clone()}</span>
                <span class="muted">{order.order_type.clone()}</span>
                <span class="status">{tr(order.status.message_key())}</span>
            </div>
            <div class="muted">{order.address.clone()}" · "{place}</div>
            <div data-testid=format!("inbox-crew-{number}")>{crew_line}</div>
            <div class="row-actions">
                <label>
                    <span>{tr("dispatch-lead")}</span>
                    <select data-testid=format!("inbox-lead-{number}") on:change=move |ev| lead.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || engineers().into_iter().map(|e| {
                            let v = e.user_id.to_string();
                            let selected = lead.get_untracked() == v;
                            view! { <option value=v.clone() selected=selected>{e.display_name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <fieldset disabled=move || !allowed()>
                    <legend>{tr("dispatch-collaborators-of")}</legend>
                    {let number = number.clone(); move || engineers().into_iter()
                        .filter(|e| lead.with(|l| *l != e.user_id.to_string()))
                        .map(|e| {
                        let uid = e.user_id;
                        view! {
                            <label class="check">
                                <input type="checkbox" data-testid=format!("inbox-collab-{number}-{}", e.username)
                                    prop:checked=move || collaborators.with(|c| c.contains(&uid))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        collaborators.update(|c| { c.retain(|x| *x != uid); if on { c.push(uid) } });
                                    } />
                                {e.display_name.clone()}
                            </label>
                        }
                    }).collect_view()}
                    <Show when=move || !allowed()>
                        <p class="muted">{tr("error-collaborators-off")}</p>
                    </Show>
                </fieldset>
                <button data-testid=format!("inbox-assign-{number}") on:click=assign>{tr("dispatch-assign")}</button>
            </div>
            {super::status_line(status, format!("inbox-status-{number}"))}
        </li>
    }
}
