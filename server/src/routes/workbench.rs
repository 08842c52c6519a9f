//! The workbench: layouts (supervisors and admins design, assign and
//! preview them; agents get the ones they see) and quick replies
//! (everyone who serves chat keeps their own; admins keep the
//! enterprise's, read-only to the rest). Every change tells the
//! connected agents, who fetch again.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::event::ServerEvent;
use fieldesk_core::layout::{
    App, Assignment, Channel, CloneBody, Layout, LayoutBook, LayoutError, ResolvedLayout, resolve,
    resolve_all, validate_assignments,
};
use fieldesk_core::quick_reply::{
    ChannelsBody, GroupBody, OrderBody, QuickReply, QuickReplyBook, QuickReplyError,
    QuickReplyGroup, QuickReplyInput, Tier, group_name,
};
use fieldesk_core::{ErrorCode, Role};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::hub::{Audience, Envelope};
use crate::state::AppState;

fn invalid_layout(e: LayoutError) -> ApiError {
    ApiError::with_details(ErrorCode::InvalidLayout, vec![e.message()])
}

fn invalid_reply(e: QuickReplyError) -> ApiError {
    ApiError::with_details(ErrorCode::InvalidQuickReply, vec![e.message()])
}

/// Checks and stores a layout (created when `id` is none).
async fn save(
    state: &AppState,
    caller: &Caller,
    id: Option<i64>,
    layout: Layout,
) -> Result<Layout, ApiError> {
    caller.require(Role::designs_layouts)?;
    layout.validate().map_err(invalid_layout)?;
    Ok(state
        .store
        .save_layout(caller.tenant_id(), id, layout)
        .await?)
}

/// Tells the tenant's online agents to fetch their layouts again.
fn layouts_changed(state: &AppState, caller: &Caller) {
    announce(state, caller, Audience::Staff, ServerEvent::LayoutsChanged);
}

fn announce(state: &AppState, caller: &Caller, audience: Audience, event: ServerEvent) {
    state.hub.publish(Envelope {
        tenant_id: caller.tenant_id(),
        audience,
        event,
    });
}

async fn workbench_name(state: &AppState, tenant_id: i64) -> Result<String, ApiError> {
    Ok(state
        .store
        .tenant(tenant_id)
        .await?
        .map(|t| t.workbench_name)
        .unwrap_or_default())
}

/// The layouts the caller sees, for every app and channel.
#[utoipa::path(get, path = "/api/workbench", tag = "workbench", security(("bearer" = [])),
    responses((status = 200, description = "[ResolvedLayout {app, channel, layout}]"),
        (status = 403, body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ResolvedLayout>>, ApiError> {
    caller.require(Role::serves_chat)?;
    let book = state.store.layout_book(caller.tenant_id()).await?;
    let name = workbench_name(&state, caller.tenant_id()).await?;
    Ok(Json(resolve_all(
        &book.layouts,
        &book.assignments,
        caller.user.role,
        &name,
    )))
}

/// The tenant's layouts and assignments (supervisors, admins).
#[utoipa::path(get, path = "/api/layouts", tag = "workbench", security(("bearer" = [])),
    responses((status = 200, description = "LayoutBook {layouts, assignments}"),
        (status = 403, body = ErrorBody)))]
pub async fn book(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<LayoutBook>, ApiError> {
    caller.require(Role::designs_layouts)?;
    Ok(Json(state.store.layout_book(caller.tenant_id()).await?))
}

/// Creates a layout; unknown panels or buttons, forbidden URLs and bad
/// names are a localized 400, a taken name a 409.
#[utoipa::path(post, path = "/api/layouts", tag = "workbench", security(("bearer" = [])),
    request_body(content = Object, description = "Layout"),
    responses((status = 201, description = "Layout"), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(layout): Json<Layout>,
) -> Result<(StatusCode, Json<Layout>), ApiError> {
    let saved = save(&state, &caller, None, layout).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Replaces a layout; agents who see it get `layouts_changed`.
#[utoipa::path(put, path = "/api/layouts/{id}", tag = "workbench", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body(content = Object, description = "Layout"),
    responses((status = 200, description = "Layout"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(layout): Json<Layout>,
) -> Result<Json<Layout>, ApiError> {
    let saved = save(&state, &caller, Some(id), layout).await?;
    layouts_changed(&state, &caller);
    Ok(Json(saved))
}

/// Copies a layout under a new name.
#[utoipa::path(post, path = "/api/layouts/{id}/clone", tag = "workbench", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CloneBody,
    responses((status = 201, description = "Layout"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn clone(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<CloneBody>,
) -> Result<(StatusCode, Json<Layout>), ApiError> {
    caller.require(Role::designs_layouts)?;
    let book = state.store.layout_book(caller.tenant_id()).await?;
    let mut copy = book
        .layouts
        .into_iter()
        .find(|l| l.id == id)
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    copy.name = body.name;
    let saved = save(&state, &caller, None, copy).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Deletes a layout and its assignments; agents fall back to the next
/// layout by precedence (or the built-in one).
#[utoipa::path(delete, path = "/api/layouts/{id}", tag = "workbench", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::designs_layouts)?;
    state.store.delete_layout(caller.tenant_id(), id).await?;
    layouts_changed(&state, &caller);
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces who sees which layout, in one step (e.g. switch the email
/// channel's layout for agents); online agents switch live.
#[utoipa::path(put, path = "/api/layouts/assignments", tag = "workbench", security(("bearer" = [])),
    request_body(content = Object, description = "[Assignment {layout, app, role?, channel?}]"),
    responses((status = 200, description = "LayoutBook"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Json(assignments): Json<Vec<Assignment>>,
) -> Result<Json<LayoutBook>, ApiError> {
    caller.require(Role::designs_layouts)?;
    if assignments.len() > 200 {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    validate_assignments(&assignments).map_err(invalid_layout)?;
    state
        .store
        .set_assignments(caller.tenant_id(), assignments)
        .await?;
    layouts_changed(&state, &caller);
    Ok(Json(state.store.layout_book(caller.tenant_id()).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PreviewQuery {
    pub app: App,
    pub role: Role,
    pub channel: Channel,
}

/// The layout a role would see in an app and channel.
#[utoipa::path(get, path = "/api/layouts/preview", tag = "workbench", security(("bearer" = [])),
    params(PreviewQuery),
    responses((status = 200, description = "Layout"), (status = 403, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PreviewQuery>,
) -> Result<Json<Layout>, ApiError> {
    caller.require(Role::designs_layouts)?;
    let book = state.store.layout_book(caller.tenant_id()).await?;
    let layout = resolve(&book.assignments, q.app, q.role, q.channel)
        .and_then(|id| book.layouts.iter().find(|l| l.id == id).cloned());
    match layout {
        Some(l) => Ok(Json(l)),
        None => Ok(Json(Layout::builtin(
            &workbench_name(&state, caller.tenant_id()).await?,
        ))),
    }
}

/// Whose replies a change of `tier` touches: the caller's own, or the
/// enterprise's (only admins change those).
fn owner_for(caller: &Caller, tier: Tier) -> Result<Option<i64>, ApiError> {
    match tier {
        Tier::Personal => {
            caller.require(Role::serves_chat)?;
            Ok(Some(caller.user.id))
        }
        Tier::Enterprise => {
            caller.require(|r| r == Role::Admin)?;
            Ok(None)
        }
    }
}

fn replies_changed(state: &AppState, caller: &Caller, owner: Option<i64>) {
    let audience = match owner {
        Some(user) => Audience::User(user),
        None => Audience::Staff,
    };
    announce(state, caller, audience, ServerEvent::QuickRepliesChanged);
}

/// The caller's own quick replies and groups, the enterprise's, and the
/// channels the feature is on in.
#[utoipa::path(get, path = "/api/quick-replies", tag = "workbench", security(("bearer" = [])),
    responses((status = 200, description = "QuickReplyBook {replies, groups, channels}"),
        (status = 403, body = ErrorBody)))]
pub async fn quick_replies(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<QuickReplyBook>, ApiError> {
    caller.require(Role::serves_chat)?;
    let tenant_id = caller.tenant_id();
    let (replies, groups) = state.store.quick_replies(tenant_id, caller.user.id).await?;
    let channels = state.store.quick_reply_channels(tenant_id).await?;
    Ok(Json(QuickReplyBook {
        replies,
        groups,
        channels,
    }))
}

/// Creates a reply (personal: anyone who serves chat; enterprise:
/// admins). With a `client_id`, a retried create returns the first.
#[utoipa::path(post, path = "/api/quick-replies", tag = "workbench", security(("bearer" = [])),
    request_body(content = Object, description = "QuickReplyInput"),
    responses((status = 201, description = "QuickReply"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_reply(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<QuickReplyInput>,
) -> Result<(StatusCode, Json<QuickReply>), ApiError> {
    let owner = owner_for(&caller, input.tier)?;
    let input = input.normalized().map_err(invalid_reply)?;
    if input.client_id.as_ref().is_some_and(|c| c.len() > 100) {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    let reply = state
        .store
        .save_quick_reply(caller.tenant_id(), owner, None, input)
        .await?;
    replies_changed(&state, &caller, owner);
    Ok((StatusCode::CREATED, Json(reply)))
}

/// Whose an existing reply is, as the caller may see it: another agent's
/// is not found; the enterprise's may be changed by admins only.
async fn existing_owner(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Option<i64>, ApiError> {
    caller.require(Role::serves_chat)?;
    match state
        .store
        .quick_reply_owner(caller.tenant_id(), id)
        .await?
    {
        Some(Some(owner)) if owner == caller.user.id => Ok(Some(owner)),
        Some(None) => owner_for(caller, Tier::Enterprise),
        _ => Err(ApiError::new(ErrorCode::NotFound)),
    }
}

/// Changes a reply (its tier stays).
#[utoipa::path(put, path = "/api/quick-replies/{id}", tag = "workbench", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body(content = Object, description = "QuickReplyInput"),
    responses((status = 200, description = "QuickReply"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(input): Json<QuickReplyInput>,
) -> Result<Json<QuickReply>, ApiError> {
    let owner = existing_owner(&state, &caller, id).await?;
    let input = input.normalized().map_err(invalid_reply)?;
    if input.tier != Tier::Personal && owner.is_some()
        || input.tier != Tier::Enterprise && owner.is_none()
    {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    let reply = state
        .store
        .save_quick_reply(caller.tenant_id(), owner, Some(id), input)
        .await?;
    replies_changed(&state, &caller, owner);
    Ok(Json(reply))
}

/// Deletes a reply; deleting it again is "not found".
#[utoipa::path(delete, path = "/api/quick-replies/{id}", tag = "workbench", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let owner = existing_owner(&state, &caller, id).await?;
    state
        .store
        .delete_quick_reply(caller.tenant_id(), owner, id)
        .await?;
    replies_changed(&state, &caller, owner);
    Ok(StatusCode::NO_CONTENT)
}

/// Reorders the caller's own (or, for admins, the enterprise's) replies.
#[utoipa::path(put, path = "/api/quick-replies/order", tag = "workbench", security(("bearer" = [])),
    request_body = OrderBody,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn order(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<OrderBody>,
) -> Result<StatusCode, ApiError> {
    let owner = owner_for(&caller, body.tier)?;
    if body.ids.len() > 10_000 {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    state
        .store
        .order_quick_replies(caller.tenant_id(), owner, body.ids)
        .await?;
    replies_changed(&state, &caller, owner);
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a group of the caller's own replies (`personal`) or of the
/// enterprise's (admins); a taken name is a 409.
#[utoipa::path(post, path = "/api/quick-reply-groups/{tier}", tag = "workbench", security(("bearer" = [])),
    params(("tier" = String, Path)), request_body = GroupBody,
    responses((status = 201, description = "QuickReplyGroup"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(tier): Path<Tier>,
    Json(body): Json<GroupBody>,
) -> Result<(StatusCode, Json<QuickReplyGroup>), ApiError> {
    let owner = owner_for(&caller, tier)?;
    let name = group_name(&body.name).map_err(invalid_reply)?;
    let group = state
        .store
        .save_quick_reply_group(caller.tenant_id(), owner, None, name)
        .await?;
    replies_changed(&state, &caller, owner);
    Ok((StatusCode::CREATED, Json(group)))
}

/// Renames a group.
#[utoipa::path(put, path = "/api/quick-reply-groups/{tier}/{id}", tag = "workbench", security(("bearer" = [])),
    params(("tier" = String, Path), ("id" = i64, Path)), request_body = GroupBody,
    responses((status = 200, description = "QuickReplyGroup"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn rename_group(
    State(state): State<AppState>,
    caller: Caller,
    Path((tier, id)): Path<(Tier, i64)>,
    Json(body): Json<GroupBody>,
) -> Result<Json<QuickReplyGroup>, ApiError> {
    let owner = owner_for(&caller, tier)?;
    let name = group_name(&body.name).map_err(invalid_reply)?;
    let group = state
        .store
        .save_quick_reply_group(caller.tenant_id(), owner, Some(id), name)
        .await?;
    replies_changed(&state, &caller, owner);
    Ok(Json(group))
}

/// Deletes a group; its replies stay, ungrouped.
#[utoipa::path(delete, path = "/api/quick-reply-groups/{tier}/{id}", tag = "workbench", security(("bearer" = [])),
    params(("tier" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_group(
    State(state): State<AppState>,
    caller: Caller,
    Path((tier, id)): Path<(Tier, i64)>,
) -> Result<StatusCode, ApiError> {
    let owner = owner_for(&caller, tier)?;
    state
        .store
        .delete_quick_reply_group(caller.tenant_id(), owner, id)
        .await?;
    replies_changed(&state, &caller, owner);
    Ok(StatusCode::NO_CONTENT)
}

/// Turns quick replies on or off per channel (admins).
#[utoipa::path(put, path = "/api/quick-replies/channels", tag = "workbench", security(("bearer" = [])),
    request_body = ChannelsBody,
    responses((status = 200, body = ChannelsBody), (status = 403, body = ErrorBody)))]
pub async fn set_channels(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<ChannelsBody>,
) -> Result<Json<ChannelsBody>, ApiError> {
    caller.require(|r| r == Role::Admin)?;
    body.quick_reply_channels.sort_by_key(|c| *c as u8);
    body.quick_reply_channels.dedup();
    state
        .store
        .set_quick_reply_channels(caller.tenant_id(), body.quick_reply_channels.clone())
        .await?;
    announce(
        &state,
        &caller,
        Audience::Staff,
        ServerEvent::QuickRepliesChanged,
    );
    Ok(Json(body))
}
