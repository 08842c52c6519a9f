//! The workbench's header: the workbench name (the agent's layout's), the
//! live connection indicator, the language, theme and density, the
//! user, and logout.

use fieldesk_core::api::Me;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Screen;
use super::language_select::LanguageSelect;
use super::prefs;
use crate::api::{self, ConnectionState};
use crate::i18n::{tr, use_i18n};
use crate::workbench::context::WorkbenchState;

#[component]
pub fn Header(screen: RwSignal<Screen>, me: Me, bench: Option<WorkbenchState>) -> impl IntoView {
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
    let prefs = expect_context::<prefs::Prefs>();
    let tenant_name = me.tenant.workbench_name.clone();
    let title = move || match bench {
        Some(b) => {
            b.layout(fieldesk_core::layout::Channel::WebChat)
                .workbench_name
        }
        None => tenant_name.clone(),
    };
    let role_key = me.role.message_key();
    view! {
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
                <span class="user-name" data-testid="user-name">{me.display_name.clone()}</span>
                <span class="user-role" data-testid="user-role">{tr(role_key)}</span>
            </span>
            <button class="secondary" data-testid="logout" on:click=logout disabled=move || logging_out.get()>
                {tr("logout")}
            </button>
        </header>
    }
}
