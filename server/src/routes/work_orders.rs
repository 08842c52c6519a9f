//! Work orders (工单): dispatchers (admins, supervisors) create and
//! dispatch them; engineers see their own and change them through sync.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::dispatch::{OrderFacts, TargetKind};
use fieldesk_core::event::ServerEvent;
use fieldesk_core::work_order::{
    CrewBody, DispatchBody, RelatedWorkOrder, TargetBody, WorkOrderAction, WorkOrderChange,
    WorkOrderInput, WorkOrderView,
};
use fieldesk_core::{ErrorCode, Role};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::hub::{Audience, Envelope as HubEnvelope};
use crate::state::AppState;
use crate::store::field::Assignment;

/// Who syncs which work orders: dispatchers all, engineers their own.
pub fn scope(caller: &Caller) -> Result<Option<i64>, ApiError> {
    match caller.user.role {
        role if role.dispatches() => Ok(None),
        Role::Engineer => Ok(Some(caller.user.id)),
        _ => Err(ApiError::new(ErrorCode::Forbidden)),
    }
}

/// The work orders the caller may see: `scope`'s, or for a provider admin
/// those dispatched to their providers.
async fn visible(state: &AppState, caller: &Caller) -> Result<Vec<WorkOrderView>, ApiError> {
    let tenant_id = caller.tenant_id();
    if caller.user.role == Role::ProviderAdmin {
        let providers = state.store.providers_of(tenant_id, caller.user.id).await?;
        let mut out = vec![];
        for id in state.store.provider_orders(tenant_id, providers).await? {
            out.extend(state.store.work_order(tenant_id, id).await?);
        }
        return Ok(out);
    }
    Ok(state.store.work_orders(tenant_id, scope(caller)?).await?)
}

/// One order if the caller may see it (else not found).
async fn visible_one(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<WorkOrderView, ApiError> {
    let tenant_id = caller.tenant_id();
    let view = state
        .store
        .work_order(tenant_id, id)
        .await?
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    let allowed = match caller.user.role {
        role if role.dispatches() => true,
        Role::Engineer => view.assignees.contains(&caller.user.id),
        Role::ProviderAdmin => match &view.target {
            Some(t) if t.kind == TargetKind::ServiceProvider => state
                .store
                .providers_of(tenant_id, caller.user.id)
                .await?
                .contains(&t.id),
            _ => false,
        },
        _ => return Err(ApiError::new(ErrorCode::Forbidden)),
    };
    if !allowed {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(view)
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
    caller.require(Role::dispatches)?;
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
    let tenant_id = caller.tenant_id();
    let view = state.store.create_work_order(tenant_id, input).await?;
    crate::dispatch::auto(&state, tenant_id, view.id).await?;
    let view = visible_one(&state, &caller, view.id).await?;
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
    let tenant_id = caller.tenant_id();
    let before = visible_one(&state, &caller, id).await?;
    let mut after = before.clone();
    let text = |value: Option<String>, max: usize, current: &mut String, blank_ok: bool| {
        if let Some(v) = value {
            let v = v.trim().to_owned();
            if (!blank_ok && v.is_empty()) || v.chars().count() > max {
                return Err(ApiError::new(ErrorCode::BadRequest));
            }
            *current = v;
        }
        Ok(())
    };
    text(change.customer, 200, &mut after.customer, false)?;
    text(change.order_type, 64, &mut after.order_type, false)?;
    text(
        change.product_category,
        64,
        &mut after.product_category,
        true,
    )?;
    text(
        change.customer_tier,
        fieldesk_core::work_order::MAX_TIER_CHARS,
        &mut after.customer_tier,
        true,
    )?;
    let divisions = crate::routes::divisions::table();
    if let Some(address) = change.address {
        text(Some(address), 500, &mut after.address, false)?;
        after.division = divisions.resolve(&after.address);
        after.point = None;
    }
    if let Some(code) = change.division {
        divisions
            .get(code)
            .ok_or(ApiError::new(ErrorCode::BadRequest))?;
        after.division = Some(code);
    }
    if let Some(point) = change.point {
        if !fieldesk_core::region::valid_point(point) {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
        after.point = Some(point);
    }
    if let Some(priority) = change.priority {
        after.priority = priority;
    }
    if after == before {
        return Ok(Json(before));
    }
    state
        .store
        .update_work_order(tenant_id, after.clone())
        .await?;
    let redispatch =
        OrderFacts::of(&after) != OrderFacts::of(&before) && after.status.dispatchable();
    if redispatch {
        crate::dispatch::auto(&state, tenant_id, id).await?;
    }
    notify(&state, tenant_id, id).await;
    Ok(Json(visible_one(&state, &caller, id).await?))
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
    crate::dispatch::auto(&state, caller.tenant_id(), id).await?;
    Ok(Json(visible_one(&state, &caller, id).await?))
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
    crate::dispatch::manual(
        &state,
        caller.tenant_id(),
        id,
        caller.user.id,
        body.kind,
        body.id,
    )
    .await?;
    Ok(Json(visible_one(&state, &caller, id).await?))
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
    let tenant_id = caller.tenant_id();
    let view = visible_one(&state, &caller, id).await?;
    let provider = match &view.target {
        Some(t) if t.kind == TargetKind::ServiceProvider => t.id,
        _ => return Err(ApiError::new(ErrorCode::IllegalTransition)),
    };
    if !view.status.dispatchable() {
        return Err(ApiError::new(ErrorCode::IllegalTransition));
    }
    let settings = state.store.dispatch_settings(tenant_id).await?;
    if !body.collaborators.is_empty() && !settings.provider_collaborators {
        return Err(ApiError::new(ErrorCode::CollaboratorsOff));
    }
    let mut crew = vec![body.lead];
    for c in &body.collaborators {
        if !crew.contains(c) {
            crew.push(*c);
        }
    }
    let members = state
        .store
        .providers(tenant_id)
        .await?
        .into_iter()
        .find(|p| p.id == provider)
        .map(|p| p.member_ids)
        .unwrap_or_default();
    let users = state.store.users(tenant_id).await?;
    let all_engineers_of_provider = crew.len() <= 20
        && crew.iter().all(|e| {
            members.contains(e) && users.iter().any(|u| u.id == *e && u.role == Role::Engineer)
        });
    if !all_engineers_of_provider {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    crate::dispatch::assign(&state, tenant_id, &view, &crew, Some(body.lead)).await?;
    crate::dispatch::announce(&state, tenant_id, id).await?;
    Ok(Json(visible_one(&state, &caller, id).await?))
}

/// The caller's work orders (dispatchers: all of the tenant's).
#[utoipa::path(get, path = "/api/work-orders", tag = "work orders", security(("bearer" = [])),
    responses((status = 200, body = Vec<WorkOrderView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WorkOrderView>>, ApiError> {
    Ok(Json(visible(&state, &caller).await?))
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
    Ok(Json(visible_one(&state, &caller, id).await?))
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
    // The transition and the new engineers in one write.
    let change = Assignment {
        dispatch: None,
        transition: Some(crate::dispatch::dispatcher_transition(
            caller.user.id,
            id,
            body.action,
        )),
        assignees: (body.action == WorkOrderAction::Assign).then_some((body.engineers, None)),
    };
    let outcome = state.store.assign(tenant_id, id, change).await?;
    crate::dispatch::refused(outcome.as_ref())?;
    notify(&state, tenant_id, id).await;
    get_one(State(state), caller, Path(id)).await
}
