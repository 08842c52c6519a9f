//! Storage of the workbench: layouts and who sees them, quick replies
//! and their groups. `owner` is `None` for the enterprise's replies and
//! groups, else the agent whose own they are; another owner's rows are
//! "not found".

use async_trait::async_trait;
use fieldesk_core::layout::{Assignment, Channel, Layout, LayoutBook};
use fieldesk_core::quick_reply::{QuickReply, QuickReplyGroup, QuickReplyInput};

use super::StoreResult;

#[async_trait]
pub trait WorkbenchStore: Send + Sync + 'static {
    async fn layout_book(&self, tenant_id: i64) -> StoreResult<LayoutBook>;
    /// Creates (`id` none) or replaces a layout; a taken name is a conflict.
    async fn save_layout(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        layout: Layout,
    ) -> StoreResult<Layout>;
    /// Deletes a layout and its assignments (agents fall back).
    async fn delete_layout(&self, tenant_id: i64, id: i64) -> StoreResult<()>;
    /// Replaces all assignments; one naming an unknown layout: not found.
    async fn set_assignments(
        &self,
        tenant_id: i64,
        assignments: Vec<Assignment>,
    ) -> StoreResult<()>;

    /// `user`'s own replies and groups, then the enterprise's, in order.
    async fn quick_replies(
        &self,
        tenant_id: i64,
        user: i64,
    ) -> StoreResult<(Vec<QuickReply>, Vec<QuickReplyGroup>)>;
    /// Creates (`id` none; once per client id) or changes a reply.
    async fn save_quick_reply(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: Option<i64>,
        input: QuickReplyInput,
    ) -> StoreResult<QuickReply>;
    /// Whose a reply is: `Some(owner)` if it exists in the tenant.
    async fn quick_reply_owner(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Option<i64>>>;
    async fn delete_quick_reply(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: i64,
    ) -> StoreResult<()>;
    /// Puts the owner's replies in this order (others keep theirs, after).
    async fn order_quick_replies(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        ids: Vec<i64>,
    ) -> StoreResult<()>;
    /// Creates (`id` none) or renames a group; a taken name is a conflict.
    async fn save_quick_reply_group(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: Option<i64>,
        name: String,
    ) -> StoreResult<QuickReplyGroup>;
    /// Deletes a group; its replies stay, ungrouped.
    async fn delete_quick_reply_group(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: i64,
    ) -> StoreResult<()>;
    /// The channels quick replies are on in (all, until set).
    async fn quick_reply_channels(&self, tenant_id: i64) -> StoreResult<Vec<Channel>>;
    async fn set_quick_reply_channels(
        &self,
        tenant_id: i64,
        channels: Vec<Channel>,
    ) -> StoreResult<()>;
}
