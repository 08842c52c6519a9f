//! Dispatch (派单) at the server's edge: reads the tenant's rules and
//! targets, asks `core::dispatch` for a decision, stores it with its
//! explanation, and carries it out — a group's engineers are assigned
//! (through the sync log, so their apps pull the order), a provider's
//! admins are told; a provider admin then names a lead and collaborators.

use fieldesk_core::business_hours::LocalDate;
use fieldesk_core::dispatch::{
    Candidate, Decision, OrderFacts, TargetKind, TargetRef, dispatch as decide, missing_for,
};
use fieldesk_core::event::ServerEvent;
use fieldesk_core::sync::{Envelope, Operation, Outcome, RejectReason};
use fieldesk_core::work_order::{DispatchRecord, WorkOrderAction, WorkOrderStatus, WorkOrderView};
use fieldesk_core::{ErrorCode, Role};

use crate::clock::now;
use crate::error::ApiError;
use crate::hub::{Audience, Envelope as HubEnvelope};
use crate::state::AppState;
use crate::store::field::{Assignment, Pusher};

/// Today in the tenant's zone (its business hours' offset; else UTC+8).
async fn today(state: &AppState, tenant_id: i64) -> Result<LocalDate, ApiError> {
    let offset = state
        .store
        .chat_settings(tenant_id)
        .await?
        .business_hours
        .map_or(480, |h| h.utc_offset_minutes);
    Ok(LocalDate::at(now(), offset))
}

async fn order(state: &AppState, tenant_id: i64, id: i64) -> Result<WorkOrderView, ApiError> {
    state
        .store
        .work_order(tenant_id, id)
        .await?
        .ok_or(ApiError::new(ErrorCode::NotFound))
}

/// Runs the auto-dispatch rules for an order and carries out the
/// decision. When no rule covers it or nobody qualifies, the order goes
/// back to unassigned (never left with a target that no longer fits);
/// the decision says why.
pub async fn auto(state: &AppState, tenant_id: i64, id: i64) -> Result<Decision, ApiError> {
    let view = order(state, tenant_id, id).await?;
    if !view.status.dispatchable() {
        return Err(ApiError::new(ErrorCode::IllegalTransition));
    }
    let inputs = state.store.dispatch_inputs(tenant_id).await?;
    let decision = decide(
        &OrderFacts::of(&view),
        &inputs.auto_rules,
        &inputs.skill_rules,
        &inputs.settings.catalog,
        &inputs.candidates,
        today(state, tenant_id).await?,
        inputs.last_chosen,
    );
    let record = DispatchRecord {
        at: now(),
        by: None,
        decision: decision.clone(),
    };
    carry_out(state, tenant_id, &view, record).await?;
    Ok(decision)
}

/// A supervisor's choice of group or provider: refused with what is
/// missing when the target fails the skill check.
pub async fn manual(
    state: &AppState,
    tenant_id: i64,
    id: i64,
    by: i64,
    kind: TargetKind,
    target: i64,
) -> Result<(), ApiError> {
    let view = order(state, tenant_id, id).await?;
    if !view.status.dispatchable() {
        return Err(ApiError::new(ErrorCode::IllegalTransition));
    }
    let inputs = state.store.dispatch_inputs(tenant_id).await?;
    let candidate: &Candidate = inputs
        .candidates
        .iter()
        .find(|c| c.kind == kind && c.id == target)
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    let catalog = &inputs.settings.catalog;
    let missing = missing_for(
        candidate,
        &OrderFacts::of(&view),
        &inputs.skill_rules,
        catalog,
        today(state, tenant_id).await?,
    );
    if !missing.is_empty() {
        return Err(ApiError::with_details(
            ErrorCode::MissingSkills,
            missing.iter().map(|m| m.message(catalog)).collect(),
        ));
    }
    let record = DispatchRecord {
        at: now(),
        by: Some(by),
        decision: Decision {
            chosen: Some(TargetRef { kind, id: target }),
            unassigned_because: None,
            rules: vec![],
        },
    };
    carry_out(state, tenant_id, &view, record).await
}

/// Stores the decision; a group's engineers get the order, a provider's
/// admins are told (the order waits for them to name a crew). Decision,
/// status and assignees are written in one transaction.
async fn carry_out(
    state: &AppState,
    tenant_id: i64,
    view: &WorkOrderView,
    record: DispatchRecord,
) -> Result<(), ApiError> {
    // A provider's admin names the crew; until then nobody has it.
    // Nobody qualifying: nobody has it either.
    let engineers = match record.decision.chosen {
        Some(TargetRef {
            kind: TargetKind::ServiceGroup,
            id,
        }) => group_engineers(state, tenant_id, id).await?,
        Some(_) | None => vec![],
    };
    change_hands(state, tenant_id, view, Some(record), &engineers, None).await?;
    announce(state, tenant_id, view.id).await
}

/// The engineers among a group's members.
async fn group_engineers(
    state: &AppState,
    tenant_id: i64,
    group: i64,
) -> Result<Vec<i64>, ApiError> {
    let users = state.store.users(tenant_id).await?;
    let members = state
        .store
        .groups(tenant_id)
        .await?
        .into_iter()
        .find(|g| g.id == group)
        .map(|g| g.member_ids)
        .unwrap_or_default();
    Ok(members
        .into_iter()
        .filter(|m| users.iter().any(|u| u.id == *m && u.role == Role::Engineer))
        .collect())
}

/// A dispatcher's status change of an order, as a sync operation with a
/// fresh op id (so it reaches the engineers' apps through the sync log).
pub fn dispatcher_transition(
    user_id: i64,
    work_order: i64,
    action: WorkOrderAction,
) -> (Pusher, Envelope) {
    let (_, hash) = crate::auth::new_token();
    let envelope = Envelope {
        op_id: format!("dispatch-{hash}"),
        op: Operation::Transition { work_order, action },
    };
    (
        Pusher {
            user_id,
            dispatcher: true,
        },
        envelope,
    )
}

/// The localized error for a refused transition, if it was refused.
pub fn refused(outcome: Option<&Outcome>) -> Result<(), ApiError> {
    match outcome {
        Some(Outcome::Rejected {
            reason: RejectReason::UnknownWorkOrder,
        }) => Err(ApiError::new(ErrorCode::NotFound)),
        Some(Outcome::Rejected { .. }) => Err(ApiError::new(ErrorCode::IllegalTransition)),
        _ => Ok(()),
    }
}

/// Gives the order to `engineers` (none: back to new), logging the
/// status change in the sync log; old and new assignees are told to pull.
pub async fn assign(
    state: &AppState,
    tenant_id: i64,
    view: &WorkOrderView,
    engineers: &[i64],
    lead: Option<i64>,
) -> Result<(), ApiError> {
    change_hands(state, tenant_id, view, None, engineers, lead).await
}

/// [`assign`] with the dispatch record that caused it, in one write.
async fn change_hands(
    state: &AppState,
    tenant_id: i64,
    view: &WorkOrderView,
    dispatch: Option<DispatchRecord>,
    engineers: &[i64],
    lead: Option<i64>,
) -> Result<(), ApiError> {
    let action = if engineers.is_empty() {
        (view.status != WorkOrderStatus::New).then_some(WorkOrderAction::Decline)
    } else {
        Some(WorkOrderAction::Assign)
    };
    let change = Assignment {
        dispatch,
        transition: action.map(|action| dispatcher_transition(0, view.id, action)),
        assignees: Some((engineers.to_vec(), lead)),
    };
    let outcome = state.store.assign(tenant_id, view.id, change).await?;
    refused(outcome.as_ref())?;
    let cursor = state.store.last_change(tenant_id).await.unwrap_or(0);
    let mut told = view.assignees.clone();
    told.extend(engineers);
    told.sort_unstable();
    told.dedup();
    for user in told {
        state.hub.publish(HubEnvelope {
            tenant_id,
            audience: Audience::User(user),
            event: ServerEvent::SyncAvailable { cursor },
        });
    }
    Ok(())
}

/// Tells dispatchers and the target provider's admins that an order's
/// dispatch changed.
pub async fn announce(state: &AppState, tenant_id: i64, id: i64) -> Result<(), ApiError> {
    let view = order(state, tenant_id, id).await?;
    let provider_members = match &view.target {
        Some(t) if t.kind == TargetKind::ServiceProvider => state
            .store
            .providers(tenant_id)
            .await?
            .into_iter()
            .find(|p| p.id == t.id)
            .map(|p| p.member_ids)
            .unwrap_or_default(),
        _ => vec![],
    };
    for user in state.store.users(tenant_id).await? {
        let told = user.role.dispatches()
            || (user.role == Role::ProviderAdmin && provider_members.contains(&user.id));
        if told {
            state.hub.publish(HubEnvelope {
                tenant_id,
                audience: Audience::User(user.id),
                event: ServerEvent::WorkOrderDispatched { work_order: id },
            });
        }
    }
    Ok(())
}
