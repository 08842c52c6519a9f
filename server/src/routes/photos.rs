//! Photos and signatures of step results: uploaded as raw PNG or JPEG
//! bytes under the SHA-256 of those bytes, before the step result that
//! names them is pushed. Uploading the same photo again is a no-op. An
//! upload must decode as the image its first bytes claim (it is served
//! with that verified type), and fit in the tenant's photo quota.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use fieldesk_core::api::ErrorBody;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use fieldesk_core::Role;

/// Stores a photo (engineers, dispatchers). The id must be the SHA-256 of
/// the body; only PNG and JPEG images that decode are taken, up to the
/// tenant's quota (`serve --photo-quota-mib`).
#[utoipa::path(put, path = "/api/photos/{id}", tag = "work orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "lowercase hex SHA-256 of the bytes")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 204), (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "over 4 MiB (payload_too_large) or the tenant's quota is full (photo_quota_exceeded)"),
        (status = 422, body = ErrorBody, description = "not a PNG or JPEG image that decodes")))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::reads_field_work)?;
    state
        .field
        .put_photo(&caller.user, id, body.to_vec())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A photo of the caller's tenant.
#[utoipa::path(get, path = "/api/photos/{id}", tag = "work orders", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "the image"), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require(Role::reads_field_work)?;
    let (content_type, bytes) = state.field.photo(&caller.user, id).await?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes))
}
