//! The agent's layouts and quick replies, the layout designer, related work orders.

use fieldesk_core::Role;
use fieldesk_core::layout::{App, Channel, Layout, LayoutBook, LayoutChange, ResolvedLayout};
use fieldesk_core::quick_reply::{QuickReplyBook, QuickReplyChange};
use tauri::State;

use crate::error::AppResult;
use crate::state::SharedShell;

#[tauri::command]
pub async fn workbench_layouts(shell: State<'_, SharedShell>) -> AppResult<Vec<ResolvedLayout>> {
    crate::workbench::layouts(&shell).await
}

#[tauri::command]
pub async fn quick_replies(shell: State<'_, SharedShell>) -> AppResult<QuickReplyBook> {
    crate::workbench::quick_replies(&shell).await
}

#[tauri::command]
pub async fn quick_reply_change(
    shell: State<'_, SharedShell>,
    change: QuickReplyChange,
) -> AppResult<QuickReplyBook> {
    crate::workbench::change_quick_replies(&shell, change).await
}

#[tauri::command]
pub async fn layout_book(shell: State<'_, SharedShell>) -> AppResult<LayoutBook> {
    crate::workbench::layout_book(&shell).await
}

#[tauri::command]
pub async fn layout_change(
    shell: State<'_, SharedShell>,
    change: LayoutChange,
) -> AppResult<LayoutBook> {
    crate::workbench::change_layouts(&shell, change).await
}

#[tauri::command]
pub async fn layout_preview(
    shell: State<'_, SharedShell>,
    app: App,
    role: Role,
    channel: Channel,
) -> AppResult<Layout> {
    crate::workbench::preview(&shell, app, role, channel).await
}

#[tauri::command]
pub async fn related_work_orders(
    shell: State<'_, SharedShell>,
    conversation_id: i64,
) -> AppResult<Vec<fieldesk_core::work_order::RelatedWorkOrder>> {
    crate::workbench::related_work_orders(&shell, conversation_id).await
}
