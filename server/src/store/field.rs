//! Storage of field service: work orders with their devices and
//! engineers, step results with history, and the sync log where each
//! client operation is applied once (decisions from `core::sync`).

use async_trait::async_trait;
use fieldesk_core::device::FieldDef;
use fieldesk_core::standard_operation::{Template, TemplateInput};
use fieldesk_core::sync::{Change, Envelope, Outcome};
use fieldesk_core::work_order::{
    DispatchRecord, RelatedWorkOrder, WorkOrderInput, WorkOrderStatus, WorkOrderView,
};

use super::StoreResult;

/// One change of who has a work order (see [`FieldStore::assign`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignment {
    pub dispatch: Option<DispatchRecord>,
    /// A status change, applied as by this pusher.
    pub transition: Option<(Pusher, Envelope)>,
    /// The new engineers and lead (`None`: unchanged).
    pub assignees: Option<(Vec<i64>, Option<i64>)>,
}

pub use fieldesk_core::apply::Pusher;

/// What applying one operation did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub outcome: Outcome,
    /// The order's engineers when the operation changed it (they are told
    /// to pull); empty when it was refused or a retry.
    pub engineers: Vec<i64>,
}

#[async_trait]
pub trait FieldStore: Send + Sync + 'static {
    async fn create_work_order(
        &self,
        tenant_id: i64,
        input: WorkOrderInput,
    ) -> StoreResult<WorkOrderView>;
    async fn work_order(&self, tenant_id: i64, id: i64) -> StoreResult<Option<WorkOrderView>>;
    /// A customer's newest `limit` orders, by name (trimmed; Latin letters
    /// in any case), without their devices and steps.
    async fn customer_orders(
        &self,
        tenant_id: i64,
        customer: String,
        limit: usize,
    ) -> StoreResult<Vec<RelatedWorkOrder>>;
    /// All of the tenant's (`None`) or one engineer's work orders.
    async fn work_orders(
        &self,
        tenant_id: i64,
        assignee: Option<i64>,
    ) -> StoreResult<Vec<WorkOrderView>>;
    /// Writes a changed order's customer, address (division, point), type,
    /// product category, customer tier and priority.
    async fn update_work_order(&self, tenant_id: i64, view: WorkOrderView) -> StoreResult<()>;
    /// Changes who has a work order in one transaction: the dispatch
    /// record (its choice becomes the order's target, the lead is cleared),
    /// the status transition through the sync log (a rejected one writes
    /// nothing at all and is answered), then the assignees and lead.
    async fn assign(
        &self,
        tenant_id: i64,
        work_order: i64,
        change: Assignment,
    ) -> StoreResult<Option<Outcome>>;
    /// Applies `envelope` once: a known op id answers its first outcome.
    async fn apply_op(
        &self,
        tenant_id: i64,
        pusher: Pusher,
        envelope: Envelope,
    ) -> StoreResult<Applied>;
    /// Changes after `cursor` on work orders the user may see, at most `limit`.
    async fn changes_after(
        &self,
        tenant_id: i64,
        assignee: Option<i64>,
        cursor: u64,
        limit: u32,
    ) -> StoreResult<Vec<Change>>;
    /// Keeps a photo (its id is the SHA-256 of its bytes); again is a no-op.
    async fn put_photo(
        &self,
        tenant_id: i64,
        id: String,
        content_type: &'static str,
        bytes: Vec<u8>,
        user_id: i64,
    ) -> StoreResult<()>;
    /// The bytes of all the tenant's photos, and whether `id` is one.
    async fn photo_usage(&self, tenant_id: i64, id: String) -> StoreResult<(u64, bool)>;
    /// A photo's content type and bytes.
    async fn photo(&self, tenant_id: i64, id: String) -> StoreResult<Option<(String, Vec<u8>)>>;
    /// The tenant's newest change seq (0: none).
    async fn last_change(&self, tenant_id: i64) -> StoreResult<u64>;
    /// The built-in device fields followed by the tenant's custom ones.
    async fn device_fields(&self, tenant_id: i64) -> StoreResult<Vec<FieldDef>>;
    /// Replaces the tenant's custom device fields.
    async fn set_device_fields(&self, tenant_id: i64, custom: Vec<FieldDef>) -> StoreResult<()>;
    async fn templates(&self, tenant_id: i64) -> StoreResult<Vec<Template>>;
    /// Creates (`id` none) or replaces a template; a taken name is a conflict.
    async fn save_template(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        input: TemplateInput,
    ) -> StoreResult<Template>;
    async fn statuses(
        &self,
        tenant_id: i64,
        assignee: Option<i64>,
    ) -> StoreResult<Vec<(i64, WorkOrderStatus)>>;
}
