//! Dispatch configuration (admins and supervisors): the skill catalog and
//! settings, service providers, what groups and providers maintain, tenant
//! regions and the two kinds of rules. Every save is checked by
//! `core::dispatch` first; a broken one is a localized 400 saying why.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::dispatch::{
    DispatchProfile, DispatchSettings, NamedRegion, ProfileEntry, ProviderView, Rule, RuleError,
    TargetKind, validate_catalog,
};
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use fieldesk_core::{ErrorCode, Role};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

fn invalid(e: RuleError) -> ApiError {
    ApiError::with_details(ErrorCode::InvalidRule, vec![e.message()])
}

/// The skill catalog and dispatch settings.
#[utoipa::path(get, path = "/api/dispatch/settings", tag = "dispatch", security(("bearer" = [])),
    responses((status = 200, description = "DispatchSettings {catalog, provider_collaborators}"),
        (status = 403, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<DispatchSettings>, ApiError> {
    caller.require(|r| r.dispatches() || r == Role::ProviderAdmin)?;
    Ok(Json(
        state.store.dispatch_settings(caller.tenant_id()).await?,
    ))
}

/// Replaces the skill catalog and settings; every skill needs levels.
#[utoipa::path(put, path = "/api/dispatch/settings", tag = "dispatch", security(("bearer" = [])),
    request_body(content = Object, description = "DispatchSettings"),
    responses((status = 200, description = "saved"), (status = 400, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    Json(settings): Json<DispatchSettings>,
) -> Result<Json<DispatchSettings>, ApiError> {
    caller.require(Role::dispatches)?;
    validate_catalog(&settings.catalog).map_err(invalid)?;
    state
        .store
        .set_dispatch_settings(caller.tenant_id(), settings.clone())
        .await?;
    Ok(Json(settings))
}

/// The tenant's service providers with their members (admins and
/// engineers); a provider admin gets only their own.
#[utoipa::path(get, path = "/api/dispatch/providers", tag = "dispatch", security(("bearer" = [])),
    responses((status = 200, description = "[{id, name, members: [UserSummary]}]"),
        (status = 403, body = ErrorBody)))]
pub async fn providers(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ProviderView>>, ApiError> {
    caller.require(|r| r.dispatches() || r == Role::ProviderAdmin)?;
    let tenant_id = caller.tenant_id();
    let mut all = state.store.providers(tenant_id).await?;
    if caller.user.role == Role::ProviderAdmin {
        all.retain(|p| p.member_ids.contains(&caller.user.id));
    }
    let users = state.store.users(tenant_id).await?;
    Ok(Json(
        all.into_iter()
            .map(|p| ProviderView {
                id: p.id,
                name: p.name,
                members: users
                    .iter()
                    .filter(|u| p.member_ids.contains(&u.id))
                    .cloned()
                    .map(crate::routes::users::summary)
                    .collect(),
            })
            .collect(),
    ))
}

async fn checked_team(
    state: &AppState,
    caller: &Caller,
    input: ServiceGroupInput,
) -> Result<ServiceGroupInput, ApiError> {
    let input = input
        .normalized()
        .ok_or(ApiError::new(ErrorCode::BadRequest))?;
    let users = state.store.users(caller.tenant_id()).await?;
    let members_ok = input.member_ids.len() <= 1000
        && input.member_ids.iter().all(|m| {
            users
                .iter()
                .any(|u| u.id == *m && matches!(u.role, Role::Engineer | Role::ProviderAdmin))
        });
    if !members_ok {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    Ok(input)
}

/// Creates a provider; members must be engineers or provider admins.
#[utoipa::path(post, path = "/api/dispatch/providers", tag = "dispatch", security(("bearer" = [])),
    request_body = ServiceGroupInput,
    responses((status = 201, body = ServiceGroup), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create_provider(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<ServiceGroupInput>,
) -> Result<(StatusCode, Json<ServiceGroup>), ApiError> {
    caller.require(Role::dispatches)?;
    let input = checked_team(&state, &caller, input).await?;
    let saved = state
        .store
        .save_provider(caller.tenant_id(), None, input)
        .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Renames a provider and replaces its members.
#[utoipa::path(put, path = "/api/dispatch/providers/{id}", tag = "dispatch",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ServiceGroupInput,
    responses((status = 200, body = ServiceGroup), (status = 404, body = ErrorBody)))]
pub async fn update_provider(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(input): Json<ServiceGroupInput>,
) -> Result<Json<ServiceGroup>, ApiError> {
    caller.require(Role::dispatches)?;
    let input = checked_team(&state, &caller, input).await?;
    Ok(Json(
        state
            .store
            .save_provider(caller.tenant_id(), Some(id), input)
            .await?,
    ))
}

/// Every group's and provider's skills, qualifications and regions.
#[utoipa::path(get, path = "/api/dispatch/profiles", tag = "dispatch", security(("bearer" = [])),
    responses((status = 200, description = "[{kind, id, profile}]"), (status = 403, body = ErrorBody)))]
pub async fn profiles(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ProfileEntry>>, ApiError> {
    caller.require(Role::dispatches)?;
    let all = state.store.profiles(caller.tenant_id()).await?;
    Ok(Json(
        all.into_iter()
            .map(|(kind, id, profile)| ProfileEntry { kind, id, profile })
            .collect(),
    ))
}

/// Replaces what a group or provider maintains; skills and levels must be
/// in the catalog, divisions real, dates in order.
#[utoipa::path(put, path = "/api/dispatch/profiles/{kind}/{id}", tag = "dispatch",
    security(("bearer" = [])), params(("kind" = String, Path), ("id" = i64, Path)),
    request_body(content = Object, description = "DispatchProfile"),
    responses((status = 200, description = "saved"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn put_profile(
    State(state): State<AppState>,
    caller: Caller,
    Path((kind, id)): Path<(TargetKind, i64)>,
    Json(profile): Json<DispatchProfile>,
) -> Result<Json<DispatchProfile>, ApiError> {
    caller.require(Role::dispatches)?;
    let tenant_id = caller.tenant_id();
    let settings = state.store.dispatch_settings(tenant_id).await?;
    let named = state.store.named_regions(tenant_id).await?;
    profile
        .validate(
            &settings.catalog,
            fieldesk_core::region::DivisionTable::shared(),
            &named,
        )
        .map_err(invalid)?;
    if kind == TargetKind::ServiceGroup && !profile.qualifications.is_empty() {
        // Qualifications are a provider's certificates.
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    state
        .store
        .set_profile(tenant_id, kind, id, profile.clone())
        .await?;
    Ok(Json(profile))
}

/// The tenant's named regions.
#[utoipa::path(get, path = "/api/dispatch/regions", tag = "dispatch", security(("bearer" = [])),
    responses((status = 200, description = "[NamedRegion]"), (status = 403, body = ErrorBody)))]
pub async fn regions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<NamedRegion>>, ApiError> {
    caller.require(Role::dispatches)?;
    Ok(Json(state.store.named_regions(caller.tenant_id()).await?))
}

/// Creates (no id) or replaces a named region.
#[utoipa::path(post, path = "/api/dispatch/regions", tag = "dispatch", security(("bearer" = [])),
    request_body(content = Object, description = "NamedRegion; id 0 creates"),
    responses((status = 200, description = "NamedRegion"), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn save_region(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut region): Json<NamedRegion>,
) -> Result<Json<NamedRegion>, ApiError> {
    caller.require(Role::dispatches)?;
    region.name = region.name.trim().to_owned();
    region
        .validate(fieldesk_core::region::DivisionTable::shared())
        .map_err(invalid)?;
    let id = (region.id != 0).then_some(region.id);
    Ok(Json(
        state
            .store
            .save_named_region(caller.tenant_id(), id, region)
            .await?,
    ))
}

/// Skill-check rules, then auto-dispatch rules.
#[utoipa::path(get, path = "/api/dispatch/rules", tag = "dispatch", security(("bearer" = [])),
    responses((status = 200, description = "[Rule]"), (status = 403, body = ErrorBody)))]
pub async fn rules(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Rule>>, ApiError> {
    caller.require(Role::dispatches)?;
    Ok(Json(state.store.rules(caller.tenant_id()).await?))
}

async fn checked_rule(state: &AppState, caller: &Caller, mut rule: Rule) -> Result<Rule, ApiError> {
    match &mut rule {
        Rule::Skill(r) => r.name = r.name.trim().to_owned(),
        Rule::Auto(r) => r.name = r.name.trim().to_owned(),
    }
    let settings = state.store.dispatch_settings(caller.tenant_id()).await?;
    rule.validate(&settings.catalog).map_err(invalid)?;
    Ok(rule)
}

/// Creates a rule (`{"kind": "skill" | "auto", ...}`).
#[utoipa::path(post, path = "/api/dispatch/rules", tag = "dispatch", security(("bearer" = [])),
    request_body(content = Object, description = "Rule"),
    responses((status = 201, description = "Rule"), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create_rule(
    State(state): State<AppState>,
    caller: Caller,
    Json(rule): Json<Rule>,
) -> Result<(StatusCode, Json<Rule>), ApiError> {
    caller.require(Role::dispatches)?;
    let rule = checked_rule(&state, &caller, rule).await?;
    let saved = state
        .store
        .save_rule(caller.tenant_id(), None, rule)
        .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Replaces a rule (of the same kind).
#[utoipa::path(put, path = "/api/dispatch/rules/{id}", tag = "dispatch", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body(content = Object, description = "Rule"),
    responses((status = 200, description = "Rule"), (status = 404, body = ErrorBody)))]
pub async fn update_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(rule): Json<Rule>,
) -> Result<Json<Rule>, ApiError> {
    caller.require(Role::dispatches)?;
    let rule = checked_rule(&state, &caller, rule).await?;
    Ok(Json(
        state
            .store
            .save_rule(caller.tenant_id(), Some(id), rule)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/dispatch/rules/{id}", tag = "dispatch",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::dispatches)?;
    state.store.delete_rule(caller.tenant_id(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
