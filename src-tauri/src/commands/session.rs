//! Settings before sign-in, signing in and out, the connection state.

use fieldesk_core::Locale;
use fieldesk_core::api::Me;
use tauri::{AppHandle, State};

use crate::error::AppResult;
use crate::live::ConnectionState;
use crate::session;
use crate::state::{SERVER_URL_ENV, SharedShell, TENANT_ENV};

pub use fieldesk_core::ipc::AppSettings;

const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";

#[tauri::command]
pub async fn app_settings(shell: State<'_, SharedShell>) -> AppResult<AppSettings> {
    let last = shell.store.last_login()?;
    let or_env = |value: String, env: &str, fallback: &str| {
        if value.is_empty() {
            std::env::var(env).unwrap_or_else(|_| fallback.to_owned())
        } else {
            value
        }
    };
    Ok(AppSettings {
        locale: shell.store.locale()?,
        server_url: or_env(last.server_url, SERVER_URL_ENV, DEFAULT_SERVER_URL),
        tenant: or_env(last.tenant, TENANT_ENV, ""),
        username: last.username,
    })
}

#[tauri::command]
pub async fn set_locale(shell: State<'_, SharedShell>, locale: Locale) -> AppResult<()> {
    shell.store.set_locale(locale)?;
    shell.client.set_locale(locale);
    Ok(())
}

#[tauri::command]
pub async fn login(
    app: AppHandle,
    shell: State<'_, SharedShell>,
    server_url: String,
    tenant: String,
    username: String,
    password: String,
) -> AppResult<Me> {
    session::login(&app, &shell, &server_url, &tenant, &username, &password).await
}

#[tauri::command]
pub async fn restore_session(
    app: AppHandle,
    shell: State<'_, SharedShell>,
) -> AppResult<Option<Me>> {
    session::restore(&app, &shell).await
}

#[tauri::command]
pub async fn logout(app: AppHandle, shell: State<'_, SharedShell>) -> AppResult<()> {
    session::logout(&app, &shell).await
}

#[tauri::command]
pub async fn connection_state(shell: State<'_, SharedShell>) -> AppResult<ConnectionState> {
    Ok(shell.live.state())
}

// Chat workbench (see `crate::chat`).
