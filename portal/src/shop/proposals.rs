//! The customer's side of work on their devices: "my devices" (from
//! their work orders, each with the parts that fit it) and the proposals
//! engineers sent them — the prepared cart at the customer's price beside
//! the list price, approved (their own checkout of exactly those lines,
//! once per key) and paid, or declined.

use fieldesk_core::mall::Order;
use fieldesk_core::mall::checkout::CartLine;
use fieldesk_core::mall::money::Money;
use fieldesk_core::mall::proposal::{ApproveBody, CustomerDevice, Proposal, ProposalStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::delivery::{DeliveryFields, DeliveryForm};
use super::{Shop, View, new_key, price_view, when};
use crate::storage::{load, save};

#[component]
pub(super) fn Devices(shop: Shop) -> impl IntoView {
    let i18n = shop.i18n;
    let devices = RwSignal::new(None::<Vec<CustomerDevice>>);
    let call = shop.call("GET", "/devices");
    spawn_local(async move {
        match call
            .send::<(), Vec<CustomerDevice>>(None, shop.offline())
            .await
        {
            Ok(list) => devices.set(Some(list)),
            Err(f) => shop.fail(f),
        }
    });
    view! {
        <ul class="orders" data-testid="devices">
            {move || match devices.get() {
                None => view! { <li class="status-line">{i18n.t("shop-loading")}</li> }.into_any(),
                Some(list) if list.is_empty() => view! {
                    <li class="status-line" data-testid="devices-none">{i18n.t("shop-no-devices")}</li>
                }.into_any(),
                Some(list) => list.into_iter().map(|d| {
                    let model = d.model.clone();
                    let fits = !model.is_empty();
                    view! {
                        <li class="order-row" data-testid="device-row" data-model=d.model.clone()>
                            <span class="grow"><strong>{d.model.clone()}</strong>" "{d.serial_number.clone()}</span>
                            <span class="muted">{i18n.t_with("shop-work-order", &[("order", d.work_order_number.clone())])}</span>
                            <button data-testid="device-parts" disabled=!fits on:click=move |_| {
                                shop.model.set(Some(model.clone()));
                                shop.category.set(None);
                                shop.search(String::new(), Some(model.clone()));
                                shop.view.set(View::Catalog);
                            }>{move || i18n.t("shop-device-parts")}</button>
                        </li>
                    }
                }).collect_view().into_any(),
            }}
        </ul>
    }
}

#[component]
pub(super) fn Proposals(shop: Shop) -> impl IntoView {
    let i18n = shop.i18n;
    view! {
        <ul class="orders" data-testid="proposals">
            {move || {
                let list = shop.proposals.get();
                if list.is_empty() {
                    return view! { <li class="status-line" data-testid="proposals-none">{i18n.t("shop-no-proposals")}</li> }.into_any();
                }
                list.into_iter().map(|c| {
                    let p = c.proposal;
                    let id = p.id;
                    let status = p.status.message_key();
                    view! {
                        <li class="order-row" data-testid="proposal-row" data-proposal-id=id>
                            <button class="link" data-testid="proposal-open" on:click=move |_| shop.view.set(View::Proposal(id))>
                                {i18n.t_with("shop-proposal-title", &[("order", p.work_order_number.clone()), ("device", p.device_label.clone())])}
                            </button>
                            <span data-testid="proposal-row-status" data-status=p.status.as_str()>{i18n.t(&status)}</span>
                            <span class="muted">{when(p.created_at, i18n.locale.get_untracked())}</span>
                        </li>
                    }
                }).collect_view().into_any()
            }}
        </ul>
    }
}

/// The proposal's lines at the customer's price now: (line, price, list).
fn priced(c: &fieldesk_core::mall::proposal::CustomerProposal) -> Vec<(String, u32, Money, Money)> {
    c.proposal
        .lines
        .iter()
        .filter_map(|l| {
            let o = c.offers.iter().find(|o| o.item.id == l.item_id)?;
            Some((o.name.clone(), l.quantity, o.quote.price, o.quote.list))
        })
        .collect()
}

#[component]
pub(super) fn ProposalView(shop: Shop, id: i64) -> impl IntoView {
    let i18n = shop.i18n;
    let current = RwSignal::new(None::<fieldesk_core::mall::proposal::CustomerProposal>);
    let load_it = move || {
        let call = shop.call("GET", &format!("/proposals/{id}"));
        spawn_local(async move {
            match call
                .send::<(), fieldesk_core::mall::proposal::CustomerProposal>(None, shop.offline())
                .await
            {
                Ok(c) => {
                    shop.pending.set(None);
                    shop.proposals.update(|all| {
                        match all.iter_mut().find(|x| x.proposal.id == c.proposal.id) {
                            Some(x) => *x = c.clone(),
                            None => all.insert(0, c.clone()),
                        }
                    });
                    current.set(Some(c))
                }
                Err(f) => {
                    shop.pending.set(None);
                    shop.fail(f)
                }
            }
        });
    };
    load_it();
    let form = DeliveryForm::new(shop);
    let key_name = shop.key(&format!("proposal-key-{id}"));
    let approve = move || {
        let Some(c) = current.get_untracked() else {
            return;
        };
        let body = ApproveBody {
            lines: c
                .offers
                .iter()
                .map(|o| CartLine {
                    item_id: o.item.id,
                    quantity: 1,
                    seen_price: Some(o.quote.price),
                })
                .collect(),
            delivery: form.delivery(),
            payment: form.payment(),
        };
        // One key per approval: a retry after a lost answer answers the
        // first order.
        let key = load(&key_name).unwrap_or_else(new_key);
        save(&key_name, Some(&key));
        let mut call = shop.call("POST", &format!("/proposals/{id}/approve"));
        call.key = Some(key);
        let key_name = key_name.clone();
        shop.busy.set(true);
        spawn_local(async move {
            let answer = call.send::<_, Order>(Some(&body), shop.offline()).await;
            shop.busy.set(false);
            match answer {
                Ok(order) => {
                    save(&key_name, None);
                    shop.error.set(None);
                    let order_id = order.id;
                    shop.upsert(order);
                    shop.load_proposals();
                    shop.view.set(View::Order(order_id));
                }
                Err(f) => {
                    if f.code == Some(fieldesk_core::ErrorCode::PriceChanged) {
                        save(&key_name, None);
                        load_it();
                    }
                    shop.fail(f)
                }
            }
        });
    };
    let approve = StoredValue::new(approve);
    let decline = move || {
        let call = shop.call("POST", &format!("/proposals/{id}/decline"));
        spawn_local(async move {
            match call.send::<(), Proposal>(None, shop.offline()).await {
                Ok(_) => {
                    shop.error.set(None);
                    shop.load_proposals();
                    load_it();
                }
                Err(f) => shop.fail(f),
            }
        });
    };
    view! {
        {move || match current.get() {
            None => view! { <p class="status-line">{i18n.t("shop-loading")}</p> }.into_any(),
            Some(c) => {
                let p = c.proposal.clone();
                let lines = priced(&c);
                let total = lines.first().and_then(|first| {
                    Money::sum(first.2.currency, lines.iter().filter_map(|l| l.2.times(l.1).ok())).ok()
                });
                let open = p.status == ProposalStatus::Open;
                let order_id = p.order_id;
                let status = p.status.message_key();
                view! {
                    <section class="order" data-testid="proposal" data-proposal-id=p.id>
                        <h2>{i18n.t_with("shop-proposal-title", &[("order", p.work_order_number.clone()), ("device", p.device_label.clone())])}</h2>
                        <p class="order-status">{i18n.t("shop-status")}" "
                            <strong data-testid="proposal-status" data-status=p.status.as_str()>{i18n.t(&status)}</strong></p>
                        <p class="muted">{i18n.t_with("shop-proposal-from", &[("engineer", p.sent_by_name.clone())])}</p>
                        {(!p.note.is_empty()).then(|| view! { <blockquote data-testid="proposal-note">{p.note.clone()}</blockquote> })}
                        <ul class="cart">
                            {lines.into_iter().map(|(name, quantity, price, list)| view! {
                                <li class="cart-line" data-testid="proposal-line">
                                    <span class="grow">{name}" × "{quantity}</span>
                                    {price_view(price, list, i18n)}
                                </li>
                            }).collect_view()}
                        </ul>
                        <p class="total" data-testid="proposal-total">{i18n.t_with("shop-total", &[("total", total.map(|m| m.display()).unwrap_or_default())])}</p>
                        {order_id.map(|o| view! {
                            <button class="link" data-testid="proposal-order" on:click=move |_| { shop.load_orders(); shop.view.set(View::Order(o)) }>
                                {i18n.t_with("shop-order-number", &[("order", o.to_string())])}</button>
                        })}
                        <Show when=move || open>
                            <form class="checkout" novalidate on:submit=move |ev| { ev.prevent_default(); approve.with_value(|f| f()); }>
                                <p class="muted">{move || i18n.t("shop-approve-help")}</p>
                                <DeliveryFields shop form prefix="proposal" />
                                <div class="actions">
                                    <button type="submit" data-testid="proposal-approve" disabled=move || shop.busy.get()>{move || i18n.t("shop-approve")}</button>
                                    <button type="button" class="secondary" data-testid="proposal-decline" on:click=move |_| decline()>{move || i18n.t("shop-decline")}</button>
                                </div>
                            </form>
                        </Show>
                    </section>
                }.into_any()
            }
        }}
    }
}
