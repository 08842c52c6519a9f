//! Photos and signatures of step results: kept under the SHA-256 of
//! their bytes, only PNG and JPEG images that decode whole, within the
//! tenant's quota; storing the same photo again is a no-op.

use fieldesk_core::ErrorCode;
use fieldesk_core::standard_operation::{is_photo_id, photo_type};
use sha2::{Digest, Sha256};

use super::{FieldResult, FieldService};
use crate::error::ApiError;
use crate::store::User;

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

impl FieldService {
    /// Stores a photo: `id` must be the SHA-256 of `body`.
    pub async fn put_photo(&self, user: &User, id: String, body: Vec<u8>) -> FieldResult<()> {
        let tenant_id = user.tenant_id;
        let digest = format!("{:x}", Sha256::digest(&body));
        if !is_photo_id(&id) || digest != id {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
        let content_type = photo_type(&body).ok_or(ApiError::new(ErrorCode::UnreadableImage))?;
        let (used, stored) = self.store.photo_usage(tenant_id, id.clone()).await?;
        if stored {
            return Ok(());
        }
        if used + body.len() as u64 > self.photo_quota_bytes {
            tracing::warn!(tenant = tenant_id, used, "photo quota reached");
            return Err(ApiError::new(ErrorCode::PhotoQuotaExceeded));
        }
        let (whole, body) =
            tokio::task::spawn_blocking(move || (decodes(&body, content_type), body))
                .await
                .map_err(|_| ApiError::new(ErrorCode::Internal))?;
        if !whole {
            return Err(ApiError::new(ErrorCode::UnreadableImage));
        }
        self.store
            .put_photo(tenant_id, id, content_type, body, user.id)
            .await?;
        Ok(())
    }

    /// A photo of `user`'s tenant: its content type and bytes.
    pub async fn photo(&self, user: &User, id: String) -> FieldResult<(String, Vec<u8>)> {
        self.store
            .photo(user.tenant_id, id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))
    }
}
