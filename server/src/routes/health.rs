use axum::Json;
use fieldesk_core::api::Health;

/// Liveness: answers while the server runs.
#[utoipa::path(get, path = "/api/health", tag = "meta",
    responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}
