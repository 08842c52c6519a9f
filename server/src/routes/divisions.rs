//! China's administrative divisions (GB/T 2260, shipped in `core`): the
//! picker's lists and search, and the resolution of work-order addresses.

use axum::Json;
use axum::extract::Query;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::region::{Division, DivisionCode, DivisionTable};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::ApiError;

fn table() -> &'static DivisionTable {
    DivisionTable::shared()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DivisionQuery {
    /// The divisions directly below this code (none: the provinces).
    parent: Option<DivisionCode>,
    /// Or: divisions whose name contains this text.
    q: Option<String>,
}

/// Divisions below a parent, or matching a search (at most 50).
#[utoipa::path(get, path = "/api/divisions", tag = "dispatch", security(("bearer" = [])),
    params(DivisionQuery),
    responses((status = 200, description = "[{code, name}]"), (status = 401, body = ErrorBody)))]
pub async fn list(
    _caller: Caller,
    Query(query): Query<DivisionQuery>,
) -> Result<Json<Vec<Division>>, ApiError> {
    let table = table();
    let found = match &query.q {
        Some(q) => table.search(q, 50),
        None => table.children(query.parent),
    };
    Ok(Json(found.into_iter().take(50).cloned().collect()))
}
