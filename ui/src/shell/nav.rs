//! The workbench's pages and the tabs between them (Alt+1…9).

use fieldesk_core::Role;
use leptos::prelude::*;

use crate::i18n::{tr, use_i18n};

/// A page of the workbench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Desk,
    Work,
    QuickReplies,
    Layouts,
    Dispatch,
    Settings,
    Knowledge,
    Groups,
    Mailboxes,
    Mall,
    Field,
    Security,
    Account,
}

impl View {
    /// In the order the tabs show them.
    pub const ALL: [View; 13] = [
        View::Desk,
        View::Work,
        View::QuickReplies,
        View::Layouts,
        View::Dispatch,
        View::Settings,
        View::Knowledge,
        View::Groups,
        View::Mailboxes,
        View::Mall,
        View::Field,
        View::Security,
        View::Account,
    ];

    /// The tab's `data-testid` suffix (`view-…`).
    pub fn id(self) -> &'static str {
        match self {
            View::Desk => "desk",
            View::Work => "work",
            View::QuickReplies => "quick_replies",
            View::Layouts => "layouts",
            View::Dispatch => "dispatch",
            View::Settings => "settings",
            View::Knowledge => "knowledge",
            View::Groups => "groups",
            View::Mailboxes => "mailboxes",
            View::Mall => "mall",
            View::Field => "field",
            View::Security => "security",
            View::Account => "account",
        }
    }

    /// The Fluent key of the tab's name.
    pub fn message_key(self) -> &'static str {
        match self {
            View::Desk => "view-desk",
            View::Work => "view-work",
            View::QuickReplies => "view-quick-replies",
            View::Layouts => "view-layouts",
            View::Dispatch => "view-dispatch",
            View::Settings => "view-chat-settings",
            View::Knowledge => "view-knowledge",
            View::Groups => "view-groups",
            View::Mailboxes => "view-mailboxes",
            View::Mall => "view-mall",
            View::Field => "view-field",
            View::Security => "view-security",
            View::Account => "view-account",
        }
    }

    /// Who sees a page: everyone their account (sessions); agents their
    /// desk and quick replies; engineers and provider admins their work;
    /// supervisors also layouts, dispatch, knowledge and the mall's orders;
    /// admins everything. (Providers' people also get the mall once it
    /// is on for them: [`View::buys_in_mall`].)
    pub fn allowed(self, role: Role) -> bool {
        match self {
            View::Account => true,
            View::Work => !role.serves_chat(),
            View::Desk | View::QuickReplies => role.serves_chat(),
            View::Layouts | View::Dispatch | View::Knowledge => role.oversees_chat(),
            View::Mall => role.fulfils_mall_orders() || role.runs_mall(),
            _ => role == Role::Admin,
        }
    }

    /// The pages of `role`, with the mall when `mall` (a provider's
    /// people buying there), in tab order.
    pub fn of(role: Role, mall: bool) -> Vec<View> {
        View::ALL
            .into_iter()
            .filter(|v| v.allowed(role) || (mall && *v == View::Mall))
            .collect()
    }

    /// The first page a user sees.
    pub fn home(role: Role) -> View {
        if role.serves_chat() {
            View::Desk
        } else {
            View::Work
        }
    }
}

/// The page shown, for components that open another one.
#[derive(Clone, Copy)]
pub struct Page(pub RwSignal<View>);

/// The tabs of the pages `views`; Alt+N opens the N-th.
#[component]
pub fn Nav(page: RwSignal<View>, views: RwSignal<Vec<View>>) -> impl IntoView {
    let i18n = use_i18n();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let digit = ev
            .code()
            .strip_prefix("Digit")
            .and_then(|d| d.parse::<usize>().ok());
        if let (true, Some(n)) = (ev.alt_key(), digit)
            && let Some(v) = views.with_untracked(|all| all.get(n.wrapping_sub(1)).copied())
        {
            ev.prevent_default();
            page.set(v);
        }
    });
    on_cleanup(move || handle.remove());
    move || {
        let views = views.get();
        (views.len() > 1).then(|| view! {
            <nav class="views" aria-label=move || i18n.t("workbench-views")>
                {views.into_iter().enumerate().map(|(i, v)| view! {
                    <button class="tab" class:active=move || page.get() == v
                        aria-current=move || (page.get() == v).then_some("page")
                        title=format!("Alt+{}", i + 1)
                        data-testid=format!("view-{}", v.id()) on:click=move |_| page.set(v)>{tr(v.message_key())}</button>
                }).collect_view()}
            </nav>
        })
    }
}
