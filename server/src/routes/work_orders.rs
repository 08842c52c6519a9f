//! Work orders (工单): dispatchers (admins, supervisors) create and
//! dispatch them; engineers see their own and change them through sync.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use fieldesk_core::Role;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::dispatch::TargetRef;
use fieldesk_core::work_order::{
    CrewBody, DispatchBody, RelatedWorkOrder, TargetBody, WorkOrderChange, WorkOrderInput,
    WorkOrderView,
};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Creates a work order with its devices (dispatchers).
#[utoipa::path(post, path = "/api/work-orders", tag = "work orders", security(("bearer" = [])),
    request_body = WorkOrderInput,
    responses((status = 201, body = WorkOrderView), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the number is taken")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<WorkOrderInput>,
) -> Result<(StatusCode, Json<WorkOrderView>), ApiError> {
    caller.require(Role::dispatches)?;
    let id = state.field.create(&caller.user, input).await?;
    let view = state.field.visible_one(&caller.user, id).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Changes an order's customer, address, type, product category or
/// priority; a change that matters to dispatch runs it again (while
/// nobody has started the order).
#[utoipa::path(put, path = "/api/work-orders/{id}", tag = "work orders", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WorkOrderChange,
    responses((status = 200, body = WorkOrderView), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(change): Json<WorkOrderChange>,
) -> Result<Json<WorkOrderView>, ApiError> {
    caller.require(Role::dispatches)?;
    state.field.update(&caller.user, id, change).await?;
    Ok(Json(state.field.visible_one(&caller.user, id).await?))
}

/// Runs auto-dispatch again now (orders nobody has started).
#[utoipa::path(post, path = "/api/work-orders/{id}/auto-dispatch", tag = "work orders",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = WorkOrderView), (status = 409, body = ErrorBody)))]
pub async fn auto_dispatch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<WorkOrderView>, ApiError> {
    caller.require(Role::dispatches)?;
    state.field.auto_dispatch(&caller.user, id).await?;
    Ok(Json(state.field.visible_one(&caller.user, id).await?))
}

/// Dispatches by hand to a group or provider; one that fails the skill
/// check is refused with a localized list of what it lacks (422).
#[utoipa::path(post, path = "/api/work-orders/{id}/target", tag = "work orders",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = TargetBody,
    responses((status = 200, body = WorkOrderView), (status = 422, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn set_target(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<TargetBody>,
) -> Result<Json<WorkOrderView>, ApiError> {
    caller.require(Role::dispatches)?;
    let view = state.field.visible_one(&caller.user, id).await?;
    let target = TargetRef {
        kind: body.kind,
        id: body.id,
    };
    state
        .dispatch
        .manual(caller.tenant_id(), &view, caller.user.id, target)
        .await?;
    Ok(Json(state.field.visible_one(&caller.user, id).await?))
}

/// The provider's admin names the lead engineer and (when the dispatch
/// settings allow) collaborating engineers, all of that provider. Only
/// the lead changes the status; everyone runs steps and writes notes.
#[utoipa::path(post, path = "/api/work-orders/{id}/crew", tag = "work orders",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = CrewBody,
    responses((status = 200, body = WorkOrderView), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn crew(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<CrewBody>,
) -> Result<Json<WorkOrderView>, ApiError> {
    caller.require(|r| r.dispatches() || r == Role::ProviderAdmin)?;
    let view = state.field.visible_one(&caller.user, id).await?;
    state
        .dispatch
        .crew(caller.tenant_id(), &view, &body)
        .await?;
    Ok(Json(state.field.visible_one(&caller.user, id).await?))
}

/// The caller's work orders (dispatchers: all of the tenant's).
#[utoipa::path(get, path = "/api/work-orders", tag = "work orders", security(("bearer" = [])),
    responses((status = 200, body = Vec<WorkOrderView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WorkOrderView>>, ApiError> {
    Ok(Json(state.field.visible(&caller.user).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct RelatedQuery {
    /// The conversation whose visitor's customer is wanted.
    pub conversation: i64,
}

/// The work orders of a conversation's verified customer, newest first,
/// for the chat workbench's sidebar (whoever may read the conversation):
/// none for a visitor neither the embedding site nor an agent verified,
/// whatever name they typed. One query: devices and steps are not read.
#[utoipa::path(get, path = "/api/work-orders/related", tag = "work orders", security(("bearer" = [])),
    params(RelatedQuery),
    responses((status = 200, body = Vec<RelatedWorkOrder>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn related(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<RelatedQuery>,
) -> Result<Json<Vec<RelatedWorkOrder>>, ApiError> {
    caller.require(Role::serves_chat)?;
    Ok(Json(
        state
            .chat
            .related_work_orders(&caller.user, q.conversation)
            .await?,
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
    Ok(Json(state.field.visible_one(&caller.user, id).await?))
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
    caller.require(Role::dispatches)?;
    let tenant_id = caller.tenant_id();
    let before = state.field.visible_one(&caller.user, id).await?;
    let engineers = state
        .dispatch
        .act(tenant_id, caller.user.id, id, body)
        .await?;
    let mut told = before.assignees;
    told.extend(engineers);
    state.dispatch.tell_to_pull(tenant_id, told).await;
    Ok(Json(state.field.visible_one(&caller.user, id).await?))
}
