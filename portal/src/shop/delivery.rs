//! Where an order goes and how it is paid, as the buyer fills it in: the
//! cart's checkout and a proposal's approval share these fields.

use fieldesk_core::mall::{Delivery, PaymentMethod};
use leptos::prelude::*;

use super::Shop;

/// The delivery form's values: the recipient (the customer's name to
/// start), phone, address and the shop's first payment method.
#[derive(Clone, Copy)]
pub struct DeliveryForm {
    name: RwSignal<String>,
    phone: RwSignal<String>,
    address: RwSignal<String>,
    method: RwSignal<PaymentMethod>,
}

impl DeliveryForm {
    pub fn new(shop: Shop) -> Self {
        DeliveryForm {
            name: RwSignal::new(
                shop.customer
                    .get_untracked()
                    .map(|c| c.name)
                    .unwrap_or_default(),
            ),
            phone: RwSignal::new(String::new()),
            address: RwSignal::new(String::new()),
            method: RwSignal::new(
                shop.info
                    .get_untracked()
                    .and_then(|i| i.payment_methods.first().copied())
                    .unwrap_or(PaymentMethod::Manual),
            ),
        }
    }

    pub fn delivery(self) -> Delivery {
        Delivery::Address {
            name: self.name.get_untracked(),
            phone: self.phone.get_untracked(),
            address: self.address.get_untracked(),
        }
    }

    pub fn payment(self) -> PaymentMethod {
        self.method.get_untracked()
    }
}

/// The fields, their test ids `{prefix}-name`, `-phone`, `-address` and
/// `-payment`.
#[component]
pub fn DeliveryFields(shop: Shop, form: DeliveryForm, prefix: &'static str) -> impl IntoView {
    let i18n = shop.i18n;
    let DeliveryForm {
        name,
        phone,
        address,
        method,
    } = form;
    let text = move |label: &'static str,
                     value: RwSignal<String>,
                     field: &str,
                     kind: &'static str| {
        view! {
            <label><span>{move || i18n.t(label)}</span>
                <input data-testid=format!("{prefix}-{field}") type=kind prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev)) /></label>
        }
    };
    view! {
        <h2>{move || i18n.t("shop-delivery")}</h2>
        {text("shop-recipient", name, "name", "text")}
        {text("shop-phone", phone, "phone", "tel")}
        {text("shop-address", address, "address", "text")}
        <label><span>{move || i18n.t("shop-payment")}</span>
            <select data-testid=format!("{prefix}-payment") on:change=move |ev| {
                if let Some(m) = PaymentMethod::parse(&event_target_value(&ev)) { method.set(m) }
            }>
                {move || shop.info.get().map(|i| i.payment_methods).unwrap_or_default().into_iter().map(|m| {
                    let key = format!("shop-pay-{}", m.as_str());
                    view! { <option value=m.as_str() selected=move || method.get() == m>{move || i18n.t(&key)}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}
