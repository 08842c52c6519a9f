//! The division picker: browse province → city → district, or type part
//! of a name (南山, 深圳…) and pick from the matches shown with their full
//! path; chosen divisions show as chips. Works on the table shipped in
//! `core`, so it needs no round-trip.

use leptos::prelude::*;

use super::{division_path, divisions};
use crate::i18n::{tr, use_i18n};

#[component]
pub fn DivisionPicker(chosen: RwSignal<Vec<u32>>, testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    // Browsing below this division (none: the provinces).
    let below = RwSignal::new(None::<u32>);
    let matches = Memo::new(move |_| {
        let found = query.with(|q| {
            if q.trim().is_empty() {
                divisions().children(below.get())
            } else {
                divisions().search(q, 20)
            }
        });
        found.into_iter().map(|d| d.code).collect::<Vec<_>>()
    });
    let has_children = |code: u32| !divisions().children(Some(code)).is_empty();
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
            <Show when=move || below.with(Option::is_some) && query.with(|q| q.trim().is_empty())>
                <button type="button" class="link" data-testid=format!("{testid}-up")
                    on:click=move |_| below.update(|b| *b = b.and_then(|code| divisions().parent(code)))>
                    "‹ "{tr("dispatch-division-up")}
                </button>
            </Show>
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
                        {has_children(code).then(|| view! {
                            <button type="button" class="link" data-testid=format!("{testid}-open-{code}")
                                aria-label=move || i18n.t("dispatch-division-open")
                                on:click=move |_| { query.set(String::new()); below.set(Some(code)); }>"›"</button>
                        })}
                    </li>
                </For>
            </ul>
            <Show when=move || !query.with(String::is_empty) && matches.with(Vec::is_empty)>
                <p class="muted">{tr("dispatch-division-none")}</p>
            </Show>
        </div>
    }
}
