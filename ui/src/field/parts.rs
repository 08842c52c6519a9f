//! Parts on site: a work order's parts (the proposals sent to the
//! customer and the orders for its parts, each with its state, refreshed
//! live) and, for the open device, "Parts for this device" — the parts
//! that fit its model (the app's copy when offline), a cart, and either
//! buying on the provider's account or sending the customer a proposal to
//! approve and pay. Shown only when the tenant has the mall switched on.

use fieldesk_core::ErrorCode;
use fieldesk_core::mall::checkout::CartLine;
use fieldesk_core::mall::proposal::{
    DevicePart, DeviceParts, ProposalBody, ProposalLine, ProposalStatus, WorkOrderParts,
};
use fieldesk_core::mall::{CheckoutBody, MallAnswer, MallCommand};
use fieldesk_core::offline::LocalWorkOrder;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, mall};
use crate::i18n::{I18n, tr, when};
use crate::mall::delivery::{ProviderDelivery, ProviderDeliveryFields};
use crate::mall::photo::ItemPhoto;
use crate::mall::{Message, new_key};

/// An error to show: "needs the server" when it could not be reached.
fn shown(e: &api::IpcError, i18n: I18n) -> String {
    if e.code == ErrorCode::ServerUnreachable {
        i18n.t("mall-needs-server")
    } else {
        e.message_or(i18n)
    }
}

/// The first address-looking word of a work order's contact.
fn contact_email(contact: &str) -> String {
    contact
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '，')
        .find(|w| w.contains('@'))
        .unwrap_or_default()
        .to_owned()
}

#[component]
pub fn WorkOrderParts(
    current: Memo<Option<LocalWorkOrder>>,
    work_order: i64,
    device: RwSignal<Option<i64>>,
    i18n: I18n,
) -> impl IntoView {
    // None until the first answer; hidden while the mall is off.
    let parts = RwSignal::new(None::<WorkOrderParts>);
    let off = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    let reload = move || {
        spawn_local(async move {
            match mall::call(MallCommand::WorkOrderParts {
                work_order_id: work_order,
            })
            .await
            {
                Ok(MallAnswer::WorkOrderParts(p)) => {
                    off.set(false);
                    parts.set(Some(p))
                }
                Ok(_) => {}
                Err(e) if e.code == ErrorCode::MallNotEnabled || e.code == ErrorCode::Forbidden => {
                    off.set(true)
                }
                // Offline: the parts last seen stay.
                Err(_) => {}
            }
        })
    };
    reload();
    api::listen(mall::MALL_EVENT, move |_: i64| reload());
    // The device's parts are kept for offline browsing as soon as the
    // order is opened online.
    let devices: Vec<i64> = current.with_untracked(|o| {
        o.as_ref()
            .map(|o| o.order.devices.iter().map(|d| d.id).collect())
            .unwrap_or_default()
    });
    spawn_local(async move {
        for device_id in devices {
            let _ = mall::call(MallCommand::DeviceParts {
                work_order_id: work_order,
                device_id,
            })
            .await;
        }
    });
    let label = move |id: i64| {
        current.with(|o| {
            o.as_ref()
                .and_then(|o| o.order.devices.iter().find(|d| d.id == id))
                .map(|d| d.label())
                .unwrap_or_default()
        })
    };
    view! {
        <Show when=move || !off.get()>
            <section class="work-order-parts" data-testid="work-order-parts">
                <div class="chat-head">
                    <h3>{tr("mall-parts-title")}</h3>
                    <span class="spacer"></span>
                    <button type="button" data-testid="device-parts-open"
                        disabled=move || device.get().is_none()
                        title=move || if device.get().is_none() { i18n.t("field-pick-device") } else { String::new() }
                        on:click=move |_| open.set(true)>{tr("mall-parts-for-device")}</button>
                </div>
                <Show when=move || error.get().is_some()>
                    <p class="error" role="alert" data-testid="parts-error">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <Show when=move || parts.with(|p| p.as_ref().is_some_and(|p| p.proposals.is_empty() && p.orders.is_empty()))>
                    <p class="muted" data-testid="parts-none">{tr("mall-parts-none")}</p>
                </Show>
                <ul class="parts-list">
                    {move || parts.get().map(|p| p.proposals.into_iter().filter(|x| x.status != ProposalStatus::Approved).map(|x| {
                        let id = x.id;
                        let status = x.status;
                        view! {
                            <li data-testid="parts-proposal" data-proposal-id=id>
                                <span class="badge" data-testid="parts-proposal-status" data-status=status.as_str()>
                                    {i18n.t(&status.message_key())}</span>
                                " "{x.device_label.clone()}" · "
                                {x.lines.iter().map(|l| format!("{} {} × {}", l.sku, l.name.get(i18n.locale.get_untracked()), l.quantity)).collect::<Vec<_>>().join(", ")}
                                " · "<span class="muted">{i18n.t_with("mall-proposal-sent-to", "email", x.email.clone())}</span>
                                {(status == ProposalStatus::Open).then(|| view! {
                                    " "<button type="button" class="secondary" data-testid="parts-proposal-withdraw"
                                        on:click=move |_| spawn_local(async move {
                                            match mall::call(MallCommand::Withdraw { id }).await {
                                                Ok(_) => { error.set(None); reload() }
                                                Err(e) => error.set(Some(shown(&e, i18n))),
                                            }
                                        })>{tr("mall-proposal-withdraw")}</button>
                                })}
                            </li>
                        }
                    }).collect_view())}
                    {move || parts.get().map(|p| p.orders.into_iter().map(|o| {
                        let payer = if o.by_customer { "mall-paid-by-customer" } else { "mall-paid-by-provider" };
                        view! {
                            <li data-testid="parts-order" data-order-id=o.id>
                                <span class="badge" data-testid="parts-order-status" data-status=o.status.as_str()>
                                    {i18n.t(&o.status.message_key())}</span>
                                " "{i18n.t_with("shop-order-number", "order", o.id.to_string())}
                                " · "{o.device_id.map(label).unwrap_or_default()}" · "
                                {o.lines.iter().map(|l| format!("{} {} × {}", l.sku, l.name.get(i18n.locale.get_untracked()), l.quantity)).collect::<Vec<_>>().join(", ")}
                                " · "{o.total.display()}" · "<span class="muted">{i18n.t(payer)}</span>
                                {o.tracking.clone().map(|t| view! { " · "<span data-testid="parts-order-tracking">{t}</span> })}
                            </li>
                        }
                    }).collect_view())}
                </ul>
                {move || match (open.get(), device.get()) {
                    (true, Some(d)) => view! {
                        <DevicePartsView current work_order device=d i18n
                            close=Callback::new(move |()| { open.set(false); reload() }) />
                    }.into_any(),
                    _ => ().into_any(),
                }}
            </section>
        </Show>
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Line {
    part: DevicePart,
    quantity: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Customer,
    Provider,
}

#[component]
fn DevicePartsView(
    current: Memo<Option<LocalWorkOrder>>,
    work_order: i64,
    device: i64,
    i18n: I18n,
    close: Callback<()>,
) -> impl IntoView {
    let parts = RwSignal::new(None::<DeviceParts>);
    let error = RwSignal::new(None::<String>);
    let cart = RwSignal::new(Vec::<Line>::new());
    let mode = RwSignal::new(Mode::Customer);
    let fact = |f: fn(&LocalWorkOrder) -> String| {
        current.with_untracked(|o| o.as_ref().map(f).unwrap_or_default())
    };
    let email = RwSignal::new(contact_email(&fact(|o| o.order.contact.clone())));
    let note = RwSignal::new(String::new());
    let to = ProviderDelivery::new(
        fact(|o| o.order.customer.clone()),
        fact(|o| o.order.contact.clone()),
        fact(|o| o.order.address.clone()),
    );
    let sent = RwSignal::new(None::<String>);
    // One key per cart and way: a retry after a lost answer answers the
    // first proposal or order.
    let key = StoredValue::new(new_key("onsite"));
    spawn_local(async move {
        match mall::call(MallCommand::DeviceParts {
            work_order_id: work_order,
            device_id: device,
        })
        .await
        {
            Ok(MallAnswer::DeviceParts(p)) => {
                if p.provider {
                    mode.set(Mode::Provider);
                    to.load_depots().await;
                }
                parts.set(Some(p))
            }
            Ok(_) => {}
            Err(e) => error.set(Some(shown(&e, i18n))),
        }
    });
    let done = move |text: String| {
        error.set(None);
        cart.set(vec![]);
        key.set_value(new_key("onsite"));
        sent.set(Some(text));
    };
    let submit = move || {
        let lines = cart.get_untracked();
        let k = key.get_value();
        let command = match mode.get_untracked() {
            Mode::Customer => MallCommand::Propose {
                key: k,
                body: ProposalBody {
                    work_order_id: work_order,
                    device_id: device,
                    email: email.get_untracked(),
                    lines: lines
                        .iter()
                        .map(|l| ProposalLine {
                            item_id: l.part.offer.item.id,
                            quantity: l.quantity,
                        })
                        .collect(),
                    note: note.get_untracked(),
                },
            },
            Mode::Provider => MallCommand::Checkout {
                key: k,
                body: CheckoutBody {
                    lines: lines
                        .iter()
                        .map(|l| CartLine {
                            item_id: l.part.offer.item.id,
                            quantity: l.quantity,
                            seen_price: l.part.provider_price.map(|q| q.price),
                        })
                        .collect(),
                    delivery: to.delivery(),
                    payment: to.payment(),
                    work_order_id: Some(work_order),
                    device_id: Some(device),
                },
            },
        };
        spawn_local(async move {
            match mall::call(command).await {
                Ok(MallAnswer::Proposal(p)) => {
                    done(i18n.t_with("mall-proposal-sent", "email", p.email))
                }
                Ok(MallAnswer::Order(o)) => {
                    done(i18n.t_with("mall-onsite-ordered", "order", o.id.to_string()))
                }
                Ok(_) => {}
                Err(e) => {
                    if e.code == ErrorCode::PriceChanged {
                        key.set_value(new_key("onsite"));
                    }
                    error.set(Some(shown(&e, i18n)))
                }
            }
        })
    };
    let offline = move || parts.with(|p| p.as_ref().is_some_and(|p| p.offline));
    view! {
        <div class="device-parts" data-testid="device-parts">
            <div class="chat-head">
                <h4>{move || i18n.t_with("mall-parts-model", "model", parts.with(|p| p.as_ref().map(|p| p.model.clone()).unwrap_or_default()))}</h4>
                <span class="spacer"></span>
                <button type="button" class="secondary" data-testid="device-parts-close" on:click=move |_| close.run(())>{tr("mall-close")}</button>
            </div>
            <Show when=offline>
                <p class="notice" data-testid="device-parts-offline">
                    {move || i18n.t_with("mall-parts-offline", "at", parts.with(|p| p.as_ref().map(|p| when(p.fetched_at)).unwrap_or_default()))}
                </p>
            </Show>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="device-parts-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || sent.get().is_some()>
                <p class="notice" role="status" data-testid="device-parts-done">{move || sent.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || parts.with(|p| p.as_ref().is_some_and(|p| p.parts.is_empty()))>
                <p class="muted" data-testid="device-parts-none">{tr("mall-parts-none-fit")}</p>
            </Show>
            <table class="list">
                <tbody>
                    {move || parts.get().map(|p| p.parts.into_iter().map(|part| {
                        let o = part.offer.clone();
                        let available = o.available;
                        let adding = part.clone();
                        view! {
                            <tr data-testid="device-part" data-sku=o.item.body.sku.clone()>
                                <td class="thumb"><ItemPhoto id=o.item.body.photos.first().cloned() alt=o.name.clone() /></td>
                                <td>{o.item.body.sku.clone()}</td>
                                <td>{o.name.clone()}{o.item.body.original.then(|| view! { " "<span class="badge">{tr("shop-original")}</span> })}</td>
                                <td data-testid="device-part-customer-price">{i18n.t_with("mall-customer-price", "price", o.quote.price.display())}</td>
                                <td class="muted">{i18n.t_with("shop-list-price", "price", o.quote.list.display())}</td>
                                <td data-testid="device-part-provider-price">{part.provider_price.map(|q| i18n.t_with("mall-provider-price", "price", q.price.display()))}</td>
                                <td class="muted">{available.map(|n| i18n.t_with("shop-available", "count", n.to_string()))}</td>
                                <td><button type="button" data-testid="device-part-add" on:click=move |_| {
                                    let part = adding.clone();
                                    sent.set(None);
                                    cart.update(|c| match c.iter_mut().find(|l| l.part.offer.item.id == part.offer.item.id) {
                                        Some(l) => l.quantity += 1,
                                        None => c.push(Line { part, quantity: 1 }),
                                    });
                                }>{tr("shop-add")}</button></td>
                            </tr>
                        }
                    }).collect_view())}
                </tbody>
            </table>
            <Show when=move || !cart.with(Vec::is_empty)>
                <form class="cart" data-testid="device-parts-cart" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                    <h4>{tr("mall-cart")}</h4>
                    {move || cart.get().into_iter().map(|l| {
                        let id = l.part.offer.item.id;
                        view! {
                            <label class="check" data-testid="device-parts-line">
                                <span>{l.part.offer.name.clone()}</span>
                                <input class="stock" type="number" min="1" max="999" data-testid="device-parts-quantity"
                                    prop:value=l.quantity.to_string()
                                    on:change=move |ev| {
                                        let n = event_target_value(&ev).trim().parse::<i64>().unwrap_or(0);
                                        cart.update(|c| if n <= 0 { c.retain(|x| x.part.offer.item.id != id) }
                                            else if let Some(x) = c.iter_mut().find(|x| x.part.offer.item.id == id) { x.quantity = n });
                                    } />
                            </label>
                        }
                    }).collect_view()}
                    <fieldset class="choice">
                        <label class="check"><input type="radio" name="onsite-mode" data-testid="parts-mode-customer"
                            prop:checked=move || mode.get() == Mode::Customer
                            on:change=move |_| mode.set(Mode::Customer) />{tr("mall-send-to-customer")}</label>
                        <Show when=move || parts.with(|p| p.as_ref().is_some_and(|p| p.provider))>
                            <label class="check"><input type="radio" name="onsite-mode" data-testid="parts-mode-provider"
                                prop:checked=move || mode.get() == Mode::Provider
                                on:change=move |_| mode.set(Mode::Provider) />{tr("mall-buy-on-account")}</label>
                        </Show>
                    </fieldset>
                    {move || match mode.get() {
                        Mode::Customer => view! {
                            <p class="muted">{tr("mall-send-help")}</p>
                            <label>{tr("shop-email")}
                                <input type="email" data-testid="parts-customer-email" prop:value=move || email.get()
                                    on:input=move |ev| email.set(event_target_value(&ev)) /></label>
                            <label>{tr("mall-proposal-note")}
                                <textarea data-testid="parts-note" maxlength="1000" prop:value=move || note.get()
                                    on:input=move |ev| note.set(event_target_value(&ev))></textarea></label>
                            <button type="submit" data-testid="parts-send" disabled=offline>{tr("mall-send-proposal")}</button>
                        }.into_any(),
                        Mode::Provider => view! {
                            <ProviderDeliveryFields form=to prefix="parts" site="mall-to-this-site" />
                            <button type="submit" data-testid="parts-buy" disabled=offline>{tr("mall-buy-now")}</button>
                        }.into_any(),
                    }}
                    <Show when=offline>
                        <p class="muted" data-testid="parts-needs-server">{tr("mall-needs-server")}</p>
                    </Show>
                </form>
            </Show>
        </div>
    }
}
