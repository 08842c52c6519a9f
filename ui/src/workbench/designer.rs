//! The layout designer (supervisors, admins): layouts with their
//! chat-window buttons and sidebar panels (ordered; the AI agent's spaces,
//! assist and click-to-insert; web panels with templated URLs), clone,
//! delete, who sees which layout (each change saved at once, so switching
//! a team's layout is one step) and a preview as any role and channel.
//! The server checks every save; its localized reason is shown.

use fieldesk_core::Role;
use fieldesk_core::layout::{
    Action, App, Assignment, Button, Channel, Layout, LayoutBook, LayoutChange, Panel,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{Latest, workbench};
use crate::chat::{action_key, panel_key};
use crate::i18n::{I18n, error_text, tr, use_i18n};

const ACTIONS: [Action; 6] = [
    Action::QuickReplies,
    Action::Emoji,
    Action::Transfer,
    Action::EndConversation,
    Action::SatisfactionSurvey,
    Action::CreateWorkOrder,
];

/// The panels without settings, by name.
const SIMPLE_PANELS: [(&str, Panel); 6] = [
    ("visitor_profile", Panel::VisitorProfile),
    ("conversation_info", Panel::ConversationInfo),
    ("history", Panel::History),
    ("related_work_orders", Panel::RelatedWorkOrders),
    ("knowledge_search", Panel::KnowledgeSearch),
    ("quick_replies", Panel::QuickReplies),
];

const ROLES: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Admin];

fn action_wire(action: Action) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn app_key(app: App) -> &'static str {
    match app {
        App::Desktop => "layout-app-desktop",
        App::Mobile => "layout-app-mobile",
    }
}

pub(super) fn channel_key(channel: Channel) -> &'static str {
    match channel {
        Channel::WebChat => "layout-channel-web-chat",
        Channel::Email => "layout-channel-email",
    }
}

fn button_text(i18n: I18n, button: &Button) -> String {
    match button {
        Button::Builtin { action } => i18n.t(action_key(*action)),
        Button::OpenUrl { label, url } => format!("{label} → {url}"),
        Button::OpenPanel { label, panel } => format!("{label} → [{panel}]"),
    }
}

fn panel_text(i18n: I18n, panel: &Panel) -> String {
    match panel {
        Panel::Web { id, title, url } => format!("{title} [{id}] → {url}"),
        Panel::AiAgent {
            spaces,
            assist,
            click_to_insert,
        } => {
            let mut parts = vec![i18n.t("panel-ai-agent")];
            if !spaces.is_empty() {
                parts.push(spaces.join(", "));
            }
            if *assist {
                parts.push(i18n.t("layout-assist"));
            }
            if *click_to_insert {
                parts.push(i18n.t("layout-click-to-insert"));
            }
            parts.join(" · ")
        }
        other => i18n.t(panel_key(other)),
    }
}

fn moved<T: Clone>(list: &mut [T], at: usize, up: bool) {
    let other = if up { at.checked_sub(1) } else { Some(at + 1) };
    if let Some(other) = other.filter(|o| *o < list.len()) {
        list.swap(at, other);
    }
}

/// `"any"` or a wire name, for the assignment selects.
fn opt_wire<T: serde::Serialize>(value: Option<T>) -> String {
    value
        .and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "any".into())
}

fn from_wire<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

#[component]
pub fn LayoutsPanel() -> impl IntoView {
    let i18n = use_i18n();
    let book = RwSignal::new(LayoutBook::default());
    let editing = RwSignal::new(None::<Layout>);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    spawn_local(async move {
        match workbench::layout_book().await {
            Ok(b) => book.set(b),
            Err(e) => error.set(Some(error_text(i18n, &e))),
        }
    });
    let asked = Latest::new();
    let change = move |change: LayoutChange, after: Box<dyn FnOnce() + Send + Sync>| {
        saved.set(false);
        let ticket = asked.ticket();
        spawn_local(async move {
            match workbench::change_layouts(&change).await {
                Ok(b) => {
                    if asked.is_newest(ticket) {
                        book.set(b);
                    }
                    error.set(None);
                    saved.set(true);
                    after();
                }
                Err(e) => error.set(Some(error_text(i18n, &e))),
            }
        });
    };
    let new_layout = move |_| {
        editing.set(Some(Layout {
            name: String::new(),
            ..Layout::builtin(&i18n.t("layout-default-workbench-name"))
        }));
    };

    view! {
        <section class="admin layouts" data-testid="layouts-view">
            <h2>{tr("view-layouts")}</h2>
            <p class="muted">{tr("layout-precedence")}</p>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert" data-testid="layout-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || saved.get()>
                <p class="ok" role="status" data-testid="layout-saved">{tr("layout-saved")}</p>
            </Show>
            <ul class="layout-list">
                {move || book.get().layouts.into_iter().map(|l| {
                    let (id, name) = (l.id, l.name.clone());
                    let edit = l.clone();
                    let clone_name = format!("{} {}", l.name, i18n.t("layout-copy-suffix"));
                    view! {
                        <li class="layout-row" data-testid="layout-row" data-name=name.clone()>
                            <strong>{l.name.clone()}</strong>
                            <span class="muted">{l.workbench_name.clone()}</span>
                            <div class="spacer"></div>
                            <button class="secondary" data-testid="layout-edit"
                                on:click=move |_| editing.set(Some(edit.clone()))>{tr("layout-edit")}</button>
                            <button class="secondary" data-testid="layout-clone"
                                on:click=move |_| change(LayoutChange::Clone { id, name: clone_name.clone() }, Box::new(|| ()))>
                                {tr("layout-clone")}</button>
                            <button class="secondary danger" data-testid="layout-delete"
                                on:click=move |_| change(LayoutChange::Delete { id }, Box::new(move || {
                                    if editing.get_untracked().is_some_and(|e| e.id == id) { editing.set(None); }
                                }))>
                                {tr("layout-delete")}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <button data-testid="layout-new" on:click=new_layout>{tr("layout-new")}</button>
            {move || editing.get().map(|layout| view! {
                <Editor layout i18n
                    on_save=Callback::new(move |l: Layout| {
                        let id = (l.id != 0).then_some(l.id);
                        change(LayoutChange::Save { id, layout: l }, Box::new(move || editing.set(None)));
                    })
                    on_cancel=Callback::new(move |_| editing.set(None)) />
            })}
            <Assignments book i18n on_change=Callback::new(move |assignments: Vec<Assignment>| {
                change(LayoutChange::Assign { assignments }, Box::new(|| ()));
            }) />
            <Preview book i18n />
        </section>
    }
}

#[component]
fn Editor(
    layout: Layout,
    i18n: I18n,
    on_save: Callback<Layout>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let id = layout.id;
    let name = RwSignal::new(layout.name);
    let workbench_name = RwSignal::new(layout.workbench_name);
    let buttons = RwSignal::new(layout.buttons);
    let panels = RwSignal::new(layout.panels);
    // New-button and new-panel fields.
    let new_action = RwSignal::new(Action::QuickReplies);
    let url_label = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let panel_label = RwSignal::new(String::new());
    let panel_target = RwSignal::new(String::new());
    let new_panel = RwSignal::new("visitor_profile".to_owned());
    let spaces = RwSignal::new(String::new());
    let assist = RwSignal::new(true);
    let click_to_insert = RwSignal::new(true);
    let web_id = RwSignal::new(String::new());
    let web_title = RwSignal::new(String::new());
    let web_url = RwSignal::new(String::new());

    let add_panel = move |_| {
        let kind = new_panel.get_untracked();
        let panel = match kind.as_str() {
            "ai_agent" => Panel::AiAgent {
                spaces: crate::dispatch::split(&spaces.get_untracked()),
                assist: assist.get_untracked(),
                click_to_insert: click_to_insert.get_untracked(),
            },
            "web" => Panel::Web {
                id: web_id.get_untracked().trim().to_owned(),
                title: web_title.get_untracked().trim().to_owned(),
                url: web_url.get_untracked().trim().to_owned(),
            },
            other => match SIMPLE_PANELS.iter().find(|(n, _)| *n == other) {
                Some((_, p)) => p.clone(),
                None => return,
            },
        };
        panels.update(|p| p.push(panel));
    };
    let save = move |_| {
        on_save.run(Layout {
            id,
            name: name.get_untracked(),
            workbench_name: workbench_name.get_untracked(),
            buttons: buttons.get_untracked(),
            panels: panels.get_untracked(),
        })
    };
    let web_ids = move || {
        panels.with(|all| {
            all.iter()
                .filter_map(|p| match p {
                    Panel::Web { id, .. } => Some(id.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    };

    view! {
        <form class="layout-editor panel" data-testid="layout-editor" on:submit=|ev| ev.prevent_default()>
            <label>{tr("layout-name")}
                <input data-testid="layout-name" maxlength="100" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev)) /></label>
            <label>{tr("layout-workbench-name")}
                <input data-testid="layout-workbench-name" maxlength="100" prop:value=move || workbench_name.get()
                    on:input=move |ev| workbench_name.set(event_target_value(&ev)) /></label>
            <fieldset>
                <legend>{tr("layout-buttons")}</legend>
                <ol class="ordered">
                    {move || buttons.get().into_iter().enumerate().map(|(i, b)| view! {
                        <li data-testid="layout-button-row">
                            <span>{button_text(i18n, &b)}</span>
                            <OrderControls i18n at=i list=buttons />
                        </li>
                    }).collect_view()}
                </ol>
                <div class="add-row">
                    <select data-testid="layout-add-action" aria-label=move || i18n.t("layout-builtin")
                        on:change=move |ev| if let Some(a) = from_wire(&event_target_value(&ev)) { new_action.set(a) }>
                        {ACTIONS.into_iter().map(|a| view! {
                            <option value=action_wire(a) selected=move || new_action.get() == a>{tr(action_key(a))}</option>
                        }).collect_view()}
                    </select>
                    <button type="button" class="secondary" data-testid="layout-add-builtin"
                        on:click=move |_| buttons.update(|b| b.push(Button::Builtin { action: new_action.get_untracked() }))>
                        {tr("layout-add")}</button>
                </div>
                <div class="add-row">
                    <input data-testid="layout-url-label" placeholder=move || i18n.t("layout-label")
                        aria-label=move || i18n.t("layout-label")
                        prop:value=move || url_label.get() on:input=move |ev| url_label.set(event_target_value(&ev)) />
                    <input data-testid="layout-url" placeholder="https://crm.example.com/?v={{visitor.name}}"
                        aria-label=move || i18n.t("layout-url")
                        prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) />
                    <button type="button" class="secondary" data-testid="layout-add-url" on:click=move |_| {
                        buttons.update(|b| b.push(Button::OpenUrl { label: url_label.get_untracked().trim().to_owned(), url: url.get_untracked().trim().to_owned() }));
                    }>{tr("layout-add-url")}</button>
                </div>
                <div class="add-row">
                    <input data-testid="layout-panel-label" placeholder=move || i18n.t("layout-label")
                        aria-label=move || i18n.t("layout-label")
                        prop:value=move || panel_label.get() on:input=move |ev| panel_label.set(event_target_value(&ev)) />
                    <select data-testid="layout-panel-target" aria-label=move || i18n.t("panel-web")
                        on:change=move |ev| panel_target.set(event_target_value(&ev))>
                        <option value="">{tr("layout-pick-web-panel")}</option>
                        {move || web_ids().into_iter().map(|id| view! { <option value=id.clone()>{id.clone()}</option> }).collect_view()}
                    </select>
                    <button type="button" class="secondary" data-testid="layout-add-open-panel" on:click=move |_| {
                        buttons.update(|b| b.push(Button::OpenPanel { label: panel_label.get_untracked().trim().to_owned(), panel: panel_target.get_untracked() }));
                    }>{tr("layout-add-open-panel")}</button>
                </div>
            </fieldset>
            <fieldset>
                <legend>{tr("layout-panels")}</legend>
                <ol class="ordered">
                    {move || panels.get().into_iter().enumerate().map(|(i, p)| view! {
                        <li data-testid="layout-panel-row">
                            <span>{panel_text(i18n, &p)}</span>
                            <OrderControls i18n at=i list=panels />
                        </li>
                    }).collect_view()}
                </ol>
                <div class="add-row">
                    <select data-testid="layout-add-panel-kind" aria-label=move || i18n.t("layout-panel-kind")
                        on:change=move |ev| new_panel.set(event_target_value(&ev))>
                        {SIMPLE_PANELS.into_iter().map(|(n, p)| view! { <option value=n>{tr(panel_key(&p))}</option> }).collect_view()}
                        <option value="ai_agent">{tr("panel-ai-agent")}</option>
                        <option value="web">{tr("panel-web")}</option>
                    </select>
                    <button type="button" class="secondary" data-testid="layout-add-panel" on:click=add_panel>{tr("layout-add")}</button>
                </div>
                <div class="add-row" class:hidden=move || new_panel.get() != "ai_agent">
                    <input data-testid="layout-ai-spaces" placeholder=move || i18n.t("layout-spaces")
                        aria-label=move || i18n.t("layout-spaces")
                        prop:value=move || spaces.get() on:input=move |ev| spaces.set(event_target_value(&ev)) />
                    <label class="check"><input type="checkbox" data-testid="layout-ai-assist" prop:checked=move || assist.get()
                        on:change=move |ev| assist.set(event_target_checked(&ev)) />{tr("layout-assist")}</label>
                    <label class="check"><input type="checkbox" data-testid="layout-ai-click" prop:checked=move || click_to_insert.get()
                        on:change=move |ev| click_to_insert.set(event_target_checked(&ev)) />{tr("layout-click-to-insert")}</label>
                </div>
                <div class="add-row" class:hidden=move || new_panel.get() != "web">
                    <input data-testid="layout-web-id" placeholder=move || i18n.t("layout-web-id")
                        aria-label=move || i18n.t("layout-web-id")
                        prop:value=move || web_id.get() on:input=move |ev| web_id.set(event_target_value(&ev)) />
                    <input data-testid="layout-web-title" placeholder=move || i18n.t("layout-web-title")
                        aria-label=move || i18n.t("layout-web-title")
                        prop:value=move || web_title.get() on:input=move |ev| web_title.set(event_target_value(&ev)) />
                    <input data-testid="layout-web-url" placeholder="https://erp.example.com/?c={{conversation.id}}"
                        aria-label=move || i18n.t("layout-url")
                        prop:value=move || web_url.get() on:input=move |ev| web_url.set(event_target_value(&ev)) />
                </div>
            </fieldset>
            <div class="form-end">
                <button type="button" data-testid="layout-save" on:click=save>{tr("layout-save")}</button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>{tr("layout-cancel")}</button>
            </div>
        </form>
    }
}

/// Up, down and remove for one row of an ordered list.
#[component]
fn OrderControls<T: Clone + Send + Sync + 'static>(
    i18n: I18n,
    at: usize,
    list: RwSignal<Vec<T>>,
) -> impl IntoView {
    view! {
        <span class="row-controls">
            <button type="button" class="secondary icon" aria-label=move || i18n.t("layout-move-up")
                on:click=move |_| list.update(|l| moved(l, at, true))>"↑"</button>
            <button type="button" class="secondary icon" aria-label=move || i18n.t("layout-move-down")
                on:click=move |_| list.update(|l| moved(l, at, false))>"↓"</button>
            <button type="button" class="secondary icon" data-testid="layout-remove" aria-label=move || i18n.t("layout-remove")
                on:click=move |_| list.update(|l| { l.remove(at); })>"×"</button>
        </span>
    }
}

/// Who sees which layout. Changing a row's layout saves at once.
#[component]
fn Assignments(
    book: RwSignal<LayoutBook>,
    i18n: I18n,
    on_change: Callback<Vec<Assignment>>,
) -> impl IntoView {
    let app = RwSignal::new(App::Desktop);
    let role = RwSignal::new(None::<Role>);
    let channel = RwSignal::new(None::<Channel>);
    let layout = RwSignal::new(None::<i64>);
    let role_text = move |r: Option<Role>| {
        r.map_or_else(|| i18n.t("layout-any-role"), |r| i18n.t(r.message_key()))
    };
    let channel_text = move |c: Option<Channel>| {
        c.map_or_else(|| i18n.t("layout-any-channel"), |c| i18n.t(channel_key(c)))
    };
    let layout_options = move |chosen: Option<i64>| {
        book.get()
            .layouts
            .into_iter()
            .map(|l| view! { <option value=l.id.to_string() selected=chosen == Some(l.id)>{l.name}</option> })
            .collect_view()
    };
    view! {
        <fieldset class="assignments" data-testid="assignments">
            <legend>{tr("layout-assignments")}</legend>
            <table>
                <thead><tr>
                    <th>{tr("layout-app")}</th><th>{tr("layout-role")}</th><th>{tr("layout-channel")}</th>
                    <th>{tr("layout-layout")}</th><th></th>
                </tr></thead>
                <tbody>
                    {move || book.get().assignments.into_iter().enumerate().map(|(i, a)| {
                        let key = format!("{}/{}/{}", a.app.as_str(), opt_wire(a.role), opt_wire(a.channel));
                        view! {
                            <tr data-testid="assignment" data-key=key>
                                <td>{tr(app_key(a.app))}</td>
                                <td>{role_text(a.role)}</td>
                                <td>{channel_text(a.channel)}</td>
                                <td>
                                    <select data-testid="assignment-layout" aria-label=move || i18n.t("layout-layout")
                                        on:change=move |ev| {
                                            let Ok(id) = event_target_value(&ev).parse::<i64>() else { return };
                                            let mut all = book.get_untracked().assignments;
                                            all[i].layout = id;
                                            on_change.run(all);
                                        }>
                                        {layout_options(Some(a.layout))}
                                    </select>
                                </td>
                                <td><button class="secondary" data-testid="assignment-remove" on:click=move |_| {
                                    let mut all = book.get_untracked().assignments;
                                    all.remove(i);
                                    on_change.run(all);
                                }>{tr("layout-remove")}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <div class="add-row">
                <select data-testid="assign-app" aria-label=move || i18n.t("layout-app")
                    on:change=move |ev| if let Some(a) = from_wire(&event_target_value(&ev)) { app.set(a) }>
                    {App::ALL.into_iter().map(|a| view! { <option value=a.as_str()>{tr(app_key(a))}</option> }).collect_view()}
                </select>
                <select data-testid="assign-role" aria-label=move || i18n.t("layout-role")
                    on:change=move |ev| role.set(from_wire(&event_target_value(&ev)))>
                    <option value="any">{tr("layout-any-role")}</option>
                    {ROLES.into_iter().map(|r| view! { <option value=r.as_str()>{tr(r.message_key())}</option> }).collect_view()}
                </select>
                <select data-testid="assign-channel" aria-label=move || i18n.t("layout-channel")
                    on:change=move |ev| channel.set(from_wire(&event_target_value(&ev)))>
                    <option value="any">{tr("layout-any-channel")}</option>
                    {Channel::ALL.into_iter().map(|c| view! { <option value=c.as_str()>{tr(channel_key(c))}</option> }).collect_view()}
                </select>
                <select data-testid="assign-layout" aria-label=move || i18n.t("layout-layout")
                    on:change=move |ev| layout.set(event_target_value(&ev).parse().ok())>
                    <option value="">{tr("layout-pick")}</option>
                    {move || layout_options(None)}
                </select>
                <button class="secondary" data-testid="assign-add" on:click=move |_| {
                    let Some(layout) = layout.get_untracked() else { return };
                    let mut all = book.get_untracked().assignments;
                    let (app, role, channel) = (app.get_untracked(), role.get_untracked(), channel.get_untracked());
                    // The same app, role and channel: the new layout replaces the old.
                    all.retain(|a| (a.app, a.role, a.channel) != (app, role, channel));
                    all.push(Assignment { layout, app, role, channel });
                    on_change.run(all);
                }>{tr("layout-assign")}</button>
            </div>
        </fieldset>
    }
}

/// What a role sees in an app and channel, as the server resolves it.
#[component]
fn Preview(book: RwSignal<LayoutBook>, i18n: I18n) -> impl IntoView {
    let app = RwSignal::new(App::Desktop);
    let role = RwSignal::new(Role::Agent);
    let channel = RwSignal::new(Channel::WebChat);
    let shown = RwSignal::new(None::<Layout>);
    let asked = Latest::new();
    Effect::new(move |_| {
        let (a, r, c) = (app.get(), role.get(), channel.get());
        book.track();
        let ticket = asked.ticket();
        spawn_local(async move {
            if let Ok(layout) = workbench::preview(a, r, c).await
                && asked.is_newest(ticket)
            {
                shown.set(Some(layout));
            }
        });
    });
    view! {
        <fieldset class="preview" data-testid="layout-preview">
            <legend>{tr("layout-preview")}</legend>
            <div class="add-row">
                <select data-testid="preview-app" aria-label=move || i18n.t("layout-app")
                    on:change=move |ev| if let Some(a) = from_wire(&event_target_value(&ev)) { app.set(a) }>
                    {App::ALL.into_iter().map(|a| view! { <option value=a.as_str()>{tr(app_key(a))}</option> }).collect_view()}
                </select>
                <select data-testid="preview-role" aria-label=move || i18n.t("layout-role")
                    on:change=move |ev| if let Some(r) = from_wire(&event_target_value(&ev)) { role.set(r) }>
                    {ROLES.into_iter().map(|r| view! { <option value=r.as_str()>{tr(r.message_key())}</option> }).collect_view()}
                </select>
                <select data-testid="preview-channel" aria-label=move || i18n.t("layout-channel")
                    on:change=move |ev| if let Some(c) = from_wire(&event_target_value(&ev)) { channel.set(c) }>
                    {Channel::ALL.into_iter().map(|c| view! { <option value=c.as_str()>{tr(channel_key(c))}</option> }).collect_view()}
                </select>
            </div>
            {move || shown.get().map(|l| view! {
                <div class="preview-box" data-testid="preview-result">
                    <strong data-testid="preview-name">{l.workbench_name.clone()}</strong>
                    {(l.id == 0).then(|| view! { <span class="muted">" ("{tr("layout-builtin-default")}")"</span> })}
                    <div class="chat-buttons">
                        {l.buttons.iter().map(|b| view! { <span class="tool">{button_text(i18n, b)}</span> }).collect_view()}
                    </div>
                    <ol class="preview-panels">
                        {l.panels.iter().map(|p| view! { <li data-testid="preview-panel">{panel_text(i18n, p)}</li> }).collect_view()}
                    </ol>
                </div>
            })}
        </fieldset>
    }
}
