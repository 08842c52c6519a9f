//! Photos and signatures of step results: uploaded as raw PNG or JPEG
//! bytes under the SHA-256 of those bytes, before the step result that
//! names them is pushed. Uploading the same photo again is a no-op. An
//! upload must decode as the image its first bytes claim (it is served
//! with that verified type), and fit in the tenant's photo quota.

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
use crate::state::AppState;
use fieldesk_core::Role;

/// The largest image side accepted, in pixels.
const MAX_SIDE: u32 = 12_000;

/// Whether `bytes` decode as a whole image of `content_type` (not only its
/// first bytes), within [`MAX_SIDE`] and a memory limit.
fn decodes(bytes: &[u8], content_type: &str) -> bool {
    let format = match content_type {
        "image/png" => image::ImageFormat::Png,
        "image/jpeg" => image::ImageFormat::Jpeg,
        _ => return false,
    };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().is_ok()
}

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
    let digest = format!("{:x}", Sha256::digest(&body));
    if !is_photo_id(&id) || digest != id {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    let content_type = photo_type(&body).ok_or(ApiError::new(ErrorCode::UnreadableImage))?;
    let (used, stored) = state
        .store
        .photo_usage(caller.tenant_id(), id.clone())
        .await?;
    if stored {
        return Ok(StatusCode::NO_CONTENT);
    }
    if used + body.len() as u64 > state.settings.photo_quota_bytes {
        tracing::warn!(tenant = caller.tenant_id(), used, "photo quota reached");
        return Err(ApiError::new(ErrorCode::PhotoQuotaExceeded));
    }
    let checked = body.clone();
    let whole = tokio::task::spawn_blocking(move || decodes(&checked, content_type))
        .await
        .unwrap_or(false);
    if !whole {
        return Err(ApiError::new(ErrorCode::UnreadableImage));
    }
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
    caller.require(Role::reads_field_work)?;
    let (content_type, bytes) = state
        .store
        .photo(caller.tenant_id(), id)
        .await?
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes))
}
