//! The layout designer (supervisors, admins): layouts with their
//! chat-window buttons and sidebar panels (ordered; the AI agent's spaces,
//! assist and click-to-insert; web panels with templated URLs), clone,
//! delete, who sees which layout (each change saved at once, so switching
//! a team's layout is one step) and a preview as any role and channel.
//! The server checks every save; its localized reason is shown.

mod assignments;
mod editor;
mod preview;

use assignments::Assignments;
use editor::Editor;
use preview::Preview;

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
