//! Offline sync for engineers: push outbox batches (each operation applied
//! once, answered in order) and pull changes after a cursor.

use axum::Json;
use axum::extract::{Query, State};
use fieldesk_core::ErrorCode;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::chat::validate_client_id;
use fieldesk_core::sync::{MAX_PUSH, PullAnswer, PushAnswer, PushBody};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::work_orders::{notify, scope};
use crate::state::AppState;
use crate::store::field::Pusher;

/// Changes per pull page.
const PAGE: u32 = 1000;

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
    scope(&caller)?;
    if body.ops.len() > MAX_PUSH
        || body
            .ops
            .iter()
            .any(|e| validate_client_id(&e.op_id).is_err())
    {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    let pusher = Pusher {
        user_id: caller.user.id,
        dispatcher: caller.user.role.dispatches(),
    };
    let mut answers = Vec::with_capacity(body.ops.len());
    let mut touched = Vec::new();
    for envelope in body.ops {
        let op_id = envelope.op_id.clone();
        let work_order = envelope.op.work_order();
        let outcome = state
            .store
            .apply_op(caller.tenant_id(), pusher, envelope)
            .await?;
        if !touched.contains(&work_order) {
            touched.push(work_order);
        }
        answers.push(PushAnswer { op_id, outcome });
    }
    for work_order in touched {
        notify(&state, caller.tenant_id(), work_order).await;
    }
    Ok(Json(answers))
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
    let scope = scope(&caller)?;
    let tenant_id = caller.tenant_id();
    let changes = state
        .store
        .changes_after(tenant_id, scope, q.after, PAGE + 1)
        .await?;
    let more = changes.len() > PAGE as usize;
    let changes: Vec<_> = changes.into_iter().take(PAGE as usize).collect();
    let cursor = changes.last().map_or(q.after, |c| c.seq);
    let statuses = state.store.statuses(tenant_id, scope).await?;
    Ok(Json(PullAnswer {
        cursor,
        changes,
        statuses,
        more,
    }))
}
