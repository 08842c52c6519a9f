//! Standard operation templates and the tenant's device fields (admins
//! edit; dispatchers and engineers read).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::device::{FieldDef, ScanFieldError};
use fieldesk_core::standard_operation::{Template, TemplateError, TemplateInput};
use fieldesk_core::{ErrorCode, Role};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Built-in device fields followed by the tenant's custom ones.
#[utoipa::path(get, path = "/api/device-fields", tag = "work orders", security(("bearer" = [])),
    responses((status = 200, body = Vec<FieldDef>), (status = 403, body = ErrorBody)))]
pub async fn device_fields(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<FieldDef>>, ApiError> {
    caller.require(Role::reads_field_work)?;
    Ok(Json(state.store.device_fields(caller.tenant_id()).await?))
}

/// Replaces the custom device fields (admins); keys start with `custom.`.
#[utoipa::path(put, path = "/api/device-fields", tag = "work orders", security(("bearer" = [])),
    request_body = Vec<FieldDef>,
    responses((status = 200, body = Vec<FieldDef>), (status = 400, body = ErrorBody)))]
pub async fn set_device_fields(
    State(state): State<AppState>,
    caller: Caller,
    Json(custom): Json<Vec<FieldDef>>,
) -> Result<Json<Vec<FieldDef>>, ApiError> {
    caller.require(|r| r == Role::Admin)?;
    let valid_key = |k: &str| {
        k.strip_prefix("custom.").is_some_and(|rest| {
            !rest.is_empty()
                && rest.len() <= 50
                && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    if custom.len() > 50 || custom.iter().any(|f| !valid_key(&f.key)) {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    state
        .store
        .set_device_fields(caller.tenant_id(), custom)
        .await?;
    device_fields(State(state), caller).await
}

#[utoipa::path(get, path = "/api/templates", tag = "work orders", security(("bearer" = [])),
    responses((status = 200, body = Vec<Template>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Template>>, ApiError> {
    caller.require(Role::reads_field_work)?;
    Ok(Json(state.store.templates(caller.tenant_id()).await?))
}

async fn checked(state: &AppState, caller: &Caller, input: &TemplateInput) -> Result<(), ApiError> {
    caller.require(|r| r == Role::Admin)?;
    let fields = state.store.device_fields(caller.tenant_id()).await?;
    input.validate(&fields).map_err(|e| match e {
        TemplateError::ScanField(ScanFieldError::NotMatchable(_)) => {
            ApiError::new(ErrorCode::ScanFieldNotMatchable)
        }
        _ => ApiError::new(ErrorCode::BadRequest),
    })
}

/// Creates a template (admins). A scan field that is not single-line text
/// or a number is refused with `scan_field_not_matchable`.
#[utoipa::path(post, path = "/api/templates", tag = "work orders", security(("bearer" = [])),
    request_body = TemplateInput,
    responses((status = 201, body = Template), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<TemplateInput>,
) -> Result<(StatusCode, Json<Template>), ApiError> {
    checked(&state, &caller, &input).await?;
    let template = state
        .store
        .save_template(caller.tenant_id(), None, input)
        .await?;
    Ok((StatusCode::CREATED, Json(template)))
}

/// Replaces a template (admins).
#[utoipa::path(put, path = "/api/templates/{id}", tag = "work orders", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TemplateInput,
    responses((status = 200, body = Template), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(input): Json<TemplateInput>,
) -> Result<Json<Template>, ApiError> {
    checked(&state, &caller, &input).await?;
    Ok(Json(
        state
            .store
            .save_template(caller.tenant_id(), Some(id), input)
            .await?,
    ))
}
