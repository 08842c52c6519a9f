//! Serves the visitor chat window built from `portal/` (see `cargo xtask
//! ui`): `/chat/{tenant}` (the page, for H5 links and the iframe),
//! `/chat/embed.js` (the one-line snippet for any site) and
//! `/chat/assets/*`. Only the known file names are served.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fieldesk_core::{ErrorCode, Locale};
use serde::Deserialize;

use crate::error::{ApiError, Rendered, request_locale};
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

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
}

/// The chat window of a tenant (`?lang=zh-CN|zh-TW|en`); for an unknown
/// tenant a 404 page saying so in that language (else the browser's).
/// Any site may read whether it exists (the snippet asks before it shows
/// its button).
pub async fn page(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut res = if state.store.tenant_by_slug(&tenant).await?.is_some() {
        file(&state, "index.html", "text/html; charset=utf-8").await?
    } else {
        let locale = query
            .lang
            .as_deref()
            .and_then(Locale::try_negotiate)
            .unwrap_or_else(|| request_locale(&headers));
        unknown_tenant(&state, locale)
    };
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(res)
}

/// A 404 page: this chat does not exist, in `locale`.
fn unknown_tenant(state: &AppState, locale: Locale) -> Response {
    let title = state.catalog.message(locale, "portal-title");
    let text = state.catalog.message(locale, "portal-unknown-tenant");
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body><main data-testid=\"unknown-tenant\">\
         <h1>{title}</h1><p>{text}</p></main></body></html>",
        lang = locale.tag(),
        title = escape(&title),
        text = escape(&text),
    );
    let mut res = (StatusCode::NOT_FOUND, html).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // A page, not an API error: the error middleware leaves it as it is.
    res.extensions_mut().insert(Rendered);
    res
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
