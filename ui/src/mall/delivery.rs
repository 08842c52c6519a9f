//! Where an order on a provider's account goes and how it is paid: one of
//! the provider's depots, or a site (recipient, phone, address). The
//! provider portal's cart and an engineer's parts for a device share it.

use fieldesk_core::mall::{
    Delivery, Location, LocationKind, MallAnswer, MallCommand, PaymentMethod,
};
use leptos::prelude::*;

use crate::api::mall;
use crate::i18n::tr;

#[derive(Clone, Copy)]
pub struct ProviderDelivery {
    depots: RwSignal<Vec<Location>>,
    /// The chosen depot; none: the site below.
    depot: RwSignal<Option<i64>>,
    name: RwSignal<String>,
    phone: RwSignal<String>,
    address: RwSignal<String>,
    method: RwSignal<PaymentMethod>,
}

impl ProviderDelivery {
    /// To a site with these details, until the depots are loaded.
    pub fn new(name: String, phone: String, address: String) -> Self {
        ProviderDelivery {
            depots: RwSignal::new(vec![]),
            depot: RwSignal::new(None),
            name: RwSignal::new(name),
            phone: RwSignal::new(phone),
            address: RwSignal::new(address),
            method: RwSignal::new(PaymentMethod::Manual),
        }
    }

    /// Asks for the provider's depots; the first is chosen.
    pub async fn load_depots(self) {
        if let Ok(MallAnswer::Locations(list)) = mall::call(MallCommand::Locations).await {
            let own: Vec<Location> = list
                .into_iter()
                .filter(|l| l.body.kind == LocationKind::Depot)
                .collect();
            self.depot.set(own.first().map(|l| l.id));
            self.depots.set(own);
        }
    }

    pub fn delivery(self) -> Delivery {
        match self.depot.get_untracked() {
            Some(location_id) => Delivery::Depot { location_id },
            None => Delivery::Address {
                name: self.name.get_untracked(),
                phone: self.phone.get_untracked(),
                address: self.address.get_untracked(),
            },
        }
    }

    pub fn payment(self) -> PaymentMethod {
        self.method.get_untracked()
    }
}

/// The fields, their test ids `{prefix}-deliver-to`, `-site-name`,
/// `-site-phone`, `-site-address` and `-payment-method`; `site` names the
/// choice of a site.
#[component]
pub fn ProviderDeliveryFields(
    form: ProviderDelivery,
    prefix: &'static str,
    site: &'static str,
) -> impl IntoView {
    let ProviderDelivery {
        depots,
        depot,
        name,
        phone,
        address,
        method,
    } = form;
    let text = move |label: &'static str, value: RwSignal<String>, field: &str| {
        view! {
            <label>{tr(label)}<input data-testid=format!("{prefix}-site-{field}") prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) /></label>
        }
    };
    view! {
        <label>{tr("mall-deliver-to")}
            <select data-testid=format!("{prefix}-deliver-to") on:change=move |ev| depot.set(event_target_value(&ev).parse::<i64>().ok())>
                {move || depots.get().into_iter().map(|l| {
                    let id = l.id;
                    view! { <option value=id.to_string() selected=move || depot.get() == Some(id)>{l.body.name}</option> }
                }).collect_view()}
                <option value="" selected=move || depot.get().is_none()>{tr(site)}</option>
            </select>
        </label>
        <Show when=move || depot.get().is_none()>
            {text("shop-recipient", name, "name")}
            {text("shop-phone", phone, "phone")}
            {text("shop-address", address, "address")}
        </Show>
        <label>{tr("shop-payment")}
            <select data-testid=format!("{prefix}-payment-method") on:change=move |ev| {
                if let Some(m) = PaymentMethod::parse(&event_target_value(&ev)) { method.set(m) }
            }>
                <option value="manual">{tr("shop-pay-manual")}</option>
                <option value="test">{tr("shop-pay-test")}</option>
            </select>
        </label>
    }
}
