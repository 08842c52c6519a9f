//! Login and logout.

use axum::Json;
use axum::extract::State;
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use fieldesk_core::ErrorCode;
use fieldesk_core::api::{ErrorBody, LoginRequest, LoginResponse};
use fieldesk_core::event::ServerEvent;
use fieldesk_core::security::SecurityEventKind;

use super::users::me_of;
use crate::auth::{Caller, DUMMY_HASH, new_token};
use crate::clock::now;
use crate::error::ApiError;
use crate::hub::{Audience, Envelope};
use crate::perimeter::ClientAddr;
use crate::state::AppState;
use crate::store::Session;
use crate::throttle::account_key;

/// Longest accepted tenant, user name or password.
const MAX_FIELD: usize = 256;

/// Checks tenant, user name and password and opens a session. Failed
/// sign-ins slow down the next ones per account and per client address
/// (`core::login_throttle`): too early an attempt is a 429 with
/// `Retry-After`, without a password check.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, body = ErrorBody, description = "malformed request"),
        (status = 401, body = ErrorBody, description = "invalid_credentials"),
        (status = 403, body = ErrorBody, description = "account_disabled (right password)"),
        (status = 413, body = ErrorBody, description = "payload_too_large"),
        (status = 415, body = ErrorBody, description = "not JSON"),
        (status = 422, body = ErrorBody, description = "a field is missing or of the wrong type"),
        (status = 429, body = ErrorBody, description = "too_many_attempts (with Retry-After), or rate_limited when password checks are busy",
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let fields = [&req.tenant, &req.username, &req.password];
    if fields
        .iter()
        .any(|f| f.trim().is_empty() || f.len() > MAX_FIELD)
    {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    let client_text = client.to_string();
    let account = account_key(&req.tenant, &req.username);
    let tenant = state.store.tenant_by_slug(req.tenant.trim()).await?;
    // The log of the tenant signed in to (an unknown tenant has none).
    let record = async |kind: SecurityEventKind, detail: String| {
        if let Some(t) = &tenant {
            let name = req.username.trim();
            state
                .security
                .record(t.id, kind, name, &client_text, detail)
                .await;
        }
    };
    if let Err(wait) = state.throttle.check(&account, client, now()) {
        tracing::warn!(%client, tenant = %account.0, user = %account.1, wait, "sign-in throttled");
        record(SecurityEventKind::SignInThrottled, format!("wait {wait} s")).await;
        return Err(ApiError::retry_after(
            ErrorCode::TooManyAttempts,
            wait.unsigned_abs(),
        ));
    }
    let credentials = match &tenant {
        Some(t) => state.store.credentials(t.id, req.username.trim()).await?,
        None => None,
    };
    // Verify even when the user does not exist, so timing does not tell.
    let hash = credentials
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let ok = state
        .hasher
        .verify(req.password.clone(), hash)
        .await
        .map_err(|_| ApiError::retry_after(ErrorCode::RateLimited, 1))?;
    let (Some(tenant), Some(credentials), true) = (&tenant, credentials, ok) else {
        let (by_account, by_client) = state.throttle.failed(&account, client, now());
        tracing::info!(%client, tenant = %account.0, user = %account.1, by_account, by_client, "sign-in failed");
        record(
            SecurityEventKind::SignInFailed,
            format!("{by_account} in a row for the account, {by_client} from the address"),
        )
        .await;
        return Err(ApiError::new(ErrorCode::InvalidCredentials));
    };
    state.throttle.succeeded(&account);
    if credentials.user.disabled {
        record(SecurityEventKind::SignInDisabled, String::new()).await;
        return Err(ApiError::new(ErrorCode::AccountDisabled));
    }
    let (token, token_hash) = new_token();
    let created_at = now();
    let policy = state.store.session_policy(tenant.id).await?;
    let expires_at = state.security.expires_at(&policy, created_at);
    let user_agent: String = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    state
        .store
        .create_session(Session {
            token_hash,
            tenant_id: tenant.id,
            user_id: credentials.user.id,
            created_at,
            expires_at,
            revoked: false,
            last_seen_at: created_at,
            client: client_text.clone(),
            user_agent,
        })
        .await?;
    Ok(Json(LoginResponse {
        token,
        expires_at,
        me: me_of(&credentials.user, tenant),
    }))
}

/// Revokes the caller's session. Idempotent: a second logout with the same
/// token answers `session_expired`, and nothing changes.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    state
        .store
        .revoke_session(caller.tenant_id(), &caller.token_hash)
        .await?;
    state.hub.publish(Envelope {
        tenant_id: caller.tenant_id(),
        audience: Audience::Session(caller.token_hash),
        event: ServerEvent::SessionRevoked,
    });
    Ok(StatusCode::NO_CONTENT)
}
