//! Prices in the app, for admins: price lists by audience (end customers,
//! or a provider tier) with validity dates and a price per item (blank:
//! the list price applies), and each provider's tier.

use std::collections::BTreeMap;

use fieldesk_core::mall::catalog::Item;
use fieldesk_core::mall::money::{Currency, Money};
use fieldesk_core::mall::price::{Audience, PriceList, PriceListBody};
use fieldesk_core::mall::{MallAnswer, MallCommand, PricesView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Message;
use crate::api::mall;
use crate::i18n::{tr, use_i18n};

/// `2026-12-08` (UTC midnight) ↔ unix seconds.
fn day_to_secs(text: &str) -> Option<i64> {
    let ms = js_sys::Date::parse(&format!("{}T00:00:00Z", text.trim()));
    (!ms.is_nan()).then_some((ms / 1000.0) as i64)
}

fn secs_to_day(secs: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs as f64 * 1000.0));
    String::from(d.to_iso_string()).chars().take(10).collect()
}

#[component]
pub fn Prices() -> impl IntoView {
    let i18n = use_i18n();
    let prices = RwSignal::new(None::<PricesView>);
    let error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<Option<PriceList>>);
    let reload = move || {
        spawn_local(async move {
            match mall::call(MallCommand::Prices).await {
                Ok(MallAnswer::Prices(p)) => prices.set(Some(p)),
                Ok(_) => {}
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    reload();
    let set_tier = move |provider_id: i64, text: String| {
        let tier = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        spawn_local(async move {
            match mall::call(MallCommand::SetTier { provider_id, tier }).await {
                Ok(MallAnswer::Prices(p)) => {
                    error.set(None);
                    prices.set(Some(p))
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    let audience = move |a: &Audience| match a {
        Audience::Customers => i18n.t("mall-audience-customers"),
        Audience::Providers(tier) => i18n.t_with("mall-audience-tier", "tier", tier.clone()),
    };
    view! {
        <Show when=move || error.get().is_some()>
            <p class="error" role="alert" data-testid="mall-prices-error">{move || error.get().unwrap_or_default()}</p>
        </Show>
        <h3>{tr("mall-price-lists")}</h3>
        <table class="list" data-testid="mall-price-lists">
            <thead><tr>
                <th>{tr("mall-price-list-name")}</th><th>{tr("mall-audience")}</th>
                <th>{tr("mall-valid-from")}</th><th>{tr("mall-valid-until")}</th><th>{tr("mall-prices-count-head")}</th><th></th>
            </tr></thead>
            <tbody>
                {move || prices.get().map(|p| p.lists.into_iter().map(|l| {
                    let list = l.clone();
                    view! {
                        <tr data-testid="mall-price-list" data-name=l.body.name.clone()>
                            <td>{l.body.name.clone()}</td>
                            <td>{audience(&l.body.audience)}</td>
                            <td>{l.body.valid_from.map(secs_to_day).unwrap_or_default()}</td>
                            <td>{l.body.valid_until.map(secs_to_day).unwrap_or_default()}</td>
                            <td>{l.body.prices.len()}</td>
                            <td><button type="button" class="secondary" data-testid="mall-price-list-edit"
                                on:click=move |_| editing.set(Some(Some(list.clone())))>{tr("mall-edit")}</button></td>
                        </tr>
                    }
                }).collect_view())}
            </tbody>
        </table>
        <button type="button" data-testid="mall-price-list-new" on:click=move |_| editing.set(Some(None))>{tr("mall-new-price-list")}</button>
        {move || editing.get().map(|list| view! {
            <PriceListForm list items=prices.with_untracked(|p| p.as_ref().map(|p| p.items.clone()).unwrap_or_default())
                done=Callback::new(move |saved: bool| { editing.set(None); if saved { reload() } }) error />
        })}
        <h3>{tr("mall-provider-tiers")}</h3>
        <p class="muted">{tr("mall-provider-tiers-help")}</p>
        <table class="list" data-testid="mall-provider-tiers">
            <tbody>
                {move || prices.get().map(|p| p.tiers.into_iter().map(|t| {
                    let id = t.provider_id;
                    view! {
                        <tr data-testid="mall-provider-tier" data-provider=t.name.clone()>
                            <td>{t.name.clone()}</td>
                            <td><input data-testid="mall-tier" prop:value=t.tier.clone().unwrap_or_default()
                                placeholder=move || i18n.t("mall-tier-placeholder")
                                on:change=move |ev| set_tier(id, event_target_value(&ev)) /></td>
                        </tr>
                    }
                }).collect_view())}
            </tbody>
        </table>
    }
}

#[component]
fn PriceListForm(
    list: Option<PriceList>,
    items: Vec<Item>,
    done: Callback<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = list.as_ref().map(|l| l.id);
    let body = list.map(|l| l.body);
    let name = RwSignal::new(body.as_ref().map(|b| b.name.clone()).unwrap_or_default());
    let tier = RwSignal::new(match body.as_ref().map(|b| &b.audience) {
        Some(Audience::Providers(t)) => t.clone(),
        _ => String::new(),
    });
    let for_providers = RwSignal::new(matches!(
        body.as_ref().map(|b| &b.audience),
        Some(Audience::Providers(_))
    ));
    let from = RwSignal::new(
        body.as_ref()
            .and_then(|b| b.valid_from)
            .map(secs_to_day)
            .unwrap_or_default(),
    );
    let until = RwSignal::new(
        body.as_ref()
            .and_then(|b| b.valid_until)
            .map(secs_to_day)
            .unwrap_or_default(),
    );
    let currency = items
        .first()
        .map(|i| i.body.list_price.currency)
        .unwrap_or(Currency::CNY);
    // Prices of items not on screen are kept as they are.
    let known: BTreeMap<i64, i64> = body.as_ref().map(|b| b.prices.clone()).unwrap_or_default();
    let row = move |item: Item| {
        let now = known
            .get(&item.id)
            .map(|minor| Money::new(*minor, currency).amount())
            .unwrap_or_default();
        (item, RwSignal::new(now))
    };
    let rows = RwSignal::new(items.into_iter().map(row.clone()).collect::<Vec<_>>());
    let q = RwSignal::new(String::new());
    let find = move || {
        let query = Some(q.get_untracked()).filter(|s| !s.trim().is_empty());
        let row = row.clone();
        spawn_local(async move {
            match mall::call(MallCommand::Catalog { q: query }).await {
                Ok(MallAnswer::Catalog(c)) => rows.update(|all| {
                    for item in c.items {
                        if !all.iter().any(|(i, _)| i.id == item.id) {
                            all.push(row(item));
                        }
                    }
                }),
                Ok(_) => {}
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    let find = StoredValue::new(find);
    let kept = body.as_ref().map(|b| b.prices.clone()).unwrap_or_default();
    let save = move || {
        let mut map = kept.clone();
        for (item, text) in rows.get_untracked() {
            let text = text.get_untracked();
            if text.trim().is_empty() {
                map.remove(&item.id);
                continue;
            }
            let Some(price) = Money::parse(&text, currency) else {
                error.set(Some(i18n.t("error-invalid-price-list")));
                return;
            };
            map.insert(item.id, price.minor);
        }
        let day = |s: RwSignal<String>| {
            let t = s.get_untracked();
            if t.trim().is_empty() {
                Ok(None)
            } else {
                day_to_secs(&t).map(Some).ok_or(())
            }
        };
        let (Ok(valid_from), Ok(valid_until)) = (day(from), day(until)) else {
            error.set(Some(i18n.t("error-invalid-price-list")));
            return;
        };
        let body = PriceListBody {
            name: name.get_untracked(),
            audience: if for_providers.get_untracked() {
                Audience::Providers(tier.get_untracked().trim().to_owned())
            } else {
                Audience::Customers
            },
            currency,
            valid_from,
            valid_until,
            prices: map,
        };
        spawn_local(async move {
            match mall::call(MallCommand::SavePriceList { id, body }).await {
                Ok(_) => {
                    error.set(None);
                    done.run(true)
                }
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    view! {
        <form class="mall-price-list" data-testid="mall-price-list-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <label>{tr("mall-price-list-name")}
                <input data-testid="mall-price-list-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) /></label>
            <label>{tr("mall-audience")}
                <select data-testid="mall-price-list-audience" on:change=move |ev| for_providers.set(event_target_value(&ev) == "providers")>
                    <option value="customers" selected=move || !for_providers.get()>{tr("mall-audience-customers")}</option>
                    <option value="providers" selected=move || for_providers.get()>{tr("mall-audience-providers")}</option>
                </select></label>
            <Show when=move || for_providers.get()>
                <label>{tr("mall-tier")}
                    <input data-testid="mall-price-list-tier" prop:value=move || tier.get() on:input=move |ev| tier.set(event_target_value(&ev)) /></label>
            </Show>
            <label>{tr("mall-valid-from")}
                <input type="date" data-testid="mall-price-list-from" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) /></label>
            <label>{tr("mall-valid-until")}
                <input type="date" data-testid="mall-price-list-until" prop:value=move || until.get() on:input=move |ev| until.set(event_target_value(&ev)) /></label>
            <div class="search">
                <input type="search" data-testid="mall-price-list-find" placeholder=move || i18n.t("shop-search")
                    prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); find.with_value(|f| f()) } />
                <button type="button" data-testid="mall-price-list-find-go" on:click=move |_| find.with_value(|f| f())>{tr("shop-search-go")}</button>
            </div>
            <table class="list">
                <thead><tr><th>"SKU"</th><th>{tr("mall-item-name")}</th><th>{tr("mall-list-price")}</th><th>{tr("mall-price-in-list")}</th></tr></thead>
                <tbody>
                    {move || rows.get().into_iter().map(|(item, text)| view! {
                        <tr data-testid="mall-price-row" data-sku=item.body.sku.clone()>
                            <td>{item.body.sku.clone()}</td>
                            <td>{item.body.name.get(i18n.locale.get_untracked()).to_owned()}</td>
                            <td>{item.body.list_price.display()}</td>
                            <td><input class="stock" data-testid="mall-price-input" inputmode="decimal" prop:value=move || text.get()
                                on:input=move |ev| text.set(event_target_value(&ev)) /></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <div class="actions">
                <button type="submit" data-testid="mall-price-list-save">{tr("mall-save")}</button>
                <button type="button" class="secondary" data-testid="mall-price-list-cancel" on:click=move |_| done.run(false)>{tr("mall-close")}</button>
            </div>
        </form>
    }
}
