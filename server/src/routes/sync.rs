//! Offline sync for engineers: push outbox batches (each operation applied
//! once, answered in order) and pull changes after a cursor.

use axum::Json;
use axum::extract::{Query, State};
use fieldesk_core::api::ErrorBody;
use fieldesk_core::sync::{PullAnswer, PushAnswer, PushBody};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Applies a batch of operations in order; retries get the first answers.
#[utoipa::path(post, path = "/api/sync/push", tag = "sync", security(("bearer" = [])),
    request_body(content = Object, description = "PushBody: {ops: [{op_id, op}]}"),
    responses((status = 200, description = "PushAnswer per operation, in order"),
        (status = 400, body = ErrorBody)))]
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<PushBody>,
) -> Result<Json<Vec<PushAnswer>>, ApiError> {
    Ok(Json(state.field.push(&caller.user, body.ops).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PullQuery {
    /// The last change seq the client has.
    #[serde(default)]
    after: u64,
}

/// The caller's changes after a cursor, a page at a time, with the
/// current statuses of their work orders.
#[utoipa::path(get, path = "/api/sync/pull", tag = "sync", security(("bearer" = [])),
    params(PullQuery),
    responses((status = 200, description = "PullAnswer"), (status = 403, body = ErrorBody)))]
pub async fn pull(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullAnswer>, ApiError> {
    Ok(Json(state.field.pull(&caller.user, q.after).await?))
}
