//! Use cases of the signed-in session: log in, restore on start, log out.
//! Commands call these; they own the order of store, keychain, server and
//! live-link operations.

use fieldesk_core::ErrorCode;
use fieldesk_core::api::{LoginRequest, Me};
use fieldesk_core::endpoint::{Endpoint, GetMe};
use tauri::AppHandle;

use crate::error::{AppError, AppResult};
use crate::local_store::{LastLogin, StoredSession};
use crate::server_client::{parse_server_url, ws_url};
use crate::state::Shell;

/// Calls `endpoint` with its JSON body as the signed-in user.
pub(crate) async fn call<E: Endpoint>(
    shell: &Shell,
    endpoint: &E,
    body: &E::Body,
) -> AppResult<E::Answer>
where
    E::Body: serde::Serialize,
{
    let (server, token) = current(shell).await?;
    shell.client.call(&server, &token, endpoint, body).await
}

/// [`call`] once per `key` (the server answers a repeat with the first).
pub(crate) async fn call_once<E: Endpoint>(
    shell: &Shell,
    endpoint: &E,
    body: &E::Body,
    key: &str,
) -> AppResult<E::Answer>
where
    E::Body: serde::Serialize,
{
    let (server, token) = current(shell).await?;
    shell
        .client
        .call_once(&server, &token, endpoint, body, key)
        .await
}

/// Calls an endpoint that takes no body as the signed-in user.
pub(crate) async fn fetch<E: Endpoint<Body = ()>>(
    shell: &Shell,
    endpoint: &E,
) -> AppResult<E::Answer> {
    call(shell, endpoint, &()).await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
}

/// How long the OS keychain may take before sign-in gives up on it (a
/// locked keyring may wait for a prompt nobody sees).
const KEYCHAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A keychain operation on a blocking thread, given up after `within`.
async fn keychain<T: Send + 'static>(
    within: std::time::Duration,
    f: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    match tokio::time::timeout(within, blocking(f)).await {
        Ok(result) => result,
        Err(_) => Err(AppError::new(
            ErrorCode::KeychainLocked,
            format!("no answer from the keychain within {} s", within.as_secs()),
        )),
    }
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
    if let Err(e) = keychain(KEYCHAIN_TIMEOUT, move || vault.save(&token)).await {
        // The token cannot be kept: end the session it opened.
        let _ = shell.client.logout(&server, &response.token).await;
        return Err(e);
    }
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
    let Some(token) = keychain(KEYCHAIN_TIMEOUT, move || vault.load()).await? else {
        shell.store.clear_session()?;
        return Ok(None);
    };
    let server = parse_server_url(&stored.server_url)?;
    let me = match shell.client.call(&server, &token, &GetMe, &()).await {
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
    let token = keychain(KEYCHAIN_TIMEOUT, move || vault.load()).await?;
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
    let token = keychain(KEYCHAIN_TIMEOUT, move || vault.load())
        .await?
        .ok_or_else(expired)?;
    Ok((parse_server_url(&stored.server_url)?, token))
}

/// Drops the local session: keychain entry and stored user.
pub async fn forget(shell: &Shell) -> AppResult<()> {
    let vault = shell.vault.clone();
    keychain(KEYCHAIN_TIMEOUT, move || vault.delete()).await?;
    shell.store.clear_session()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_keychain_that_does_not_answer_fails_fast_with_what_is_wrong() {
        let started = std::time::Instant::now();
        let stuck = keychain(std::time::Duration::from_millis(200), || {
            std::thread::sleep(std::time::Duration::from_secs(3));
            Ok(())
        })
        .await;
        assert_eq!(stuck.unwrap_err().code, ErrorCode::KeychainLocked);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let answered = keychain(std::time::Duration::from_secs(2), || Ok(7)).await;
        assert_eq!(answered.unwrap(), 7);
    }
}
