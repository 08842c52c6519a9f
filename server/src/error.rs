//! The server's error type and the middleware that turns every error
//! answer into a stable, localized JSON body `{code, message}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fieldesk_core::api::ErrorBody;
use fieldesk_core::i18n::Catalog;
use fieldesk_core::{ErrorCode, Locale};

use crate::store::StoreError;

/// A Fluent key with its arguments.
pub type Line = (&'static str, Vec<(&'static str, String)>);

/// An error answer; its message is filled in by [`localize_errors`]: the
/// code's message, then each detail line (e.g. what a group lacks).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub details: Vec<Line>,
    /// Seconds for a `Retry-After` header (throttled answers).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            code,
            details: vec![],
            retry_after: None,
        }
    }

    pub fn with_details(code: ErrorCode, details: Vec<Line>) -> Self {
        ApiError {
            code,
            details,
            retry_after: None,
        }
    }

    /// A throttled answer: `code` with "try again in N s" and a
    /// `Retry-After: N` header.
    pub fn retry_after(code: ErrorCode, secs: u64) -> Self {
        let secs = secs.max(1);
        ApiError {
            code,
            details: vec![("error-retry-after", vec![("seconds", secs.to_string())])],
            retry_after: Some(secs),
        }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError::new(code)
    }
}

/// The detail lines of an error answer, for [`localize_errors`].
#[derive(Debug, Clone)]
struct Details(Vec<Line>);

/// An error with its sources: `outer: inner: innermost`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(source) = next {
        out.push_str(": ");
        out.push_str(&source.to_string());
        next = source.source();
    }
    out
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => ApiError::new(ErrorCode::Conflict),
            StoreError::NotFound(_) => ApiError::new(ErrorCode::NotFound),
            e @ StoreError::Database { .. } => {
                tracing::error!(error = %chain(&e), "store failed");
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
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res.extensions_mut().insert(self.code);
        res.extensions_mut().insert(Details(self.details));
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
        StatusCode::REQUEST_TIMEOUT => ErrorCode::RequestTimeout,
        s if s.is_client_error() => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    }
}

/// The language a request asked for in `Accept-Language`.
/// Marks an error answer that is a page for people (already localized):
/// [`localize_errors`] leaves it as it is.
#[derive(Debug, Clone, Copy)]
pub struct Rendered;

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
    if !(status.is_client_error() || status.is_server_error())
        || res.extensions().get::<Rendered>().is_some()
    {
        return res;
    }
    let code = res
        .extensions()
        .get::<ErrorCode>()
        .copied()
        .unwrap_or_else(|| code_for_status(status));
    let mut message = catalog.message(locale, code.message_key());
    for (key, args) in res
        .extensions()
        .get::<Details>()
        .map(|d| d.0.as_slice())
        .unwrap_or_default()
    {
        let mut fluent = fieldesk_core::i18n::FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, value.clone());
        }
        message.push(' ');
        message.push_str(&catalog.message_args(locale, key, Some(&fluent)));
    }
    let mut out = (status, Json(ErrorBody { code, message })).into_response();
    // Keep what the answer said besides its body (`Allow`, `Retry-After`,
    // `Cache-Control`…).
    for (name, value) in res.headers() {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}
