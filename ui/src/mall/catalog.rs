//! The catalog in the app: every item (on sale or not) with its stock per
//! location; admins add and change items (names and descriptions in three
//! languages, fitting models, photos, list price, original, on sale), admins and
//! the warehouse count stock (fewer than are reserved is refused).

use fieldesk_core::Role;
use fieldesk_core::mall::catalog::{Item, ItemBody, ItemKind, LocalizedText};
use fieldesk_core::mall::money::{Currency, Money};
use fieldesk_core::mall::{CatalogView, MallAnswer, MallCommand, StockBody};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Message;
use super::photo::{ItemPhoto, PhotoEditor};
use crate::api::mall;
use crate::i18n::{tr, use_i18n};

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
    let runs = role.runs_mall();
    // The item being changed (none: a new one).
    let editing = RwSignal::new(None::<Item>);
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
                <th></th><th>"SKU"</th><th>{tr("mall-item-name")}</th><th>{tr("mall-list-price")}</th>
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
                                <td class="thumb"><ItemPhoto id=item.body.photos.first().cloned() /></td>
                                <td>{item.body.sku.clone()}</td>
                                <td>{item.body.name.get(i18n.locale.get_untracked()).to_owned()}
                                    {(!item.body.enabled).then(|| view! { " "<span class="badge">{tr("mall-not-on-sale")}</span> })}</td>
                                <td>{item.body.list_price.display()}</td>
                                {cells}
                                {runs.then(|| {
                                    let item = item.clone();
                                    view! { <td><button type="button" class="secondary" data-testid="mall-item-edit"
                                        on:click=move |_| editing.set(Some(item.clone()))>{tr("mall-edit")}</button></td> }
                                })}
                            </tr>
                        }
                    }).collect_view()
                })}
            </tbody>
        </table>
        {move || runs.then(|| {
            let item = editing.get();
            view! { <ItemForm item reload=Callback::new(move |()| { editing.set(None); reload() }) error /> }
        })}
    }
}

/// A new item, or `item` changed: names and descriptions in three
/// languages, unit, category, fitting models, list price, original part,
/// service, on sale.
#[component]
fn ItemForm(
    item: Option<Item>,
    reload: Callback<()>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = item.as_ref().map(|i| i.id);
    let b = item.map(|i| i.body);
    let text = |f: fn(&ItemBody) -> String| RwSignal::new(b.as_ref().map(f).unwrap_or_default());
    let sku = text(|b| b.sku.clone());
    let zh_cn = text(|b| b.name.zh_cn.clone());
    let zh_tw = text(|b| b.name.zh_tw.clone());
    let en = text(|b| b.name.en.clone());
    let d_zh_cn = text(|b| b.description.zh_cn.clone());
    let d_zh_tw = text(|b| b.description.zh_tw.clone());
    let d_en = text(|b| b.description.en.clone());
    let unit = RwSignal::new(
        b.as_ref()
            .map_or_else(|| "个".to_owned(), |b| b.unit.clone()),
    );
    let category = text(|b| b.category.clone());
    let models = text(|b| b.models.join(", "));
    let price = text(|b| b.list_price.amount());
    let currency = b.as_ref().map_or(Currency::CNY, |b| b.list_price.currency);
    let photos = RwSignal::new(b.as_ref().map(|b| b.photos.clone()).unwrap_or_default());
    let service = RwSignal::new(b.as_ref().is_some_and(|b| !b.kind.stocked()));
    let original = RwSignal::new(b.as_ref().is_none_or(|b| b.original));
    let enabled = RwSignal::new(b.as_ref().is_none_or(|b| b.enabled));
    let input = move |key: &'static str, value: RwSignal<String>, testid: &'static str| {
        view! {
            <label>{tr(key)}
                <input data-testid=testid prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    let check = move |key: &'static str, value: RwSignal<bool>, testid: &'static str| {
        view! {
            <label class="check">
                <input type="checkbox" data-testid=testid prop:checked=move || value.get()
                    on:change=move |ev| value.set(event_target_checked(&ev)) />
                {tr(key)}
            </label>
        }
    };
    let submit = move || {
        let Some(list_price) = Money::parse(&price.get_untracked(), currency) else {
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
            description: LocalizedText {
                zh_cn: d_zh_cn.get_untracked(),
                zh_tw: d_zh_tw.get_untracked(),
                en: d_en.get_untracked(),
            },
            original: original.get_untracked(),
            unit: unit.get_untracked(),
            category: category.get_untracked(),
            photos: photos.get_untracked(),
            models: models
                .get_untracked()
                .split([',', '，'])
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
            list_price,
            enabled: enabled.get_untracked(),
        };
        spawn_local(async move {
            match mall::call(MallCommand::SaveItem { id, body }).await {
                Ok(_) => {
                    error.set(None);
                    reload.run(());
                }
                Err(e) => error.set(Some(e.message_or(i18n))),
            }
        })
    };
    view! {
        <form class="mall-new-item" data-testid="mall-new-item" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <h4>{tr(if id.is_some() { "mall-edit-item" } else { "mall-new-item" })}</h4>
            {input("mall-sku", sku, "mall-item-sku")}
            {input("mall-name-zh-cn", zh_cn, "mall-item-zh-cn")}
            {input("mall-name-zh-tw", zh_tw, "mall-item-zh-tw")}
            {input("mall-name-en", en, "mall-item-en")}
            {input("mall-description-zh-cn", d_zh_cn, "mall-item-description-zh-cn")}
            {input("mall-description-zh-tw", d_zh_tw, "mall-item-description-zh-tw")}
            {input("mall-description-en", d_en, "mall-item-description-en")}
            {input("mall-unit", unit, "mall-item-unit")}
            {input("mall-category", category, "mall-item-category")}
            {input("mall-models", models, "mall-item-models")}
            {input("mall-list-price", price, "mall-item-price")}
            <PhotoEditor photos error />
            {check("mall-is-service", service, "mall-item-service")}
            {check("mall-is-original", original, "mall-item-original")}
            {check("mall-on-sale", enabled, "mall-item-enabled")}
            <div class="actions">
                <button type="submit" data-testid="mall-item-save">{tr(if id.is_some() { "mall-save" } else { "mall-add-item" })}</button>
                {id.is_some().then(|| view! {
                    <button type="button" class="secondary" data-testid="mall-item-cancel" on:click=move |_| reload.run(())>{tr("mall-close")}</button>
                })}
            </div>
        </form>
    }
}
