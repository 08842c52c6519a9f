//! The login screen: server URL, tenant, user name and password.

use fieldesk_core::ErrorCode;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, AppSettings};
use crate::i18n::tr;
use crate::shell::Screen;
use crate::shell::language_select::LanguageSelect;

/// Why the form cannot be sent, or why it failed: a Fluent key.
fn error_key(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadRequest => "login-missing-fields",
        other => other.message_key(),
    }
}

#[component]
pub fn LoginScreen(
    screen: RwSignal<Screen>,
    settings: RwSignal<Option<AppSettings>>,
    notice: Option<ErrorCode>,
) -> impl IntoView {
    let initial = settings.get_untracked();
    let server_url = RwSignal::new(
        initial
            .as_ref()
            .map(|s| s.server_url.clone())
            .unwrap_or_default(),
    );
    let tenant = RwSignal::new(
        initial
            .as_ref()
            .map(|s| s.tenant.clone())
            .unwrap_or_default(),
    );
    let username = RwSignal::new(
        initial
            .as_ref()
            .map(|s| s.username.clone())
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(notice.map(error_key));
    let busy = RwSignal::new(false);
    // Plain http:// to another machine: say so, and sign in only once the
    // user accepts it.
    let insecure = move || fieldesk_core::security::unencrypted_remote(&server_url.get());
    let insecure_ok = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let fields = [server_url, tenant, username, password].map(|f| f.get_untracked());
        if fields.iter().any(|f| f.trim().is_empty()) {
            error.set(Some("login-missing-fields"));
            return;
        }
        if fieldesk_core::security::unencrypted_remote(&fields[0]) && !insecure_ok.get_untracked() {
            error.set(Some("login-insecure-confirm"));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let [server, tenant, user, pass] = fields;
            match api::login(&server, &tenant, &user, &pass).await {
                Ok(me) => screen.set(Screen::SignedIn(me)),
                Err(e) => {
                    password.set(String::new());
                    error.set(Some(error_key(e.code)));
                }
            }
            busy.set(false);
        });
    };

    let field = move |testid: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      value: RwSignal<String>| {
        view! {
            <label class="field">
                <span>{tr(label)}</span>
                <input
                    data-testid=testid
                    type=kind
                    autocomplete="off"
                    spellcheck="false"
                    bind:value=value
                />
            </label>
        }
    };

    view! {
        <main class="login">
            <div class="login-top"><LanguageSelect /></div>
            <form class="login-card" on:submit=submit novalidate>
                <div class="brand"><span class="brand-mark">"F"</span>{tr("app-name")}</div>
                <h1>{tr("login-heading")}</h1>
                {field("login-server", "login-server", "url", server_url)}
                <Show when=insecure>
                    <div class="warning" role="alert" data-testid="login-insecure">
                        <p>{tr("login-insecure-warning")}</p>
                        <label class="check">
                            <input type="checkbox" data-testid="login-insecure-ok" bind:checked=insecure_ok />
                            <span>{tr("login-insecure-accept")}</span>
                        </label>
                    </div>
                </Show>
                {field("login-tenant", "login-tenant", "text", tenant)}
                {field("login-username", "login-username", "text", username)}
                {field("login-password", "login-password", "password", password)}
                <Show when=move || error.get().is_some()>
                    <p class="error" role="alert" data-testid="login-error">
                        {move || error.get().map(|key| crate::i18n::use_i18n().t(key))}
                    </p>
                </Show>
                <button type="submit" data-testid="login-submit" disabled=move || busy.get()>
                    {move || if busy.get() { tr("login-submitting")() } else { tr("login-submit")() }}
                </button>
            </form>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejected_form_explains_which_fields_are_needed() {
        assert_eq!(error_key(ErrorCode::BadRequest), "login-missing-fields");
        assert_eq!(
            error_key(ErrorCode::InvalidCredentials),
            "error-invalid-credentials"
        );
        assert_eq!(
            error_key(ErrorCode::ServerUnreachable),
            "error-server-unreachable"
        );
    }
}
