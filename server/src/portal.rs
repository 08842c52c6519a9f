//! Serves the visitor chat window built from `portal/` (see `cargo xtask
//! ui`): `/chat/{tenant}` (the page, for H5 links and the iframe),
//! `/chat/embed.js` (the one-line snippet for any site) and
//! `/chat/assets/*`. Only the known file names are served.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use fieldesk_core::{ErrorCode, Locale};

use crate::error::ApiError;
use crate::state::AppState;

/// The page's policy: only this server's scripts, wasm and socket; any
/// site may frame it (that is what the snippet does).
const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors *";

const ASSETS: &[(&str, &str)] = &[
    ("portal.js", "text/javascript; charset=utf-8"),
    ("portal_bg.wasm", "application/wasm"),
    ("main.js", "text/javascript; charset=utf-8"),
    ("portal.css", "text/css; charset=utf-8"),
];

async fn file(
    state: &AppState,
    name: &str,
    content_type: &'static str,
) -> Result<Response, ApiError> {
    let path = state.settings.portal_dir.join(name);
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        tracing::warn!(path = %path.display(), %e, "chat window file missing (run `cargo xtask ui`)");
        ApiError::new(ErrorCode::NotFound)
    })?;
    let mut res = bytes.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

/// The chat window of a tenant (`?lang=zh-CN|zh-TW|en`).
pub async fn page(
    State(state): State<AppState>,
    Path(_tenant): Path<String>,
) -> Result<Response, ApiError> {
    let mut res = file(&state, "index.html", "text/html; charset=utf-8").await?;
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    Ok(res)
}

/// The embed snippet: `<script src=".../chat/embed.js" data-tenant="acme" data-lang="en" async>`.
/// Its button label comes from `locales/`, in every language.
pub async fn embed(State(state): State<AppState>) -> Result<Response, ApiError> {
    let res = file(&state, "embed.js", "text/javascript; charset=utf-8").await?;
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|_| ApiError::new(ErrorCode::Internal))?;
    let labels: serde_json::Map<String, serde_json::Value> = Locale::ALL
        .iter()
        .map(|l| {
            (
                l.tag().to_owned(),
                state.catalog.message(*l, "portal-title").into(),
            )
        })
        .collect();
    let script = String::from_utf8_lossy(&bytes).replace(
        "__FIELDESK_LABELS__",
        &serde_json::Value::Object(labels).to_string(),
    );
    Ok(Response::from_parts(parts, script.into()))
}

pub async fn asset(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let (name, content_type) = ASSETS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    file(&state, name, content_type).await
}
