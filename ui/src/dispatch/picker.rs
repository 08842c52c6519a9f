//! The division picker: type part of a name (南山, 深圳…), pick from the
//! matches shown with their full path; chosen divisions show as chips.
//! Works on the table shipped in `core`, so it needs no round-trip.

use leptos::prelude::*;

use super::{division_path, divisions};
use crate::i18n::{tr, use_i18n};

#[component]
pub fn DivisionPicker(chosen: RwSignal<Vec<u32>>, testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let matches = Memo::new(move |_| {
        query.with(|q| {
            divisions()
                .search(q, 20)
                .into_iter()
                .map(|d| d.code)
                .collect::<Vec<_>>()
        })
    });
    view! {
        <div class="division-picker">
            <ul class="chips" data-testid=format!("{testid}-chosen")>
                <For each=move || chosen.get() key=|c| *c let:code>
                    <li class="chip">
                        <span data-testid=format!("{testid}-chip-{code}")>{division_path(code)}</span>
                        <button type="button" class="link" aria-label=move || i18n.t("field-remove")
                            on:click=move |_| chosen.update(|c| c.retain(|x| *x != code))>"×"</button>
                    </li>
                </For>
            </ul>
            <input type="search" data-testid=format!("{testid}-search")
                placeholder=move || i18n.t("dispatch-division-search")
                aria-label=move || i18n.t("dispatch-division-search")
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev)) />
            <ul class="matches">
                <For each=move || matches.get() key=|c| *c let:code>
                    <li>
                        <button type="button" class="link" data-testid=format!("{testid}-pick-{code}")
                            on:click=move |_| {
                                chosen.update(|c| if !c.contains(&code) { c.push(code) });
                                query.set(String::new());
                            }>
                            {division_path(code)}" "<span class="muted">{code}</span>
                        </button>
                    </li>
                </For>
            </ul>
            <Show when=move || !query.with(String::is_empty) && matches.with(Vec::is_empty)>
                <p class="muted">{tr("dispatch-division-none")}</p>
            </Show>
        </div>
    }
}
