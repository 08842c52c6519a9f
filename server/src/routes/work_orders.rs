//! Work orders (工单): dispatchers (admins, supervisors) create and
//! dispatch them; engineers see their own and change them through sync.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::event::ServerEvent;
use fieldesk_core::sync::{Envelope, Operation, Outcome, RejectReason};
use fieldesk_core::work_order::{DispatchBody, WorkOrderAction, WorkOrderInput, WorkOrderView};
use fieldesk_core::{ErrorCode, Role};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::hub::{Audience, Envelope as HubEnvelope};
use crate::state::AppState;
use crate::store::field::Pusher;

fn dispatcher(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Supervisor)
}

/// Who sees which work orders: dispatchers all, engineers their own.
pub fn scope(caller: &Caller) -> Result<Option<i64>, ApiError> {
    match caller.user.role {
        Role::Admin | Role::Supervisor => Ok(None),
        Role::Engineer => Ok(Some(caller.user.id)),
        Role::Agent => Err(ApiError::new(ErrorCode::Forbidden)),
    }
}

/// Tells the work order's engineers that there are changes to pull.
pub async fn notify(state: &AppState, tenant_id: i64, work_order: i64) {
    let Ok(Some(view)) = state.store.work_order(tenant_id, work_order).await else {
        return;
    };
    let cursor = state.store.last_change(tenant_id).await.unwrap_or(0);
    for user in view.assignees {
        state.hub.publish(HubEnvelope {
            tenant_id,
            audience: Audience::User(user),
            event: ServerEvent::SyncAvailable { cursor },
        });
    }
}

/// Creates a work order with its devices (dispatchers).
#[utoipa::path(post, path = "/api/work-orders", tag = "work orders", security(("bearer" = [])),
    request_body = WorkOrderInput,
    responses((status = 201, body = WorkOrderView), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the number is taken")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut input): Json<WorkOrderInput>,
) -> Result<(StatusCode, Json<WorkOrderView>), ApiError> {
    caller.require(dispatcher)?;
    if !input.is_valid() {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    // A picked division must exist; otherwise the address text decides,
    // and an ambiguous one stays unresolved (never a guess).
    let divisions = crate::routes::divisions::table();
    match input.division {
        Some(code) if divisions.get(code).is_none() => {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
        Some(_) => {}
        None => input.division = divisions.resolve(&input.address),
    }
    let view = state
        .store
        .create_work_order(caller.tenant_id(), input)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The caller's work orders (dispatchers: all of the tenant's).
#[utoipa::path(get, path = "/api/work-orders", tag = "work orders", security(("bearer" = [])),
    responses((status = 200, body = Vec<WorkOrderView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WorkOrderView>>, ApiError> {
    let scope = scope(&caller)?;
    Ok(Json(
        state.store.work_orders(caller.tenant_id(), scope).await?,
    ))
}

/// One work order with its devices, step results and replaced values.
#[utoipa::path(get, path = "/api/work-orders/{id}", tag = "work orders", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = WorkOrderView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<WorkOrderView>, ApiError> {
    let scope = scope(&caller)?;
    let view = state
        .store
        .work_order(caller.tenant_id(), id)
        .await?
        .filter(|v| scope.is_none_or(|me| v.assignees.contains(&me)))
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    Ok(Json(view))
}

/// Dispatches: assign engineers (the first leads), close, reopen, cancel.
/// An action the lifecycle does not allow is a localized 409.
#[utoipa::path(post, path = "/api/work-orders/{id}/dispatch", tag = "work orders",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = DispatchBody,
    responses((status = 200, body = WorkOrderView), (status = 409, body = ErrorBody)))]
pub async fn dispatch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<DispatchBody>,
) -> Result<Json<WorkOrderView>, ApiError> {
    caller.require(dispatcher)?;
    let tenant_id = caller.tenant_id();
    if body.action == WorkOrderAction::Assign {
        let users = state.store.users(tenant_id).await?;
        let engineers_ok = !body.engineers.is_empty()
            && body.engineers.len() <= 10
            && body
                .engineers
                .iter()
                .all(|e| users.iter().any(|u| u.id == *e && u.role == Role::Engineer));
        if !engineers_ok {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
    } else if !matches!(
        body.action,
        WorkOrderAction::Close | WorkOrderAction::Reopen | WorkOrderAction::Cancel
    ) {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    let (_, hash) = crate::auth::new_token();
    let envelope = Envelope {
        op_id: format!("dispatch-{hash}"),
        op: Operation::Transition {
            work_order: id,
            action: body.action,
        },
    };
    let pusher = Pusher {
        user_id: caller.user.id,
        dispatcher: true,
    };
    match state.store.apply_op(tenant_id, pusher, envelope).await? {
        Outcome::Rejected {
            reason: RejectReason::UnknownWorkOrder,
        } => return Err(ApiError::new(ErrorCode::NotFound)),
        Outcome::Rejected { .. } => return Err(ApiError::new(ErrorCode::IllegalTransition)),
        _ => {}
    }
    if body.action == WorkOrderAction::Assign {
        state
            .store
            .set_assignees(tenant_id, id, &body.engineers)
            .await?;
    }
    notify(&state, tenant_id, id).await;
    get_one(State(state), caller, Path(id)).await
}
