//! The signed-in window: the header, the tabs, the page shown, and the
//! welcome line. Each page is a feature's component.

use fieldesk_core::Role;
use fieldesk_core::api::Me;
use fieldesk_core::mall::MallCommand;
use leptos::prelude::*;

use super::Screen;
use super::header::Header;
use super::nav::{Nav, Page, View};
use super::prefs;
use crate::chat::{ChatDesk, ChatSettingsPanel, GroupsPanel, KnowledgePanel};
use crate::dispatch::{DispatchPanel, ProviderInbox};
use crate::field::{FieldAdminPanel, FieldDeskView};
use crate::i18n::use_i18n;
use crate::mail::MailboxesPanel;
use crate::mall::MallPanel;
use crate::security::{AccountPanel, SecurityPanel};
use crate::workbench::{LayoutsPanel, QuickRepliesPanel, context};

#[component]
pub fn Frame(screen: RwSignal<Screen>, me: Me) -> impl IntoView {
    let i18n = use_i18n();
    let role_key = me.role.message_key();
    let role = me.role;
    let serves_chat = role.serves_chat();
    let me_id = me.user_id;
    let page = RwSignal::new(View::home(role));
    provide_context(Page(page));
    let bench = serves_chat.then(|| {
        context::WorkbenchState::provide(me.tenant.workbench_name.clone(), me.display_name.clone())
    });
    let prefs = expect_context::<prefs::Prefs>();
    let views = RwSignal::new(View::of(role, false));
    if role.buys_for_provider() {
        // A provider's people get the mall once it is on and they buy
        // for a provider (the catalog at their price answers).
        leptos::task::spawn_local(async move {
            let probe = MallCommand::Offers {
                q: None,
                model: None,
            };
            if crate::api::mall::call(probe).await.is_ok() {
                views.set(View::of(role, true));
            }
        });
    }
    let welcome_name = me.display_name.clone();

    view! {
        <div class="workbench">
            <Header screen me bench />
            <main class="workbench-main">
                <Nav page views />
                {move || match page.get() {
                    View::Settings => view! { <ChatSettingsPanel /> }.into_any(),
                    View::Knowledge => view! { <KnowledgePanel /> }.into_any(),
                    View::Groups => view! { <GroupsPanel /> }.into_any(),
                    View::Mailboxes => view! { <MailboxesPanel /> }.into_any(),
                    View::Mall => view! { <MallPanel role /> }.into_any(),
                    View::Field => view! { <FieldAdminPanel /> }.into_any(),
                    View::Dispatch => view! { <DispatchPanel /> }.into_any(),
                    View::Layouts => view! { <LayoutsPanel /> }.into_any(),
                    View::Account => view! { <AccountPanel /> }.into_any(),
                    View::Security => view! { <SecurityPanel me=me_id /> }.into_any(),
                    View::QuickReplies => match bench {
                        Some(bench) => view! { <QuickRepliesPanel bench role /> }.into_any(),
                        None => ().into_any(),
                    },
                    View::Desk | View::Work if serves_chat => view! { <ChatDesk me=me_id role=role /> }.into_any(),
                    View::Desk | View::Work if role == Role::Engineer => view! { <FieldDeskView me=me_id /> }.into_any(),
                    View::Desk | View::Work if role == Role::ProviderAdmin => view! { <ProviderInbox /> }.into_any(),
                    View::Desk | View::Work => ().into_any(),
                }}
                <section class="panel welcome" class:compact=serves_chat || role == Role::Engineer>
                    <h2 data-testid="welcome">
                        {move || i18n.t_with("workbench-welcome", "name", welcome_name.clone())}
                    </h2>
                    <p>{crate::i18n::tr("workbench-ready")}</p>
                    <p class="muted">
                        {move || i18n.t_with("workbench-signed-in-as", "role", i18n.t(role_key))}
                    </p>
                </section>
            </main>
            <prefs::ShortcutsHelp prefs />
        </div>
    }
}
