//! The catalog in the app: every item (on sale or not) with its stock per
//! location; admins add and change items, admins and the warehouse count
//! stock (fewer than are reserved for orders is refused).

use fieldesk_core::Role;
use fieldesk_core::mall::catalog::{ItemBody, ItemKind, LocalizedText};
use fieldesk_core::mall::money::{Currency, Money};
use fieldesk_core::mall::{CatalogView, MallAnswer, MallCommand, StockBody};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Message;
use crate::api::mall;
use crate::i18n::{tr, use_i18n};

/// "1,234.5" → 123450 minor units (two decimals).
fn minor(text: &str) -> Option<i64> {
    let t = text.trim().replace([',', '¥', ' '], "");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if frac.len() > 2 || whole.is_empty() {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    whole.checked_mul(100)?.checked_add(frac)
}

#[component]
pub fn Catalog(role: Role) -> impl IntoView {
    let i18n = use_i18n();
    let view_ = RwSignal::new(None::<CatalogView>);
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match mall::call(MallCommand::Catalog { q: None }).await {
                Ok(MallAnswer::Catalog(c)) => view_.set(Some(c)),
                Ok(_) => {}
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    reload();
    let set_stock = move |item_id: i64, location_id: i64, text: String| {
        let Ok(on_hand) = text.trim().parse::<i64>() else {
            error.set(Some(i18n.t("error-invalid-quantity")));
            return;
        };
        spawn_local(async move {
            match mall::call(MallCommand::SetStock {
                body: StockBody {
                    item_id,
                    location_id,
                    on_hand,
                },
            })
            .await
            {
                Ok(_) => {
                    error.set(None);
                    reload()
                }
                Err(e) => {
                    error.set(Some(e.message_or(i18n)));
                    reload()
                }
            }
        })
    };
    view! {
        <Show when=move || error.get().is_some()>
            <p class="error" role="alert" data-testid="mall-catalog-error">{move || error.get().unwrap_or_default()}</p>
        </Show>
        <table class="list" data-testid="mall-items">
            <thead><tr>
                <th>"SKU"</th><th>{tr("mall-item-name")}</th><th>{tr("mall-list-price")}</th>
                {move || view_.get().map(|c| c.locations).unwrap_or_default().into_iter().map(|l| view! { <th>{l.body.name}</th> }).collect_view()}
            </tr></thead>
            <tbody>
                {move || view_.get().map(|c| {
                    let CatalogView { items, stock, locations } = c;
                    items.into_iter().map(|item| {
                        let id = item.id;
                        let stocked = item.body.kind.stocked();
                        let cells = locations.iter().map(|l| {
                            let lid = l.id;
                            let level = stock.iter().find(|s| s.item_id == id && s.location_id == lid).copied();
                            let on_hand = level.map_or(0, |s| s.on_hand);
                            let reserved = level.map_or(0, |s| s.reserved);
                            view! {
                                <td>
                                    {stocked.then(|| view! {
                                        <input class="stock" type="number" min="0" data-testid="mall-stock"
                                            prop:value=on_hand.to_string()
                                            on:change=move |ev| set_stock(id, lid, event_target_value(&ev)) />
                                        <span class="muted">{i18n.t_with("mall-reserved", "count", reserved.to_string())}</span>
                                    })}
                                </td>
                            }
                        }).collect_view();
                        view! {
                            <tr data-testid="mall-item" data-sku=item.body.sku.clone() class:disabled=!item.body.enabled>
                                <td>{item.body.sku.clone()}</td>
                                <td>{item.body.name.get(i18n.locale.get_untracked()).to_owned()}</td>
                                <td>{item.body.list_price.display()}</td>
                                {cells}
                            </tr>
                        }
                    }).collect_view()
                })}
            </tbody>
        </table>
        {role.runs_mall().then(|| view! { <NewItem reload=Callback::new(move |()| reload()) error /> })}
    }
}

#[component]
fn NewItem(reload: Callback<()>, error: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let sku = RwSignal::new(String::new());
    let zh_cn = RwSignal::new(String::new());
    let zh_tw = RwSignal::new(String::new());
    let en = RwSignal::new(String::new());
    let service = RwSignal::new(false);
    let unit = RwSignal::new(String::from("个"));
    let category = RwSignal::new(String::new());
    let models = RwSignal::new(String::new());
    let price = RwSignal::new(String::new());
    let input = move |key: &'static str, value: RwSignal<String>, testid: &'static str| {
        view! {
            <label>{tr(key)}
                <input data-testid=testid prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    let submit = move || {
        let Some(minor) = minor(&price.get_untracked()) else {
            error.set(Some(i18n.t("error-invalid-catalog-item")));
            return;
        };
        let body = ItemBody {
            sku: sku.get_untracked(),
            kind: if service.get_untracked() {
                ItemKind::Service
            } else {
                ItemKind::Part
            },
            name: LocalizedText {
                zh_cn: zh_cn.get_untracked(),
                zh_tw: zh_tw.get_untracked(),
                en: en.get_untracked(),
            },
            description: LocalizedText::default(),
            original: true,
            unit: unit.get_untracked(),
            category: category.get_untracked(),
            photos: vec![],
            models: models
                .get_untracked()
                .split([',', '，'])
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
            list_price: Money::new(minor, Currency::CNY),
            enabled: true,
        };
        spawn_local(async move {
            match mall::call(MallCommand::SaveItem { id: None, body }).await {
                Ok(_) => {
                    error.set(None);
                    for s in [sku, zh_cn, zh_tw, en, models, price] {
                        s.set(String::new())
                    }
                    reload.run(());
                }
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    view! {
        <form class="mall-new-item" data-testid="mall-new-item" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <h4>{tr("mall-new-item")}</h4>
            {input("mall-sku", sku, "mall-item-sku")}
            {input("mall-name-zh-cn", zh_cn, "mall-item-zh-cn")}
            {input("mall-name-zh-tw", zh_tw, "mall-item-zh-tw")}
            {input("mall-name-en", en, "mall-item-en")}
            {input("mall-unit", unit, "mall-item-unit")}
            {input("mall-category", category, "mall-item-category")}
            {input("mall-models", models, "mall-item-models")}
            {input("mall-list-price", price, "mall-item-price")}
            <label class="check">
                <input type="checkbox" data-testid="mall-item-service" prop:checked=move || service.get()
                    on:change=move |ev| service.set(event_target_checked(&ev)) />
                {tr("mall-is-service")}
            </label>
            <button type="submit" data-testid="mall-item-save">{tr("mall-add-item")}</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::minor;

    #[test]
    fn prices_are_read_in_yuan() {
        assert_eq!(minor("128"), Some(12_800));
        assert_eq!(minor("1,234.5"), Some(123_450));
        assert_eq!(minor("¥0.05"), Some(5));
        assert_eq!(minor("1.234"), None);
        assert_eq!(minor("abc"), None);
        assert_eq!(minor(""), None);
    }
}
