//! Service groups: named teams conversations are transferred to.

use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::chat;
use crate::i18n::{tr, use_i18n};

#[component]
pub fn GroupsPanel() -> impl IntoView {
    let i18n = use_i18n();
    let groups = RwSignal::new(Vec::<ServiceGroup>::new());
    let people = RwSignal::new(Vec::<fieldesk_core::chat::ChatAgent>::new());
    let editing = RwSignal::new(None::<i64>);
    let name = RwSignal::new(String::new());
    let members = RwSignal::new(Vec::<i64>::new());
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match chat::groups().await {
                Ok(list) => groups.set(list),
                Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
            }
        })
    };
    reload();
    spawn_local(async move {
        if let Ok(list) = chat::agents().await {
            people.set(list);
        }
    });
    let clear = move || {
        editing.set(None);
        name.set(String::new());
        members.set(vec![]);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = ServiceGroupInput {
            name: name.get_untracked(),
            member_ids: members.get_untracked(),
        };
        let id = editing.get_untracked();
        spawn_local(async move {
            match chat::save_group(id, &input).await {
                Ok(_) => {
                    error.set(None);
                    clear();
                    reload();
                }
                Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
            }
        });
    };
    let member_names = move |ids: &[i64]| {
        people.with(|p| {
            p.iter()
                .filter(|a| ids.contains(&a.user_id))
                .map(|a| a.display_name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    view! {
        <section class="panel admin" data-testid="groups">
            <h2>{tr("admin-groups")}</h2>
            <ul class="articles">
                <For each=move || groups.get() key=|g| (g.id, g.name.clone(), g.member_ids.clone()) let:g>
                    {
                        let group = g.clone();
                        let id = g.id;
                        let ids = g.member_ids.clone();
                        view! {
                            <li data-testid="group">
                                <button class="link" on:click=move |_| {
                                    editing.set(Some(group.id));
                                    name.set(group.name.clone());
                                    members.set(group.member_ids.clone());
                                }>{g.name.clone()}</button>
                                <span class="muted">{move || member_names(&ids)}</span>
                                <button class="link" data-testid="group-delete" on:click=move |_| {
                                    spawn_local(async move {
                                        match chat::delete_group(id).await {
                                            Ok(()) => reload(),
                                            Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
                                        }
                                    });
                                }>{tr("admin-delete")}</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <form class="group-form" on:submit=save>
                <input data-testid="group-name" placeholder=move || i18n.t("admin-group-name")
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <fieldset>
                    <legend>{tr("admin-group-members")}</legend>
                    {move || people.get().into_iter().map(|a| {
                        let uid = a.user_id;
                        view! {
                            <label class="check">
                                <input type="checkbox" data-testid=format!("member-{uid}")
                                    prop:checked=move || members.get().contains(&uid)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        members.update(|m| {
                                            m.retain(|x| *x != uid);
                                            if on { m.push(uid); }
                                        });
                                    } />
                                {a.display_name}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" data-testid="group-save">{tr("admin-save")}</button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" class="secondary" on:click=move |_| clear()>{tr("admin-cancel")}</button>
                </Show>
            </form>
            <Show when=move || error.get().is_some()>
                <div class="error" role="alert" data-testid="group-error">{move || error.get().unwrap_or_default()}</div>
            </Show>
        </section>
    }
}
