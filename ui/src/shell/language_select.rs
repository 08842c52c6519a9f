//! The language selector: switches the UI at once and remembers the choice.

use fieldesk_core::Locale;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::i18n::{tr, use_i18n};

#[component]
pub fn LanguageSelect() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev| {
        let locale = Locale::negotiate(&event_target_value(&ev));
        i18n.locale.set(locale);
        spawn_local(async move {
            if let Err(e) = api::set_locale(locale).await {
                web_sys::console::error_1(&format!("saving the language: {e:?}").into());
            }
        });
    };
    view! {
        <label class="language">
            <span class="visually-hidden">{tr("language-label")}</span>
            <select
                data-testid="language-select"
                aria-label=tr("language-label")
                prop:value=move || i18n.locale.get().tag()
                on:change=on_change
            >
                {Locale::ALL
                    .into_iter()
                    .map(|l| {
                        let key = l.name_key();
                        view! {
                            <option value=l.tag() selected=move || i18n.locale.get() == l>
                                {tr(key)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
