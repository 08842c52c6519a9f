//! Service groups (服务组): admins manage them; everyone who serves chat
//! sees them (to transfer conversations).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use fieldesk_core::{ErrorCode, Role};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// A valid input whose members are users of the caller's tenant.
async fn checked(
    state: &AppState,
    caller: &Caller,
    input: ServiceGroupInput,
) -> Result<ServiceGroupInput, ApiError> {
    let input = input
        .normalized()
        .ok_or(ApiError::new(ErrorCode::BadRequest))?;
    let users = state.store.users(caller.tenant_id()).await?;
    if input.member_ids.len() > 1000
        || !input
            .member_ids
            .iter()
            .all(|m| users.iter().any(|u| u.id == *m))
    {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    Ok(input)
}

/// The tenant's service groups with their members.
#[utoipa::path(get, path = "/api/groups", tag = "groups", security(("bearer" = [])),
    responses((status = 200, body = Vec<ServiceGroup>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ServiceGroup>>, ApiError> {
    caller.require(|r| r.serves_chat() || r.manages_users())?;
    Ok(Json(state.store.groups(caller.tenant_id()).await?))
}

/// Creates a group (admins); a taken name is a conflict.
#[utoipa::path(post, path = "/api/groups", tag = "groups", security(("bearer" = [])),
    request_body = ServiceGroupInput,
    responses((status = 201, body = ServiceGroup), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<ServiceGroupInput>,
) -> Result<(StatusCode, Json<ServiceGroup>), ApiError> {
    caller.require(|r| r == Role::Admin)?;
    let input = checked(&state, &caller, input).await?;
    let group = state
        .store
        .save_group(caller.tenant_id(), None, input)
        .await?;
    Ok((StatusCode::CREATED, Json(group)))
}

/// Renames a group and replaces its members (admins).
#[utoipa::path(put, path = "/api/groups/{id}", tag = "groups", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ServiceGroupInput,
    responses((status = 200, body = ServiceGroup), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(input): Json<ServiceGroupInput>,
) -> Result<Json<ServiceGroup>, ApiError> {
    caller.require(|r| r == Role::Admin)?;
    let input = checked(&state, &caller, input).await?;
    Ok(Json(
        state
            .store
            .save_group(caller.tenant_id(), Some(id), input)
            .await?,
    ))
}

/// Deletes a group (admins); conversations waiting for it wait for anyone.
#[utoipa::path(delete, path = "/api/groups/{id}", tag = "groups", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(|r| r == Role::Admin)?;
    state.store.delete_group(caller.tenant_id(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
