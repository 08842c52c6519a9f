//! The parts mall in the app, for admins and the warehouse: orders (each
//! with its lines, delivery, payment and timeline; mark a transfer paid,
//! pick, ship with carrier, tracking number and URL, report a carrier's
//! event, cancel, take a return, refund) refreshed live; the catalog with
//! stock per location (admins add items and count stock); the switch,
//! mailbox and payment methods (admins). A provider's admin and its
//! engineers get the provider portal's mall instead ([`provider`]).

mod catalog;
pub mod delivery;
pub mod photo;
mod prices;
mod provider;

use fieldesk_core::Role;
use fieldesk_core::mall::order::OrderStatus;
use fieldesk_core::mall::shipment::ShipmentStatus;
use fieldesk_core::mall::{
    Buyer, Delivery, MallAnswer, MallCommand, MallSettings, Order, PaymentMethod, ShipBody,
    StaffAction,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, mall};
use crate::i18n::{tr, use_i18n, when};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Orders,
    Catalog,
    Prices,
    Settings,
}

#[component]
pub fn MallPanel(role: Role) -> impl IntoView {
    if role.buys_for_provider() {
        return view! { <provider::ProviderMall /> }.into_any();
    }
    let tab = RwSignal::new(Tab::Orders);
    let tabs = [
        (Tab::Orders, "mall-orders", "mall-tab-orders", true),
        (Tab::Catalog, "mall-catalog", "mall-tab-catalog", true),
        (
            Tab::Prices,
            "mall-prices",
            "mall-tab-prices",
            role.runs_mall(),
        ),
        (
            Tab::Settings,
            "mall-settings",
            "mall-tab-settings",
            role.runs_mall(),
        ),
    ];
    view! {
        <section class="panel mall" data-testid="mall">
            <nav class="subtabs">
                {tabs.into_iter().filter(|t| t.3).map(|(t, key, testid, _)| view! {
                    <button class="tab" class:active=move || tab.get() == t data-testid=testid
                        on:click=move |_| tab.set(t)>{tr(key)}</button>
                }).collect_view()}
            </nav>
            {move || match tab.get() {
                Tab::Orders => view! { <Orders /> }.into_any(),
                Tab::Catalog => view! { <catalog::Catalog role /> }.into_any(),
                Tab::Prices => view! { <prices::Prices /> }.into_any(),
                Tab::Settings => view! { <Settings /> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

fn status_key(s: OrderStatus) -> String {
    s.message_key()
}

#[component]
fn Orders() -> impl IntoView {
    let i18n = use_i18n();
    let orders = RwSignal::new(Vec::<Order>::new());
    let open = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<String>);
    let latest = api::Latest::new();
    let reload = move || {
        let ticket = latest.ticket();
        spawn_local(async move {
            match mall::call(MallCommand::Orders { before: None }).await {
                Ok(MallAnswer::Orders(list)) if latest.is_newest(ticket) => {
                    error.set(None);
                    orders.set(list);
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    reload();
    api::listen(mall::MALL_EVENT, move |_: i64| reload());
    view! {
        <Show when=move || error.get().is_some()>
            <p class="error" role="alert" data-testid="mall-error">{move || error.get().unwrap_or_default()}</p>
        </Show>
        <div class="mall-orders">
            <table class="list" data-testid="mall-orders">
                <thead><tr>
                    <th>{tr("mall-order")}</th><th>{tr("mall-buyer")}</th><th>{tr("mall-status")}</th>
                    <th>{tr("mall-total")}</th><th>{tr("mall-placed")}</th>
                </tr></thead>
                <tbody>
                    {move || orders.get().into_iter().map(|o| {
                        let id = o.id;
                        let status = status_key(o.status);
                        let buyer = match o.buyer {
                            Buyer::Customer { customer_id } => i18n.t_with("mall-buyer-customer", "id", customer_id.to_string()),
                            Buyer::Provider { provider_id, .. } => i18n.t_with("mall-buyer-provider", "id", provider_id.to_string()),
                        };
                        view! {
                            <tr data-testid="mall-order-row" data-order-id=id class:selected=move || open.get() == Some(id)>
                                <td><button type="button" class="link" data-testid="mall-order-open"
                                    on:click=move |_| open.set(Some(id))>{format!("#{id}")}</button></td>
                                <td>{buyer}</td>
                                <td data-testid="mall-order-row-status">{move || i18n.t(&status)}</td>
                                <td>{o.total.display()}</td>
                                <td>{when(o.created_at)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <Show when=move || orders.with(Vec::is_empty)>
                <p class="muted" data-testid="mall-no-orders">{tr("mall-no-orders")}</p>
            </Show>
            {move || open.get().and_then(|id| orders.get().into_iter().find(|o| o.id == id)).map(|o| {
                view! { <OrderDetail order=o orders error /> }
            })}
        </div>
    }
}

pub(crate) trait Message {
    fn message_or(&self, i18n: crate::i18n::I18n) -> String;
}

impl Message for api::IpcError {
    /// The server's localized message, else the code's (the shell's own
    /// messages are diagnostics, never shown).
    fn message_or(&self, i18n: crate::i18n::I18n) -> String {
        use fieldesk_core::ErrorCode as E;
        let from_shell = matches!(
            self.code,
            E::ServerUnreachable
                | E::Internal
                | E::LocalStore
                | E::KeychainUnavailable
                | E::KeychainLocked
                | E::UnexpectedResponse
        );
        if self.message.is_empty() || from_shell {
            i18n.t(self.code.message_key())
        } else {
            self.message.clone()
        }
    }
}

/// A fresh idempotency key for a checkout or a proposal.
pub(crate) fn new_key(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e12) as u64
    )
}

#[component]
fn OrderDetail(
    order: Order,
    orders: RwSignal<Vec<Order>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = order.id;
    let replace = move |o: Order| {
        orders.update(|all| {
            if let Some(x) = all.iter_mut().find(|x| x.id == o.id) {
                *x = o;
            }
        })
    };
    let run = move |command: MallCommand| {
        spawn_local(async move {
            match mall::call(command).await {
                Ok(MallAnswer::Order(o)) => {
                    error.set(None);
                    replace(o);
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    let carrier = RwSignal::new(String::from("test"));
    let tracking = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let status = order.status;
    let can = |s: &[OrderStatus]| s.contains(&status);
    let unpaid = can(&[OrderStatus::PendingPayment]);
    let pickable = can(&[OrderStatus::Paid]);
    let shippable = can(&[
        OrderStatus::Paid,
        OrderStatus::Picking,
        OrderStatus::PartiallyShipped,
    ]);
    let cancellable = can(&[
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        OrderStatus::Picking,
    ]);
    let returned = can(&[OrderStatus::ReturnRequested]);
    let refundable = can(&[OrderStatus::Returned]);
    let delivery = match &order.delivery {
        Delivery::Address {
            name,
            phone,
            address,
        } => format!("{name} · {phone} · {address}"),
        Delivery::Depot { location_id } => {
            i18n.t_with("mall-to-depot", "id", location_id.to_string())
        }
    };
    let method_key = match order.payment.method {
        PaymentMethod::Manual => "shop-pay-manual",
        PaymentMethod::Test => "shop-pay-test",
    };
    let action = move |a: StaffAction, key: &'static str, testid: &'static str, primary: bool| {
        view! {
            <button type="button" class:secondary=!primary data-testid=testid
                on:click=move |_| run(MallCommand::Act { id, action: a })>{tr(key)}</button>
        }
    };
    view! {
        <article class="mall-order" data-testid="mall-order" data-order-id=id>
            <h3>{i18n.t_with("shop-order-number", "order", id.to_string())}" · "
                <span data-testid="mall-order-status" data-status=order.status.as_str()>{i18n.t(&status_key(order.status))}</span></h3>
            <p class="muted">{delivery}</p>
            <p class="muted" data-testid="mall-payment">{i18n.t(method_key)}" · "{order.payment.status.as_str().to_owned()}" · "{order.payment.reference.clone()}</p>
            <table class="list">
                <tbody>
                    {order.lines.iter().map(|l| view! {
                        <tr>
                            <td>{l.sku.clone()}</td>
                            <td>{l.name.get(i18n.locale.get_untracked()).to_owned()}</td>
                            <td>{format!("× {}", l.quantity)}</td>
                            <td>{l.unit_price.display()}</td>
                            <td class="muted">{i18n.t_with("shop-list-price", "price", l.list_price.display())}</td>
                            <td>{i18n.t_args("mall-shipped-of", &[("shipped", l.shipped.to_string()), ("quantity", l.quantity.to_string())])}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="total">{i18n.t_with("shop-total", "total", order.total.display())}</p>
            <div class="actions">
                {unpaid.then(|| action(StaffAction::MarkPaid, "mall-mark-paid", "mall-mark-paid", true))}
                {pickable.then(|| action(StaffAction::StartPicking, "mall-start-picking", "mall-start-picking", false))}
                {cancellable.then(|| action(StaffAction::Cancel, "mall-cancel", "mall-cancel", false))}
                {returned.then(|| action(StaffAction::ReturnReceived, "mall-return-received", "mall-return-received", true))}
                {refundable.then(|| action(StaffAction::Refund, "mall-refund", "mall-refund", true))}
            </div>
            {shippable.then(|| view! {
                <form class="ship" data-testid="mall-ship" on:submit=move |ev| {
                    ev.prevent_default();
                    let body = ShipBody {
                        carrier: carrier.get_untracked(),
                        tracking: tracking.get_untracked(),
                        url: Some(url.get_untracked()).filter(|u| !u.trim().is_empty()),
                        lines: Default::default(),
                    };
                    run(MallCommand::Ship { id, body });
                }>
                    <h4>{tr("mall-ship")}</h4>
                    <label>{tr("mall-carrier")}
                        <input data-testid="mall-carrier" list="mall-carriers" prop:value=move || carrier.get()
                            on:input=move |ev| carrier.set(event_target_value(&ev)) />
                        <datalist id="mall-carriers"><option value="test"></option><option value="顺丰 SF Express"></option></datalist>
                    </label>
                    <label>{tr("mall-tracking")}
                        <input data-testid="mall-tracking" prop:value=move || tracking.get()
                            on:input=move |ev| tracking.set(event_target_value(&ev)) /></label>
                    <label>{tr("mall-tracking-url")}
                        <input data-testid="mall-tracking-url" type="url" prop:value=move || url.get()
                            on:input=move |ev| url.set(event_target_value(&ev)) /></label>
                    <p class="muted">{tr("mall-ship-help")}</p>
                    <button type="submit" data-testid="mall-ship-submit">{tr("mall-ship-all")}</button>
                </form>
            })}
            {order.shipments.iter().map(|s| {
                let sid = s.id;
                let current = s.status;
                view! {
                    <div class="shipment" data-testid="mall-shipment">
                        <span>{format!("{} {}", s.carrier, s.tracking)}</span>" · "
                        <span data-testid="mall-shipment-status">{i18n.t(&format!("shop-event-shipment-{}", current.as_str().replace('_', "-")))}</span>
                        {(current != ShipmentStatus::Delivered).then(|| view! {
                            <select data-testid="mall-shipment-report" on:change=move |ev| {
                                if let Some(status) = ShipmentStatus::parse(&event_target_value(&ev)) {
                                    run(MallCommand::ReportShipment { id: sid, status });
                                }
                            }>
                                <option value="">{tr("mall-report-event")}</option>
                                {[ShipmentStatus::InTransit, ShipmentStatus::OutForDelivery, ShipmentStatus::Delivered, ShipmentStatus::Failed]
                                    .into_iter().map(|st| view! {
                                        <option value=st.as_str()>{i18n.t(&format!("shop-event-shipment-{}", st.as_str().replace('_', "-")))}</option>
                                    }).collect_view()}
                            </select>
                        })}
                    </div>
                }
            }).collect_view()}
            <h4>{tr("shop-timeline")}</h4>
            <ol class="timeline" data-testid="mall-timeline">
                {order.timeline.iter().rev().map(|e| {
                    let key = format!("shop-event-{}", e.what.replace('_', "-"));
                    view! {
                        <li data-testid="mall-timeline-entry" data-what=e.what.clone()>
                            <span class="muted">{when(e.at)}</span>" "{i18n.t(&key)}
                            {e.detail.clone().map(|d| view! { " · "<span class="muted">{d}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </article>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let i18n = use_i18n();
    let settings = RwSignal::new(None::<MallSettings>);
    let mailboxes = RwSignal::new(Vec::<fieldesk_core::email::mailbox::Mailbox>::new());
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    spawn_local(async move {
        match mall::call(MallCommand::Settings).await {
            Ok(MallAnswer::Settings(s)) => settings.set(Some(s)),
            Ok(_) => {}
            Err(e) => error.set(Some(e.message_or(i18n))),
        }
        if let Ok(fieldesk_core::email::mailbox::MailboxAnswer::Mailboxes(list)) =
            api::mail::call(fieldesk_core::email::mailbox::MailboxCommand::List).await
        {
            mailboxes.set(list);
        }
    });
    let save = move || {
        let Some(s) = settings.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match mall::call(MallCommand::SaveSettings { settings: s }).await {
                Ok(MallAnswer::Settings(s)) => {
                    error.set(None);
                    saved.set(true);
                    settings.set(Some(s));
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    let edit = move |f: &dyn Fn(&mut MallSettings)| {
        saved.set(false);
        settings.update(|s| {
            if let Some(s) = s {
                f(s)
            }
        });
    };
    view! {
        <form class="mall-settings" data-testid="mall-settings" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="mall-settings-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <label class="check">
                <input type="checkbox" data-testid="mall-enabled"
                    prop:checked=move || settings.get().is_some_and(|s| s.enabled)
                    on:change=move |ev| { let on = event_target_checked(&ev); edit(&|s| s.enabled = on) } />
                {tr("mall-enabled")}
            </label>
            <label>{tr("mall-mailbox")}
                <select data-testid="mall-mailbox" on:change=move |ev| {
                    let id = event_target_value(&ev).parse::<i64>().ok();
                    edit(&|s| s.mailbox_id = id)
                }>
                    <option value="" selected=move || settings.get().is_some_and(|s| s.mailbox_id.is_none())>{tr("mall-no-mailbox")}</option>
                    {move || mailboxes.get().into_iter().map(|m| {
                        let id = m.id;
                        view! { <option value=id.to_string() selected=move || settings.get().is_some_and(|s| s.mailbox_id == Some(id))>{m.address}</option> }
                    }).collect_view()}
                </select>
            </label>
            {[PaymentMethod::Test, PaymentMethod::Manual].into_iter().map(|m| {
                let key = format!("shop-pay-{}", m.as_str());
                view! {
                    <label class="check">
                        <input type="checkbox" data-testid=format!("mall-pay-{}", m.as_str())
                            prop:checked=move || settings.get().is_some_and(|s| s.payment_methods.contains(&m))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                edit(&|s| {
                                    s.payment_methods.retain(|x| *x != m);
                                    if on { s.payment_methods.push(m) }
                                })
                            } />
                        {move || i18n.t(&key)}
                    </label>
                }
            }).collect_view()}
            <p class="muted">{tr("mall-settings-help")}</p>
            <button type="submit" data-testid="mall-settings-save">{tr("mall-save")}</button>
            <Show when=move || saved.get()><span class="muted" data-testid="mall-settings-saved">{tr("mall-saved")}</span></Show>
        </form>
    }
}
