//! Photos and signatures of step results: uploaded as raw PNG or JPEG
//! bytes under the SHA-256 of those bytes, before the step result that
//! names them is pushed. Uploading the same photo again is a no-op.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use fieldesk_core::ErrorCode;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::standard_operation::{is_photo_id, photo_type};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::templates::reads_field_work;
use crate::state::AppState;

/// Stores a photo (engineers, dispatchers). The id must be the SHA-256 of
/// the body; only PNG and JPEG are taken.
#[utoipa::path(put, path = "/api/photos/{id}", tag = "work orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "lowercase hex SHA-256 of the bytes")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    caller.require(reads_field_work)?;
    let digest = format!("{:x}", Sha256::digest(&body));
    if !is_photo_id(&id) || digest != id {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    let content_type = photo_type(&body).ok_or(ApiError::new(ErrorCode::UnreadableImage))?;
    state
        .store
        .put_photo(
            caller.tenant_id(),
            id,
            content_type,
            body.to_vec(),
            caller.user.id,
        )
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
    caller.require(reads_field_work)?;
    let (content_type, bytes) = state
        .store
        .photo(caller.tenant_id(), id)
        .await?
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes))
}
