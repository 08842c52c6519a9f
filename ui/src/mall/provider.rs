//! The provider portal's mall, for a service provider's admin and its
//! engineers: the
//! catalog at the provider's tier price (the list price beside it), a
//! cart, checkout to the provider's depot or straight to a site (once per
//! idempotency key), and the provider's orders with their timeline — pay,
//! cancel — refreshed live.

use fieldesk_core::mall::checkout::CartLine;
use fieldesk_core::mall::order::OrderStatus;
use fieldesk_core::mall::{CheckoutBody, MallAnswer, MallCommand, Offer, Order, PaymentMethod};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::delivery::{ProviderDelivery, ProviderDeliveryFields};
use super::photo::ItemPhoto;
use super::{Message, new_key};
use crate::api::{self, mall};
use crate::i18n::{tr, use_i18n, when};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Shop,
    Orders,
}

#[derive(Debug, Clone, PartialEq)]
struct Line {
    offer: Offer,
    quantity: i64,
}

#[component]
pub fn ProviderMall() -> impl IntoView {
    let i18n = use_i18n();
    let tab = RwSignal::new(Tab::Shop);
    let error = RwSignal::new(None::<String>);
    let orders = RwSignal::new(Vec::<Order>::new());
    let fail = move |e: api::IpcError| error.set(Some(e.message_or(i18n)));
    let reload = move || {
        spawn_local(async move {
            match mall::call(MallCommand::Orders { before: None }).await {
                Ok(MallAnswer::Orders(list)) => orders.set(list),
                Ok(_) => {}
                Err(e) => fail(e),
            }
        })
    };
    reload();
    api::listen(mall::MALL_EVENT, move |_: i64| reload());
    view! {
        <section class="panel mall" data-testid="mall">
            <nav class="subtabs">
                <button class="tab" class:active=move || tab.get() == Tab::Shop data-testid="mall-tab-shop"
                    on:click=move |_| tab.set(Tab::Shop)>{tr("mall-shop")}</button>
                <button class="tab" class:active=move || tab.get() == Tab::Orders data-testid="mall-tab-orders"
                    on:click=move |_| { reload(); tab.set(Tab::Orders) }>{tr("mall-orders")}</button>
            </nav>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="mall-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
            {move || match tab.get() {
                Tab::Shop => view! { <Shop error orders tab=Callback::new(move |()| tab.set(Tab::Orders)) /> }.into_any(),
                Tab::Orders => view! { <Orders orders error /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Shop(
    error: RwSignal<Option<String>>,
    orders: RwSignal<Vec<Order>>,
    tab: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let q = RwSignal::new(String::new());
    let offers = RwSignal::new(Vec::<Offer>::new());
    let cart = RwSignal::new(Vec::<Line>::new());
    let to = ProviderDelivery::new(String::new(), String::new(), String::new());
    // One key per cart: a retry after a lost answer answers the first order.
    let key = StoredValue::new(new_key("provider"));
    let search = move || {
        let query = Some(q.get_untracked()).filter(|s| !s.trim().is_empty());
        spawn_local(async move {
            match mall::call(MallCommand::Offers {
                q: query,
                model: None,
            })
            .await
            {
                Ok(MallAnswer::Offers(list)) => {
                    error.set(None);
                    offers.set(list)
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    search();
    spawn_local(to.load_depots());
    let place = move || {
        let body = CheckoutBody {
            lines: cart
                .get_untracked()
                .iter()
                .map(|l| CartLine {
                    item_id: l.offer.item.id,
                    quantity: l.quantity,
                    seen_price: Some(l.offer.quote.price),
                })
                .collect(),
            delivery: to.delivery(),
            payment: to.payment(),
            work_order_id: None,
            device_id: None,
        };
        let k = key.get_value();
        spawn_local(async move {
            match mall::call(MallCommand::Checkout { key: k, body }).await {
                Ok(MallAnswer::Order(o)) => {
                    error.set(None);
                    cart.set(vec![]);
                    key.set_value(new_key("provider"));
                    orders.update(|all| {
                        all.retain(|x| x.id != o.id);
                        all.insert(0, o)
                    });
                    tab.run(());
                }
                Ok(_) => {}
                Err(e) => {
                    if e.code == fieldesk_core::ErrorCode::PriceChanged {
                        key.set_value(new_key("provider"));
                    }
                    error.set(Some(e.message_or(i18n)))
                }
            }
        })
    };
    view! {
        <form class="search" on:submit=move |ev| { ev.prevent_default(); search(); }>
            <label>{tr("shop-search")}
                <input data-testid="mall-search" type="search" prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev)) /></label>
            <button type="submit" data-testid="mall-search-go">{tr("shop-search-go")}</button>
        </form>
        <table class="list" data-testid="mall-offers">
            <tbody>
                {move || offers.get().into_iter().map(|o| {
                    let offer = o.clone();
                    let available = o.available;
                    view! {
                        <tr data-testid="mall-offer" data-sku=o.item.body.sku.clone()>
                            <td class="thumb"><ItemPhoto id=o.item.body.photos.first().cloned() alt=o.name.clone() /></td>
                            <td>{o.item.body.sku.clone()}</td>
                            <td>{o.name.clone()}</td>
                            <td data-testid="mall-offer-price">{o.quote.price.display()}</td>
                            <td class="muted">{i18n.t_with("shop-list-price", "price", o.quote.list.display())}</td>
                            <td class="muted">{move || available.map(|n| i18n.t_with("shop-available", "count", n.to_string())).unwrap_or_default()}</td>
                            <td><button type="button" data-testid="mall-offer-add" disabled=available == Some(0) on:click=move |_| {
                                let offer = offer.clone();
                                cart.update(|c| match c.iter_mut().find(|l| l.offer.item.id == offer.item.id) {
                                    Some(l) => l.quantity += 1,
                                    None => c.push(Line { offer, quantity: 1 }),
                                });
                            }>{tr("shop-add")}</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Show when=move || !cart.with(Vec::is_empty)>
            <form class="cart" data-testid="mall-cart" on:submit=move |ev| { ev.prevent_default(); place(); }>
                <h4>{tr("mall-cart")}</h4>
                {move || cart.get().into_iter().map(|l| {
                    let id = l.offer.item.id;
                    view! {
                        <label class="check" data-testid="mall-cart-line">
                            <span>{l.offer.name.clone()}" · "{l.offer.quote.price.display()}</span>
                            <input class="stock" type="number" min="1" max="999" data-testid="mall-cart-quantity"
                                prop:value=l.quantity.to_string()
                                on:change=move |ev| {
                                    let n = event_target_value(&ev).trim().parse::<i64>().unwrap_or(0);
                                    cart.update(|c| if n <= 0 { c.retain(|x| x.offer.item.id != id) }
                                        else if let Some(x) = c.iter_mut().find(|x| x.offer.item.id == id) { x.quantity = n });
                                } />
                        </label>
                    }
                }).collect_view()}
                <ProviderDeliveryFields form=to prefix="mall" site="mall-to-site" />
                <button type="submit" data-testid="mall-checkout">{tr("shop-place-order")}</button>
            </form>
        </Show>
    }
}

#[component]
fn Orders(orders: RwSignal<Vec<Order>>, error: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let card = RwSignal::new(String::new());
    let run = move |command: MallCommand| {
        spawn_local(async move {
            match mall::call(command).await {
                Ok(MallAnswer::Order(o)) => {
                    error.set(None);
                    orders.update(|all| {
                        if let Some(x) = all.iter_mut().find(|x| x.id == o.id) {
                            *x = o
                        }
                    });
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    view! {
        <Show when=move || orders.with(Vec::is_empty)>
            <p class="muted" data-testid="mall-no-orders">{tr("mall-no-orders")}</p>
        </Show>
        {move || orders.get().into_iter().map(|o| {
            let id = o.id;
            let status = o.status.message_key();
            let unpaid = o.status == OrderStatus::PendingPayment;
            let test = o.payment.method == PaymentMethod::Test;
            let cancellable = o.cancellable();
            view! {
                <article class="mall-order" data-testid="mall-order" data-order-id=id>
                    <h3>{i18n.t_with("shop-order-number", "order", id.to_string())}" · "
                        <span data-testid="mall-order-status" data-status=o.status.as_str()>{i18n.t(&status)}</span></h3>
                    <ul>
                        {o.lines.iter().map(|l| view! {
                            <li data-testid="mall-order-line">{l.sku.clone()}" "{l.name.get(i18n.locale.get_untracked()).to_owned()}
                                " × "{l.quantity}" · "<span data-testid="mall-order-line-price">{l.unit_price.display()}</span>
                                " "<span class="muted">{i18n.t_with("shop-list-price", "price", l.list_price.display())}</span></li>
                        }).collect_view()}
                    </ul>
                    <p class="total">{i18n.t_with("shop-total", "total", o.total.display())}</p>
                    <div class="actions">
                        {(unpaid && test).then(|| view! {
                            <input data-testid="mall-pay-card" prop:value=move || card.get() on:input=move |ev| card.set(event_target_value(&ev))
                                placeholder=move || i18n.t("shop-card") />
                            <button type="button" data-testid="mall-pay" on:click=move |_| {
                                run(MallCommand::Pay { id, card: Some(card.get_untracked()) })
                            }>{tr("shop-pay")}</button>
                        })}
                        {(unpaid && !test).then(|| view! { <span class="muted">{tr("shop-pay-manual-help")}</span> })}
                        {cancellable.then(|| view! {
                            <button type="button" class="secondary" data-testid="mall-cancel"
                                on:click=move |_| run(MallCommand::Cancel { id })>{tr("mall-cancel")}</button>
                        })}
                    </div>
                    <ol class="timeline">
                        {o.timeline.iter().rev().map(|e| {
                            let key = format!("shop-event-{}", e.what.replace('_', "-"));
                            view! { <li data-testid="mall-timeline-entry"><span class="muted">{when(e.at)}</span>" "{i18n.t(&key)}</li> }
                        }).collect_view()}
                    </ol>
                </article>
            }
        }).collect_view()}
    }
}
