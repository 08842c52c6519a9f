//! Quick-reply management: an agent's own replies and groups (create,
//! edit, delete, reorder; groups created, renamed, deleted) and the
//! enterprise's (admins change them, with their knowledge space; others
//! read them), and — for admins — the channels quick replies are on in.

use fieldesk_core::Role;
use fieldesk_core::layout::Channel;
use fieldesk_core::quick_reply::{QuickReply, QuickReplyChange, QuickReplyInput, Tier};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::context::WorkbenchState;
use crate::api::workbench;
use crate::i18n::{error_text, tr, use_i18n};

#[component]
pub fn QuickRepliesPanel(bench: WorkbenchState, role: Role) -> impl IntoView {
    let i18n = use_i18n();
    let tier = RwSignal::new(Tier::Personal);
    let error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<QuickReply>);
    let can_edit = move || tier.get() == Tier::Personal || role == Role::Admin;
    let change = move |change: QuickReplyChange, after: Box<dyn FnOnce() + Send + Sync>| {
        let done =
            bench.change_replies(async move { workbench::change_quick_replies(&change).await });
        spawn_local(async move {
            match done.await {
                Ok(()) => {
                    error.set(None);
                    after();
                }
                Err(e) => error.set(Some(error_text(i18n, &e))),
            }
        });
    };
    let replies = move || {
        bench
            .book
            .get()
            .replies
            .into_iter()
            .filter(|r| r.tier == tier.get())
            .collect::<Vec<_>>()
    };
    let groups = move || {
        bench
            .book
            .get()
            .groups
            .into_iter()
            .filter(|g| g.tier == tier.get())
            .collect::<Vec<_>>()
    };
    let reorder = move |at: usize, up: bool| {
        let mut ids: Vec<i64> = replies().iter().map(|r| r.id).collect();
        let other = if up { at.checked_sub(1) } else { Some(at + 1) };
        let Some(other) = other.filter(|o| *o < ids.len()) else {
            return;
        };
        ids.swap(at, other);
        change(
            QuickReplyChange::Order {
                tier: tier.get_untracked(),
                ids,
            },
            Box::new(|| ()),
        );
    };
    let group_name = move |id: Option<i64>| {
        id.and_then(|id| {
            bench
                .book
                .with(|b| b.groups.iter().find(|g| g.id == id).map(|g| g.name.clone()))
        })
    };
    let new_group = RwSignal::new(String::new());

    view! {
        <section class="admin quick-replies" data-testid="quick-replies-view">
            <h2>{tr("view-quick-replies")}</h2>
            <nav class="tabs" role="tablist">
                {[Tier::Personal, Tier::Enterprise].into_iter().map(|t| view! {
                    <button class="tab" role="tab" class:active=move || tier.get() == t
                        aria-selected=move || (tier.get() == t).to_string()
                        data-testid=format!("replies-tab-{}", t.as_str())
                        on:click=move |_| { tier.set(t); editing.set(None); }>
                        {tr(crate::chat::tier_key(t))}
                    </button>
                }).collect_view()}
            </nav>
            <Show when=move || !can_edit()>
                <p class="muted">{tr("quick-reply-read-only")}</p>
            </Show>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="replies-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <fieldset>
                <legend>{tr("quick-reply-groups")}</legend>
                <ul class="group-list">
                    {move || groups().into_iter().map(|g| {
                        let (id, t) = (g.id, g.tier);
                        let name = RwSignal::new(g.name.clone());
                        view! {
                            <li data-testid="reply-group" data-name=g.name.clone()>
                                <input prop:value=move || name.get() disabled=move || !can_edit()
                                    aria-label=move || i18n.t("quick-reply-group-name")
                                    on:input=move |ev| name.set(event_target_value(&ev)) />
                                <Show when=can_edit>
                                    <button class="secondary" data-testid="group-rename" on:click=move |_| change(
                                        QuickReplyChange::SaveGroup { tier: t, id: Some(id), name: name.get_untracked() }, Box::new(|| ()))>
                                        {tr("quick-reply-rename")}</button>
                                    <button class="secondary danger" data-testid="group-delete" on:click=move |_| change(
                                        QuickReplyChange::DeleteGroup { tier: t, id }, Box::new(|| ()))>
                                        {tr("layout-delete")}</button>
                                </Show>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <Show when=can_edit>
                    <div class="add-row">
                        <input data-testid="group-new-name" placeholder=move || i18n.t("quick-reply-group-name")
                            aria-label=move || i18n.t("quick-reply-group-name")
                            prop:value=move || new_group.get() on:input=move |ev| new_group.set(event_target_value(&ev)) />
                        <button class="secondary" data-testid="group-add" on:click=move |_| change(
                            QuickReplyChange::SaveGroup { tier: tier.get_untracked(), id: None, name: new_group.get_untracked() },
                            Box::new(move || new_group.set(String::new())))>{tr("layout-add")}</button>
                    </div>
                </Show>
            </fieldset>
            <ol class="reply-list">
                {move || replies().into_iter().enumerate().map(|(i, r)| {
                    let edit = r.clone();
                    let id = r.id;
                    view! {
                        <li class="reply-row" data-testid="reply-row" data-title=r.title.clone()>
                            <div class="reply-head">
                                <strong>{r.title.clone()}</strong>
                                {(!r.shortcut.is_empty()).then(|| view! { <kbd>{format!("/{}", r.shortcut)}</kbd> })}
                                {group_name(r.group).map(|g| view! { <span class="badge">{g}</span> })}
                                {r.space.clone().map(|s| view! { <span class="badge">{s}</span> })}
                                <div class="spacer"></div>
                                <Show when=can_edit>
                                    <button class="secondary icon" aria-label=move || i18n.t("layout-move-up")
                                        data-testid="reply-up" on:click=move |_| reorder(i, true)>"↑"</button>
                                    <button class="secondary icon" aria-label=move || i18n.t("layout-move-down")
                                        on:click=move |_| reorder(i, false)>"↓"</button>
                                    <button class="secondary" data-testid="reply-edit"
                                        on:click={let edit = edit.clone(); move |_| editing.set(Some(edit.clone()))}>{tr("layout-edit")}</button>
                                    <button class="secondary danger" data-testid="reply-delete" on:click=move |_| change(
                                        QuickReplyChange::Delete { id }, Box::new(|| ()))>{tr("layout-delete")}</button>
                                </Show>
                            </div>
                            <p class="muted">{r.content.clone()}</p>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <Show when=can_edit>
                {move || {
                    let current = editing.get();
                    view! { <ReplyForm tier=tier.get() current groups=groups()
                        on_save=Callback::new(move |(id, input): (Option<i64>, QuickReplyInput)| change(
                            QuickReplyChange::Save { id, input }, Box::new(move || editing.set(None))))
                        on_cancel=Callback::new(move |_| editing.set(None)) /> }
                }}
            </Show>
            {(role == Role::Admin).then(|| view! { <Channels bench on_save=Callback::new(move |channels| change(
                QuickReplyChange::Channels { channels }, Box::new(|| ()))) /> })}
        </section>
    }
}

#[component]
fn ReplyForm(
    tier: Tier,
    current: Option<QuickReply>,
    groups: Vec<fieldesk_core::quick_reply::QuickReplyGroup>,
    on_save: Callback<(Option<i64>, QuickReplyInput)>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = current.as_ref().map(|r| r.id);
    let title = RwSignal::new(
        current
            .as_ref()
            .map(|r| r.title.clone())
            .unwrap_or_default(),
    );
    let shortcut = RwSignal::new(
        current
            .as_ref()
            .map(|r| r.shortcut.clone())
            .unwrap_or_default(),
    );
    let content = RwSignal::new(
        current
            .as_ref()
            .map(|r| r.content.clone())
            .unwrap_or_default(),
    );
    let space = RwSignal::new(
        current
            .as_ref()
            .and_then(|r| r.space.clone())
            .unwrap_or_default(),
    );
    let group = RwSignal::new(current.as_ref().and_then(|r| r.group));
    // One client id per form: a retried create is stored once.
    let client_id = crate::chat::new_client_id("q");
    let save = move |_| {
        on_save.run((
            id,
            QuickReplyInput {
                tier,
                group: group.get_untracked(),
                title: title.get_untracked(),
                shortcut: shortcut.get_untracked(),
                content: content.get_untracked(),
                space: Some(space.get_untracked()),
                client_id: id.is_none().then(|| client_id.clone()),
            },
        ))
    };
    view! {
        <form class="reply-form panel" data-testid="reply-form" on:submit=|ev| ev.prevent_default()>
            <h3>{if id.is_some() { tr("quick-reply-edit")() } else { tr("quick-reply-new")() }}</h3>
            <label>{tr("quick-reply-title")}
                <input data-testid="reply-title" maxlength="100" prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev)) /></label>
            <label>{tr("quick-reply-shortcut")}
                <input data-testid="reply-shortcut" maxlength="30" prop:value=move || shortcut.get()
                    on:input=move |ev| shortcut.set(event_target_value(&ev)) /></label>
            <label>{tr("quick-reply-group")}
                <select data-testid="reply-group-select" on:change=move |ev| group.set(event_target_value(&ev).parse().ok())>
                    <option value="" selected=move || group.get().is_none()>{tr("quick-reply-no-group")}</option>
                    {groups.into_iter().map(|g| {
                        let gid = g.id;
                        view! { <option value=gid.to_string() selected=move || group.get() == Some(gid)>{g.name}</option> }
                    }).collect_view()}
                </select></label>
            {(tier == Tier::Enterprise).then(|| view! {
                <label>{tr("quick-reply-space")}
                    <input data-testid="reply-space" prop:value=move || space.get()
                        on:input=move |ev| space.set(event_target_value(&ev)) /></label>
            })}
            <label>{tr("quick-reply-content")}
                <textarea data-testid="reply-content" rows="4" prop:value=move || content.get()
                    on:input=move |ev| content.set(event_target_value(&ev))></textarea></label>
            <p class="muted">{tr("quick-reply-variables")}</p>
            <div class="form-end">
                <button type="button" data-testid="reply-save" on:click=save>{tr("layout-save")}</button>
                {id.is_some().then(|| view! {
                    <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{tr("layout-cancel")}</button>
                })}
                <span class="muted">{move || i18n.t_with("quick-reply-length", "count", content.get().chars().count().to_string())}</span>
            </div>
        </form>
    }
}

#[component]
fn Channels(bench: WorkbenchState, on_save: Callback<Vec<Channel>>) -> impl IntoView {
    view! {
        <fieldset data-testid="reply-channels">
            <legend>{tr("quick-reply-channels")}</legend>
            {Channel::ALL.into_iter().map(|c| view! {
                <label class="check">
                    <input type="checkbox" data-testid=format!("reply-channel-{}", c.as_str())
                        prop:checked=move || bench.replies_on(c)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let mut all: Vec<Channel> = bench.book.get_untracked().channels;
                            all.retain(|x| *x != c);
                            if on { all.push(c); }
                            on_save.run(all);
                        } />
                    {tr(super::designer::channel_key(c))}
                </label>
            }).collect_view()}
        </fieldset>
    }
}
