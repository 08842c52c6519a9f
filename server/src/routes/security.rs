//! Sessions (everyone: their own), users' sessions and disabling (admins),
//! the tenant's session policy and the security event log (admins).

use axum::Json;
use axum::extract::{Path, Query, State};
use fieldesk_core::api::{ErrorBody, UserSummary};
use fieldesk_core::security::{
    DisabledBody, EndAllBody, EndedSessions, RoleBody, SecurityEvent, SessionInfo, SessionPolicy,
};
use fieldesk_core::{ErrorCode, Role};
use serde::Deserialize;

use super::users::summary;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::perimeter::ClientAddr;
use crate::state::AppState;
use crate::store::security::EndSessions;

fn admin(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Role::manages_security)
}

/// The caller's live sessions, this one marked `current`.
#[utoipa::path(get, path = "/api/sessions", tag = "security", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>), (status = 401, body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    Ok(Json(
        state
            .security
            .sessions(&caller.user, &caller.token_hash)
            .await?,
    ))
}

/// Ends one of the caller's sessions (its sockets close at once).
#[utoipa::path(delete, path = "/api/sessions/{id}", tag = "security", security(("bearer" = [])),
    params(("id" = i64, Path, description = "session id")),
    responses((status = 200, body = EndedSessions), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "not one of the caller's live sessions")))]
pub async fn end_one(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<EndedSessions>, ApiError> {
    let client = client.to_string();
    let ended = state
        .security
        .end(&caller, &client, &caller.user, EndSessions::One(id))
        .await?;
    Ok(Json(EndedSessions { ended }))
}

/// Signs the caller out everywhere (with `keep_current`: everywhere else).
#[utoipa::path(post, path = "/api/sessions/end-all", tag = "security", security(("bearer" = [])),
    request_body = EndAllBody,
    responses((status = 200, body = EndedSessions), (status = 401, body = ErrorBody)))]
pub async fn end_all(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Caller,
    Json(body): Json<EndAllBody>,
) -> Result<Json<EndedSessions>, ApiError> {
    let client = client.to_string();
    let keep = body.keep_current.then(|| caller.token_hash.clone());
    let ended = state
        .security
        .end(&caller, &client, &caller.user, EndSessions::AllBut(keep))
        .await?;
    Ok(Json(EndedSessions { ended }))
}

/// A user's live sessions (admins).
#[utoipa::path(get, path = "/api/users/{id}/sessions", tag = "security", security(("bearer" = [])),
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = Vec<SessionInfo>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn user_sessions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    admin(&caller)?;
    let user = state.security.user(caller.tenant_id(), id).await?;
    Ok(Json(
        state.security.sessions(&user, &caller.token_hash).await?,
    ))
}

/// Signs a user out everywhere (admins).
#[utoipa::path(post, path = "/api/users/{id}/sessions/end", tag = "security", security(("bearer" = [])),
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = EndedSessions), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn end_user_sessions(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<EndedSessions>, ApiError> {
    admin(&caller)?;
    let client = client.to_string();
    let user = state.security.user(caller.tenant_id(), id).await?;
    let ended = state
        .security
        .end(&caller, &client, &user, EndSessions::AllBut(None))
        .await?;
    Ok(Json(EndedSessions { ended }))
}

/// Disables a user (their sessions and sockets end at once) or enables
/// them again (admins; not themselves).
#[utoipa::path(put, path = "/api/users/{id}/disabled", tag = "security", security(("bearer" = [])),
    params(("id" = i64, Path, description = "user id")), request_body = DisabledBody,
    responses((status = 200, body = UserSummary), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "an admin disabling themselves")))]
pub async fn set_disabled(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<DisabledBody>,
) -> Result<Json<UserSummary>, ApiError> {
    admin(&caller)?;
    let client = client.to_string();
    let user = state
        .security
        .set_disabled(&caller, &client, id, body.disabled)
        .await?;
    Ok(Json(summary(user)))
}

/// Gives a user another role (admins; not themselves): their sessions
/// and sockets end, and the change is in the security event log.
#[utoipa::path(put, path = "/api/users/{id}/role", tag = "security", security(("bearer" = [])),
    params(("id" = i64, Path, description = "user id")), request_body = RoleBody,
    responses((status = 200, body = UserSummary), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "an admin changing their own role")))]
pub async fn set_role(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<RoleBody>,
) -> Result<Json<UserSummary>, ApiError> {
    admin(&caller)?;
    let client = client.to_string();
    let user = state
        .security
        .set_role(&caller, &client, id, body.role)
        .await?;
    Ok(Json(summary(user)))
}

/// The tenant's session policy (admins).
#[utoipa::path(get, path = "/api/security/settings", tag = "security", security(("bearer" = [])),
    responses((status = 200, body = SessionPolicy), (status = 403, body = ErrorBody)))]
pub async fn get_policy(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SessionPolicy>, ApiError> {
    admin(&caller)?;
    Ok(Json(state.security.policy(caller.tenant_id()).await?))
}

/// Sets the session policy: idle 5 min – 7 days, lifetime 1 h – 90 days,
/// idle no longer than the lifetime (admins). Applies to live sessions.
#[utoipa::path(put, path = "/api/security/settings", tag = "security", security(("bearer" = [])),
    request_body = SessionPolicy,
    responses((status = 200, body = SessionPolicy), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn put_policy(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Caller,
    Json(policy): Json<SessionPolicy>,
) -> Result<Json<SessionPolicy>, ApiError> {
    admin(&caller)?;
    let client = client.to_string();
    Ok(Json(
        state.security.set_policy(&caller, &client, policy).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EventsQuery {
    /// Only events older than this id (the next page).
    before: Option<i64>,
}

/// The security event log, newest first, 100 a page (admins).
#[utoipa::path(get, path = "/api/security/events", tag = "security", security(("bearer" = [])),
    params(EventsQuery),
    responses((status = 200, body = Vec<SecurityEvent>), (status = 403, body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<EventsQuery>,
) -> Result<Json<Vec<SecurityEvent>>, ApiError> {
    admin(&caller)?;
    if q.before.is_some_and(|b| b < 0) {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    Ok(Json(
        state.security.events(caller.tenant_id(), q.before).await?,
    ))
}
