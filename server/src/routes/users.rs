//! Who am I, and the tenant's users (admins and supervisors only).

use axum::Json;
use axum::extract::{Path, State};
use fieldesk_core::api::{ErrorBody, Me, TenantSummary, UserSummary};
use fieldesk_core::{ErrorCode, Role};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Tenant, User};

pub fn me_of(user: &User, tenant: &Tenant) -> Me {
    Me {
        user_id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        tenant: TenantSummary {
            slug: tenant.slug.clone(),
            name: tenant.name.clone(),
            workbench_name: tenant.workbench_name.clone(),
            default_locale: tenant.default_locale,
        },
    }
}

pub(crate) fn summary(user: User) -> UserSummary {
    UserSummary {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        disabled: user.disabled,
    }
}

/// The caller, with their tenant and role.
#[utoipa::path(get, path = "/api/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let tenant = state
        .store
        .tenant(caller.tenant_id())
        .await?
        .ok_or(ApiError::new(ErrorCode::SessionExpired))?;
    Ok(Json(me_of(&caller.user, &tenant)))
}

/// The users of the caller's tenant.
#[utoipa::path(get, path = "/api/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [UserSummary]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<UserSummary>>, ApiError> {
    caller.require(Role::manages_users)?;
    let users = state.store.users(caller.tenant_id()).await?;
    Ok(Json(users.into_iter().map(summary).collect()))
}

/// One user of the caller's tenant; users of other tenants are not found.
#[utoipa::path(get, path = "/api/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = UserSummary), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<UserSummary>, ApiError> {
    caller.require(Role::manages_users)?;
    let user = state
        .store
        .user(caller.tenant_id(), id)
        .await?
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    Ok(Json(summary(user)))
}
