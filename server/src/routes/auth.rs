//! Login and logout.

use std::sync::LazyLock;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fieldesk_core::ErrorCode;
use fieldesk_core::api::{ErrorBody, LoginRequest, LoginResponse};
use fieldesk_core::event::ServerEvent;

use super::users::me_of;
use crate::auth::{Caller, generate_password, hash_password, new_token, verify_password};
use crate::clock::now;
use crate::error::ApiError;
use crate::hub::{Audience, Envelope};
use crate::state::AppState;
use crate::store::Session;

/// Longest accepted tenant, user name or password.
const MAX_FIELD: usize = 256;

/// Checks tenant, user name and password and opens a session.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, body = ErrorBody, description = "malformed request"),
        (status = 401, body = ErrorBody, description = "invalid_credentials"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let fields = [&req.tenant, &req.username, &req.password];
    if fields
        .iter()
        .any(|f| f.trim().is_empty() || f.len() > MAX_FIELD)
    {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    let invalid = ApiError::new(ErrorCode::InvalidCredentials);
    let tenant = state.store.tenant_by_slug(req.tenant.trim()).await?;
    let credentials = match &tenant {
        Some(t) => state.store.credentials(t.id, req.username.trim()).await?,
        None => None,
    };
    // Verify even when the user does not exist, so timing does not tell.
    let hash = credentials
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|_| ApiError::new(ErrorCode::Internal))?;
    let (Some(tenant), Some(credentials), true) = (tenant, credentials, ok) else {
        return Err(invalid);
    };
    let (token, token_hash) = new_token();
    let created_at = now();
    let expires_at = created_at + ttl_secs(state.settings.token_ttl);
    state
        .store
        .create_session(Session {
            token_hash,
            tenant_id: tenant.id,
            user_id: credentials.user.id,
            created_at,
            expires_at,
            revoked: false,
        })
        .await?;
    Ok(Json(LoginResponse {
        token,
        expires_at,
        me: me_of(&credentials.user, &tenant),
    }))
}

fn ttl_secs(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2)
}

/// An argon2id hash of a random password, checked against when the user
/// does not exist (computed once, on the first failed lookup).
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password(&generate_password()));

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
