//! The app shell: the root component (loads settings, restores the
//! session, shows the login screen or the signed-in frame), the frame's
//! header and page tabs, the language selector and the display
//! preferences. The features' pages live in their own modules.

mod frame;
mod header;
pub mod language_select;
pub mod nav;
pub mod prefs;

use fieldesk_core::ErrorCode;
use fieldesk_core::api::Me;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, AppSettings};
use crate::i18n::{provide_i18n, tr};
use crate::login::LoginScreen;
use frame::Frame;

/// What the window shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Loading,
    /// Signed out, with a notice to show (e.g. the session ended).
    SignedOut(Option<ErrorCode>),
    SignedIn(Me),
}

#[component]
pub fn App() -> impl IntoView {
    let i18n = provide_i18n();
    provide_context(prefs::Prefs::provide());
    let screen = RwSignal::new(Screen::Loading);
    let settings = RwSignal::new(None::<AppSettings>);

    spawn_local(async move {
        match api::app_settings().await {
            Ok(s) => {
                i18n.locale.set(s.locale);
                settings.set(Some(s));
            }
            Err(e) => web_sys::console::error_1(&format!("settings: {e:?}").into()),
        }
        let next = match api::restore_session().await {
            Ok(Some(me)) => Screen::SignedIn(me),
            Ok(None) => Screen::SignedOut(None),
            Err(e) => Screen::SignedOut(Some(e.code)),
        };
        screen.set(next);
    });
    api::listen(api::SESSION_ENDED_EVENT, move |_: serde::de::IgnoredAny| {
        screen.set(Screen::SignedOut(Some(ErrorCode::SessionExpired)));
    });

    move || match screen.get() {
        Screen::Loading => {
            view! { <div class="loading" data-testid="loading">{tr("loading")}</div> }.into_any()
        }
        Screen::SignedOut(notice) => view! { <LoginScreen screen settings notice /> }.into_any(),
        Screen::SignedIn(me) => view! { <Frame screen me /> }.into_any(),
    }
}
