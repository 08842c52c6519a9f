//! Field service (服务通) at the server's edge: the [`FieldService`] owns
//! the work-order use cases — who sees which orders, creating and changing
//! them (a change that matters to dispatch runs it again), and the
//! engineers' sync (push applies each operation once with
//! `core::apply::plan`, pull pages the change log), and the step photos
//! (`photo.rs`). Routes check the role and call it.

mod photo;

use std::sync::Arc;

use fieldesk_core::ErrorCode;
use fieldesk_core::chat::validate_client_id;
use fieldesk_core::dispatch::{OrderFacts, TargetKind};
use fieldesk_core::region::DivisionTable;
use fieldesk_core::sync::{Envelope, MAX_PUSH, PullAnswer, PushAnswer};
use fieldesk_core::work_order::{WorkOrderChange, WorkOrderInput, WorkOrderView};

use crate::dispatch::DispatchService;
use crate::error::ApiError;
use crate::store::field::Pusher;
use crate::store::{Store, User};
use fieldesk_core::Role;

type FieldResult<T> = Result<T, ApiError>;

/// Changes per pull page.
const PAGE: u32 = 1000;

/// Who syncs which work orders: dispatchers all (`None`), engineers their
/// own; anyone else none.
pub fn scope(user: &User) -> FieldResult<Option<i64>> {
    match user.role {
        role if role.dispatches() => Ok(None),
        Role::Engineer => Ok(Some(user.id)),
        _ => Err(ApiError::new(ErrorCode::Forbidden)),
    }
}

/// One work order if `user` may see it: dispatchers any, engineers those
/// they are assigned to, provider admins those dispatched to their
/// providers (else not found; other roles are forbidden).
pub async fn visible_work_order(
    store: &dyn Store,
    user: &User,
    id: i64,
) -> FieldResult<WorkOrderView> {
    let tenant_id = user.tenant_id;
    let view = store
        .work_order(tenant_id, id)
        .await?
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    let allowed = match user.role {
        role if role.dispatches() => true,
        Role::Engineer => view.assignees.contains(&user.id),
        Role::ProviderAdmin => match &view.target {
            Some(t) if t.kind == TargetKind::ServiceProvider => store
                .providers_of(tenant_id, user.id)
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

pub struct FieldService {
    store: Arc<dyn Store>,
    dispatch: Arc<DispatchService>,
    divisions: &'static DivisionTable,
    /// The most bytes of photos one tenant may keep.
    photo_quota_bytes: u64,
}

impl FieldService {
    pub fn new(
        store: Arc<dyn Store>,
        dispatch: Arc<DispatchService>,
        divisions: &'static DivisionTable,
        photo_quota_bytes: u64,
    ) -> Self {
        FieldService {
            store,
            dispatch,
            divisions,
            photo_quota_bytes,
        }
    }

    /// The work orders `user` may see: [`scope`]'s, or for a provider
    /// admin those dispatched to their providers.
    pub async fn visible(&self, user: &User) -> FieldResult<Vec<WorkOrderView>> {
        let tenant_id = user.tenant_id;
        if user.role == Role::ProviderAdmin {
            let providers = self.store.providers_of(tenant_id, user.id).await?;
            let mut out = vec![];
            for id in self.store.provider_orders(tenant_id, providers).await? {
                out.extend(self.store.work_order(tenant_id, id).await?);
            }
            return Ok(out);
        }
        Ok(self.store.work_orders(tenant_id, scope(user)?).await?)
    }

    /// One order if `user` may see it (else not found).
    pub async fn visible_one(&self, user: &User, id: i64) -> FieldResult<WorkOrderView> {
        visible_work_order(&*self.store, user, id).await
    }

    /// Creates a work order with its devices and dispatches it
    /// automatically. A picked division must exist; otherwise the address
    /// text decides, and an ambiguous one stays unresolved (never a guess).
    pub async fn create(&self, user: &User, mut input: WorkOrderInput) -> FieldResult<i64> {
        if !input.is_valid() {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
        match input.division {
            Some(code) if self.divisions.get(code).is_none() => {
                return Err(ApiError::new(ErrorCode::BadRequest));
            }
            Some(_) => {}
            None => input.division = self.divisions.resolve(&input.address),
        }
        let view = self.store.create_work_order(user.tenant_id, input).await?;
        self.dispatch.auto(user.tenant_id, &view).await?;
        Ok(view.id)
    }

    /// Changes an order's customer, address, type, product category, tier
    /// or priority; a change that matters to dispatch runs it again (while
    /// nobody has started the order); its engineers are told.
    pub async fn update(&self, user: &User, id: i64, change: WorkOrderChange) -> FieldResult<()> {
        let tenant_id = user.tenant_id;
        let before = self.visible_one(user, id).await?;
        let after = change
            .applied_to(&before, self.divisions)
            .ok_or(ApiError::new(ErrorCode::BadRequest))?;
        if after == before {
            return Ok(());
        }
        self.store
            .update_work_order(tenant_id, after.clone())
            .await?;
        if OrderFacts::of(&after) != OrderFacts::of(&before) && after.status.dispatchable() {
            self.dispatch.auto(tenant_id, &after).await?;
        } else {
            self.dispatch
                .tell_to_pull(tenant_id, after.assignees.clone())
                .await;
        }
        Ok(())
    }

    /// Runs auto-dispatch again now (orders nobody has started).
    pub async fn auto_dispatch(&self, user: &User, id: i64) -> FieldResult<()> {
        let view = self.visible_one(user, id).await?;
        self.dispatch.auto(user.tenant_id, &view).await?;
        Ok(())
    }

    /// Applies a batch of operations in order, each once (retries get the
    /// first answers); the engineers of every order that changed are told
    /// to pull, once.
    pub async fn push(&self, user: &User, ops: Vec<Envelope>) -> FieldResult<Vec<PushAnswer>> {
        scope(user)?;
        if ops.len() > MAX_PUSH || ops.iter().any(|e| validate_client_id(&e.op_id).is_err()) {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
        let pusher = Pusher {
            user_id: user.id,
            dispatcher: user.role.dispatches(),
        };
        let mut answers = Vec::with_capacity(ops.len());
        let mut told = Vec::new();
        for envelope in ops {
            let op_id = envelope.op_id.clone();
            let applied = self
                .store
                .apply_op(user.tenant_id, pusher, envelope)
                .await?;
            told.extend(applied.engineers);
            answers.push(PushAnswer {
                op_id,
                outcome: applied.outcome,
            });
        }
        self.dispatch.tell_to_pull(user.tenant_id, told).await;
        Ok(answers)
    }

    /// `user`'s changes after a cursor, a page at a time, with the current
    /// statuses of their work orders.
    pub async fn pull(&self, user: &User, after: u64) -> FieldResult<PullAnswer> {
        let scope = scope(user)?;
        let tenant_id = user.tenant_id;
        let changes = self
            .store
            .changes_after(tenant_id, scope, after, PAGE + 1)
            .await?;
        let more = changes.len() > PAGE as usize;
        let changes: Vec<_> = changes.into_iter().take(PAGE as usize).collect();
        let cursor = changes.last().map_or(after, |c| c.seq);
        let statuses = self.store.statuses(tenant_id, scope).await?;
        Ok(PullAnswer {
            cursor,
            changes,
            statuses,
            more,
        })
    }
}
