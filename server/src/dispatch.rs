//! Dispatch (派单) at the server's edge: the [`DispatchService`] reads the
//! tenant's rules and targets, asks `core::dispatch` for a decision, stores
//! it with its explanation, and carries it out — a group's engineers are
//! assigned (through the sync log, so their apps pull the order), a
//! provider's admins are told; a provider admin then names a lead and
//! collaborators. Routes check the role and call it.

use std::sync::Arc;

use fieldesk_core::business_hours::LocalDate;
use fieldesk_core::dispatch::{
    Candidate, Decision, OrderFacts, TargetKind, TargetRef, dispatch as decide, missing_for,
};
use fieldesk_core::event::ServerEvent;
use fieldesk_core::sync::{Envelope, Operation, Outcome, RejectReason};
use fieldesk_core::work_order::{
    CrewBody, DispatchBody, DispatchRecord, MAX_CREW, WorkOrderAction, WorkOrderStatus,
    WorkOrderView, engineers_only,
};
use fieldesk_core::{ErrorCode, Role};

use crate::clock::now;
use crate::error::ApiError;
use crate::hub::{Audience, Envelope as HubEnvelope, Hub};
use crate::store::field::{Assignment, Pusher};
use crate::store::{Store, User};

type DispatchResult<T> = Result<T, ApiError>;

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
fn refused(outcome: Option<&Outcome>) -> DispatchResult<()> {
    match outcome {
        Some(Outcome::Rejected {
            reason: RejectReason::UnknownWorkOrder,
        }) => Err(ApiError::new(ErrorCode::NotFound)),
        Some(Outcome::Rejected { .. }) => Err(ApiError::new(ErrorCode::IllegalTransition)),
        _ => Ok(()),
    }
}

/// The engineers among `members`.
fn engineers_among(members: &[i64], users: &[User]) -> Vec<i64> {
    members
        .iter()
        .copied()
        .filter(|m| is_engineer(users, *m))
        .collect()
}

fn is_engineer(users: &[User], id: i64) -> bool {
    users.iter().any(|u| u.id == id && u.role == Role::Engineer)
}

pub struct DispatchService {
    store: Arc<dyn Store>,
    hub: Hub,
}

impl DispatchService {
    pub fn new(store: Arc<dyn Store>, hub: Hub) -> Self {
        DispatchService { store, hub }
    }

    /// Today in the tenant's zone (its business hours' offset; else UTC+8).
    async fn today(&self, tenant_id: i64) -> DispatchResult<LocalDate> {
        let offset = self
            .store
            .chat_settings(tenant_id)
            .await?
            .business_hours
            .map_or(480, |h| h.utc_offset_minutes);
        Ok(LocalDate::at(now(), offset))
    }

    /// Runs the auto-dispatch rules for an order as it is stored now and
    /// carries out the decision. When no rule covers it or nobody
    /// qualifies, the order goes back to unassigned (never left with a
    /// target that no longer fits); the decision says why.
    pub async fn auto(&self, tenant_id: i64, view: &WorkOrderView) -> DispatchResult<Decision> {
        if !view.status.dispatchable() {
            return Err(ApiError::new(ErrorCode::IllegalTransition));
        }
        let inputs = self.store.dispatch_inputs(tenant_id).await?;
        let decision = decide(
            &OrderFacts::of(view),
            &inputs.auto_rules,
            &inputs.skill_rules,
            &inputs.settings.catalog,
            &inputs.candidates,
            self.today(tenant_id).await?,
            inputs.last_chosen,
        );
        let record = DispatchRecord {
            at: now(),
            by: None,
            decision: decision.clone(),
        };
        self.carry_out(tenant_id, view, record).await?;
        Ok(decision)
    }

    /// A supervisor's choice of group or provider: refused with what is
    /// missing when the target fails the skill check.
    pub async fn manual(
        &self,
        tenant_id: i64,
        view: &WorkOrderView,
        by: i64,
        target: TargetRef,
    ) -> DispatchResult<()> {
        if !view.status.dispatchable() {
            return Err(ApiError::new(ErrorCode::IllegalTransition));
        }
        let inputs = self.store.dispatch_inputs(tenant_id).await?;
        let candidate: &Candidate = inputs
            .candidates
            .iter()
            .find(|c| c.kind == target.kind && c.id == target.id)
            .ok_or(ApiError::new(ErrorCode::NotFound))?;
        let catalog = &inputs.settings.catalog;
        let missing = missing_for(
            candidate,
            &OrderFacts::of(view),
            &inputs.skill_rules,
            catalog,
            self.today(tenant_id).await?,
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
                chosen: Some(target),
                unassigned_because: None,
                rules: vec![],
            },
        };
        self.carry_out(tenant_id, view, record).await
    }

    /// The provider's admin names the lead engineer and (when the dispatch
    /// settings allow) collaborating engineers, all of the provider the
    /// order was dispatched to.
    pub async fn crew(
        &self,
        tenant_id: i64,
        view: &WorkOrderView,
        body: &CrewBody,
    ) -> DispatchResult<()> {
        let provider = match &view.target {
            Some(t) if t.kind == TargetKind::ServiceProvider => t.id,
            _ => return Err(ApiError::new(ErrorCode::IllegalTransition)),
        };
        if !view.status.dispatchable() {
            return Err(ApiError::new(ErrorCode::IllegalTransition));
        }
        let settings = self.store.dispatch_settings(tenant_id).await?;
        if !body.collaborators.is_empty() && !settings.provider_collaborators {
            return Err(ApiError::new(ErrorCode::CollaboratorsOff));
        }
        let crew = body.crew();
        let members = self.provider_members(tenant_id, provider).await?;
        let users = self.store.users(tenant_id).await?;
        if !engineers_only(&crew, MAX_CREW, |e| {
            members.contains(&e) && is_engineer(&users, e)
        }) {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
        self.change_hands(tenant_id, view, None, &crew, Some(body.lead))
            .await?;
        let target = view.target.as_ref().map(|t| t.target());
        self.announce(tenant_id, view.id, target, &users).await
    }

    /// A dispatcher assigns engineers (the first leads), closes, reopens
    /// or cancels: the transition and the new engineers in one write.
    pub async fn act(
        &self,
        tenant_id: i64,
        by: i64,
        id: i64,
        body: DispatchBody,
    ) -> DispatchResult<Vec<i64>> {
        let assign = body.action == WorkOrderAction::Assign;
        // Only an assignment names users.
        let users = if assign {
            self.store.users(tenant_id).await?
        } else {
            vec![]
        };
        if !body.is_valid(|e| is_engineer(&users, e)) {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
        let change = Assignment {
            dispatch: None,
            transition: Some(dispatcher_transition(by, id, body.action)),
            assignees: assign.then(|| (body.engineers.clone(), None)),
        };
        let outcome = self.store.assign(tenant_id, id, change).await?;
        refused(outcome.as_ref())?;
        Ok(body.engineers)
    }

    async fn provider_members(&self, tenant_id: i64, provider: i64) -> DispatchResult<Vec<i64>> {
        Ok(self
            .store
            .providers(tenant_id)
            .await?
            .into_iter()
            .find(|p| p.id == provider)
            .map(|p| p.member_ids)
            .unwrap_or_default())
    }

    /// Stores the decision; a group's engineers get the order, a
    /// provider's admins are told (the order waits for them to name a
    /// crew). Decision, status and assignees are written in one
    /// transaction; the users are read once.
    async fn carry_out(
        &self,
        tenant_id: i64,
        view: &WorkOrderView,
        record: DispatchRecord,
    ) -> DispatchResult<()> {
        let users = self.store.users(tenant_id).await?;
        let chosen = record.decision.chosen;
        // A provider's admin names the crew; until then nobody has it.
        // Nobody qualifying: nobody has it either.
        let engineers = match chosen {
            Some(TargetRef {
                kind: TargetKind::ServiceGroup,
                id,
            }) => {
                let members = self
                    .store
                    .groups(tenant_id)
                    .await?
                    .into_iter()
                    .find(|g| g.id == id)
                    .map(|g| g.member_ids)
                    .unwrap_or_default();
                engineers_among(&members, &users)
            }
            Some(_) | None => vec![],
        };
        self.change_hands(tenant_id, view, Some(record), &engineers, None)
            .await?;
        self.announce(tenant_id, view.id, chosen, &users).await
    }

    /// Gives the order to `engineers` (none: back to new) with the
    /// dispatch record that caused it, in one write, logging the status
    /// change in the sync log; old and new assignees are told to pull.
    async fn change_hands(
        &self,
        tenant_id: i64,
        view: &WorkOrderView,
        dispatch: Option<DispatchRecord>,
        engineers: &[i64],
        lead: Option<i64>,
    ) -> DispatchResult<()> {
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
        let outcome = self.store.assign(tenant_id, view.id, change).await?;
        refused(outcome.as_ref())?;
        let mut told = view.assignees.clone();
        told.extend(engineers);
        self.tell_to_pull(tenant_id, told).await;
        Ok(())
    }

    /// Tells `users` (each once) that there are changes to pull.
    pub async fn tell_to_pull(&self, tenant_id: i64, mut users: Vec<i64>) {
        if users.is_empty() {
            return;
        }
        users.sort_unstable();
        users.dedup();
        let cursor = self.store.last_change(tenant_id).await.unwrap_or(0);
        for user in users {
            self.hub.publish(HubEnvelope {
                tenant_id,
                audience: Audience::User(user),
                event: ServerEvent::SyncAvailable { cursor },
            });
        }
    }

    /// Tells dispatchers and the target provider's admins that an order's
    /// dispatch changed.
    async fn announce(
        &self,
        tenant_id: i64,
        id: i64,
        target: Option<TargetRef>,
        users: &[User],
    ) -> DispatchResult<()> {
        let provider_members = match target {
            Some(t) if t.kind == TargetKind::ServiceProvider => {
                self.provider_members(tenant_id, t.id).await?
            }
            _ => vec![],
        };
        for user in users {
            let told = user.role.dispatches()
                || (user.role == Role::ProviderAdmin && provider_members.contains(&user.id));
            if told {
                self.hub.publish(HubEnvelope {
                    tenant_id,
                    audience: Audience::User(user.id),
                    event: ServerEvent::WorkOrderDispatched { work_order: id },
                });
            }
        }
        Ok(())
    }
}
