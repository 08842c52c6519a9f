//! The server's error type and the middleware that turns every error
//! answer into a stable, localized JSON body `{code, message}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fieldesk_core::api::ErrorBody;
use fieldesk_core::i18n::Catalog;
use fieldesk_core::{ErrorCode, Locale};

use crate::store::StoreError;

/// An error answer; its message is filled in by [`localize_errors`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{code}")]
pub struct ApiError {
    pub code: ErrorCode,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError { code }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError { code }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => ApiError::new(ErrorCode::Conflict),
            StoreError::NotFound(_) => ApiError::new(ErrorCode::NotFound),
            StoreError::Database(msg) => {
                tracing::error!(%msg, "store failed");
                ApiError::new(ErrorCode::Internal)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = status.into_response();
        res.extensions_mut().insert(self.code);
        res
    }
}

/// The code for an error answer that did not come from [`ApiError`]
/// (axum's own rejections: bad JSON, oversize body, wrong method…).
fn code_for_status(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::CONFLICT => ErrorCode::Conflict,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
        s if s.is_client_error() => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    }
}

/// The language a request asked for in `Accept-Language`.
pub fn request_locale(headers: &axum::http::HeaderMap) -> Locale {
    headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::from_accept_language)
        .unwrap_or_default()
}

/// Rewrites every 4xx/5xx answer into `{code, message}` in the caller's
/// language, keeping the status.
pub async fn localize_errors(
    State(catalog): State<Arc<Catalog>>,
    req: Request,
    next: Next,
) -> Response {
    let locale = request_locale(req.headers());
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let code = res
        .extensions()
        .get::<ErrorCode>()
        .copied()
        .unwrap_or_else(|| code_for_status(status));
    let message = catalog.message(locale, code.message_key());
    let mut out = (status, Json(ErrorBody { code, message })).into_response();
    if let Some(allow) = res.headers().get(axum::http::header::ALLOW) {
        out.headers_mut()
            .insert(axum::http::header::ALLOW, allow.clone());
    }
    out
}
