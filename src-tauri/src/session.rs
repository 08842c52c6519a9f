//! Use cases of the signed-in session: log in, restore on start, log out.
//! Commands call these; they own the order of store, keychain, server and
//! live-link operations.

use fieldesk_core::ErrorCode;
use fieldesk_core::api::{LoginRequest, Me};
use tauri::AppHandle;

use crate::error::{AppError, AppResult};
use crate::local_store::{LastLogin, StoredSession};
use crate::server_client::{parse_server_url, ws_url};
use crate::state::Shell;

pub(crate) const NO_BODY: Option<&()> = None;

/// `GET` of the session's server, as the signed-in user.
pub(crate) async fn get<T: serde::de::DeserializeOwned>(shell: &Shell, path: &str) -> AppResult<T> {
    let (server, token) = current(shell).await?;
    shell
        .client
        .call(reqwest::Method::GET, &server, &token, path, NO_BODY)
        .await
}

/// A request with a JSON body, as the signed-in user.
pub(crate) async fn send<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    shell: &Shell,
    method: reqwest::Method,
    path: &str,
    body: &B,
) -> AppResult<T> {
    let (server, token) = current(shell).await?;
    shell
        .client
        .call(method, &server, &token, path, Some(body))
        .await
}

/// A request answered with no content (e.g. `DELETE`).
pub(crate) async fn send_no_content<B: serde::Serialize>(
    shell: &Shell,
    method: reqwest::Method,
    path: &str,
    body: Option<&B>,
) -> AppResult<()> {
    let (server, token) = current(shell).await?;
    shell
        .client
        .call_no_content(method, &server, &token, path, body)
        .await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
}

pub async fn login(
    app: &AppHandle,
    shell: &Shell,
    server_url: &str,
    tenant: &str,
    username: &str,
    password: &str,
) -> AppResult<Me> {
    let fields = [server_url, tenant, username, password];
    if fields.iter().any(|f| f.trim().is_empty()) {
        return Err(AppError::new(ErrorCode::BadRequest, "empty field"));
    }
    let server = parse_server_url(server_url)?;
    shell.store.set_last_login(&LastLogin {
        server_url: server_url.trim().to_owned(),
        tenant: tenant.trim().to_owned(),
        username: username.trim().to_owned(),
    })?;
    let request = LoginRequest {
        tenant: tenant.trim().to_owned(),
        username: username.trim().to_owned(),
        password: password.to_owned(),
    };
    let response = shell.client.login(&server, &request).await?;
    let vault = shell.vault.clone();
    let token = response.token.clone();
    blocking(move || vault.save(&token)).await?;
    shell.store.set_session(&StoredSession {
        server_url: server.to_string(),
        me: response.me.clone(),
    })?;
    shell
        .live
        .start(app.clone(), ws_url(&server), response.token);
    // An engineer's work orders come now, not only once the live link is up.
    shell.sync.nudge();
    Ok(response.me)
}

/// On start: the stored session if its token is still in the keychain.
/// Online, the server confirms it (and a revoked one is dropped); offline,
/// the app opens with the stored user and the live link keeps trying.
pub async fn restore(app: &AppHandle, shell: &Shell) -> AppResult<Option<Me>> {
    let Some(stored) = shell.store.session()? else {
        return Ok(None);
    };
    let vault = shell.vault.clone();
    let Some(token) = blocking(move || vault.load()).await? else {
        shell.store.clear_session()?;
        return Ok(None);
    };
    let server = parse_server_url(&stored.server_url)?;
    let me = match shell.client.me(&server, &token).await {
        Ok(me) => {
            shell.store.set_session(&StoredSession {
                server_url: stored.server_url,
                me: me.clone(),
            })?;
            me
        }
        Err(e) if e.code == ErrorCode::ServerUnreachable => stored.me,
        Err(e) => {
            forget(shell).await?;
            return Err(e);
        }
    };
    shell.live.start(app.clone(), ws_url(&server), token);
    Ok(Some(me))
}

/// Logs out: locally always (token and session gone even when the server
/// cannot be reached), and on the server when it answers.
pub async fn logout(app: &AppHandle, shell: &Shell) -> AppResult<()> {
    shell.live.stop(app);
    let stored = shell.store.session()?;
    let vault = shell.vault.clone();
    let token = blocking(move || vault.load()).await?;
    forget(shell).await?;
    if let (Some(stored), Some(token)) = (stored, token)
        && let Ok(server) = parse_server_url(&stored.server_url)
        && let Err(e) = shell.client.logout(&server, &token).await
    {
        tracing::warn!(%e, "server logout failed; the local session is gone anyway");
    }
    Ok(())
}

/// The signed-in session's server and token, for calls to the server.
pub async fn current(shell: &Shell) -> AppResult<(reqwest::Url, String)> {
    let expired = || AppError::new(ErrorCode::SessionExpired, "no session");
    let stored = shell.store.session()?.ok_or_else(expired)?;
    let vault = shell.vault.clone();
    let token = blocking(move || vault.load()).await?.ok_or_else(expired)?;
    Ok((parse_server_url(&stored.server_url)?, token))
}

/// Drops the local session: keychain entry and stored user.
pub async fn forget(shell: &Shell) -> AppResult<()> {
    let vault = shell.vault.clone();
    blocking(move || vault.delete()).await?;
    shell.store.clear_session()
}
