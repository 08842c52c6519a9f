//! The workbench shell: header with the workbench name (the agent's
//! layout's), the user, the live connection indicator, the language,
//! theme and density, the shortcuts help, and logout; the pages.

pub mod context;
mod designer;
pub mod prefs;
mod replies;

use fieldesk_core::api::Me;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ConnectionState};
use crate::app::Screen;
use crate::chat::{ChatDesk, ChatSettingsPanel, GroupsPanel, KnowledgePanel};
use crate::dispatch::{DispatchPanel, ProviderInbox};
use crate::field::{FieldAdminPanel, FieldDeskView};
use crate::security::{AccountPanel, SecurityPanel};
use fieldesk_core::Role;

/// The workbench's pages (see [`view_allowed`]).
const VIEWS: [(&str, &str); 11] = [
    ("desk", "view-desk"),
    ("work", "view-work"),
    ("quick_replies", "view-quick-replies"),
    ("layouts", "view-layouts"),
    ("dispatch", "view-dispatch"),
    ("settings", "view-chat-settings"),
    ("knowledge", "view-knowledge"),
    ("groups", "view-groups"),
    ("field", "view-field"),
    ("security", "view-security"),
    ("account", "view-account"),
];

/// Who sees a page: everyone their account (sessions); agents their desk
/// and quick replies; engineers and provider admins their work;
/// supervisors also layouts, dispatch and knowledge; admins everything.
fn view_allowed(view: &str, role: Role) -> bool {
    match view {
        "account" => true,
        "work" => !role.serves_chat(),
        "desk" | "quick_replies" => role.serves_chat(),
        "layouts" | "dispatch" | "knowledge" => role.oversees_chat(),
        _ => role == Role::Admin,
    }
}
use crate::i18n::{tr, use_i18n};
use crate::language_select::LanguageSelect;

/// The page shown (e.g. "desk", "dispatch"), for components that open one.
#[derive(Clone, Copy)]
pub struct Page(pub RwSignal<&'static str>);

#[component]
pub fn Workbench(screen: RwSignal<Screen>, me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let connection = RwSignal::new(ConnectionState::Connecting);
    api::listen(api::CONNECTION_EVENT, move |state: ConnectionState| {
        connection.set(state)
    });
    spawn_local(async move {
        if let Ok(state) = api::connection_state().await {
            connection.set(state);
        }
    });
    let logging_out = RwSignal::new(false);
    let logout = move |_| {
        logging_out.set(true);
        spawn_local(async move {
            if let Err(e) = api::logout().await {
                web_sys::console::error_1(&format!("logout: {e:?}").into());
            }
            screen.set(Screen::SignedOut(None));
        });
    };
    let role_key = me.role.message_key();
    let role = me.role;
    let serves_chat = role.serves_chat();
    let me_id = me.user_id;
    let page = RwSignal::new(if serves_chat { "desk" } else { "work" });
    provide_context(Page(page));
    let bench = serves_chat.then(|| {
        context::WorkbenchState::provide(me.tenant.workbench_name.clone(), me.display_name.clone())
    });
    let prefs = expect_context::<prefs::Prefs>();
    let views: Vec<(&'static str, &'static str)> = VIEWS
        .into_iter()
        .filter(|(v, _)| view_allowed(v, role))
        .collect();
    let shortcut_views = views.clone();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let digit = ev
            .code()
            .strip_prefix("Digit")
            .and_then(|d| d.parse::<usize>().ok());
        if let (true, Some(n)) = (ev.alt_key(), digit)
            && let Some((v, _)) = shortcut_views.get(n.wrapping_sub(1))
        {
            ev.prevent_default();
            page.set(v);
        }
    });
    on_cleanup(move || handle.remove());
    let tenant_name = me.tenant.workbench_name.clone();
    let title = move || match bench {
        Some(b) => {
            b.layout(fieldesk_core::layout::Channel::WebChat)
                .workbench_name
        }
        None => tenant_name.clone(),
    };
    let display_name = me.display_name.clone();
    let welcome_name = me.display_name.clone();

    view! {
        <div class="workbench">
            <header class="topbar">
                <div class="brand"><span class="brand-mark">"F"</span></div>
                <h1 data-testid="workbench-title">{title}</h1>
                <div class="spacer"></div>
                <span
                    class="connection"
                    data-testid="connection-status"
                    data-state=move || connection.get().as_str()
                >
                    <span class="dot"></span>
                    {move || i18n.t(connection.get().message_key())}
                </span>
                <LanguageSelect />
                <prefs::PrefsControls prefs />
                <span class="user">
                    <span class="user-name" data-testid="user-name">{display_name}</span>
                    <span class="user-role" data-testid="user-role">{tr(role_key)}</span>
                </span>
                <button class="secondary" data-testid="logout" on:click=logout disabled=move || logging_out.get()>
                    {tr("logout")}
                </button>
            </header>
            <main class="workbench-main">
                {(views.len() > 1).then(|| view! {
                    <nav class="views" aria-label=move || i18n.t("workbench-views")>
                        {views.into_iter().enumerate().map(|(i, (v, key))| view! {
                            <button class="tab" class:active=move || page.get() == v
                                aria-current=move || (page.get() == v).then_some("page")
                                title=format!("Alt+{}", i + 1)
                                data-testid=format!("view-{v}") on:click=move |_| page.set(v)>{tr(key)}</button>
                        }).collect_view()}
                    </nav>
                })}
                {move || match page.get() {
                    "settings" => view! { <ChatSettingsPanel /> }.into_any(),
                    "knowledge" => view! { <KnowledgePanel /> }.into_any(),
                    "groups" => view! { <GroupsPanel /> }.into_any(),
                    "field" => view! { <FieldAdminPanel /> }.into_any(),
                    "dispatch" => view! { <DispatchPanel /> }.into_any(),
                    "layouts" => view! { <designer::LayoutsPanel /> }.into_any(),
                    "account" => view! { <AccountPanel /> }.into_any(),
                    "security" => view! { <SecurityPanel me=me_id /> }.into_any(),
                    "quick_replies" => match bench {
                        Some(bench) => view! { <replies::QuickRepliesPanel bench role /> }.into_any(),
                        None => ().into_any(),
                    },
                    _ if serves_chat => view! { <ChatDesk me=me_id role=role /> }.into_any(),
                    _ if role == Role::Engineer => view! { <FieldDeskView me=me_id /> }.into_any(),
                    _ if role == Role::ProviderAdmin => view! { <ProviderInbox /> }.into_any(),
                    _ => ().into_any(),
                }}
                <section class="panel welcome" class:compact=serves_chat || role == Role::Engineer>
                    <h2 data-testid="welcome">
                        {move || i18n.t_with("workbench-welcome", "name", welcome_name.clone())}
                    </h2>
                    <p>{tr("workbench-ready")}</p>
                    <p class="muted">
                        {move || i18n.t_with("workbench-signed-in-as", "role", i18n.t(role_key))}
                    </p>
                </section>
            </main>
            <prefs::ShortcutsHelp prefs />
        </div>
    }
}
