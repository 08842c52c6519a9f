//! The dispatch screens and work-order commands.

use fieldesk_core::ipc::{ConfigChange, DispatchConfig, OrderCommand};
use fieldesk_core::work_order::WorkOrderView;
use tauri::State;

use crate::error::AppResult;
use crate::state::SharedShell;

#[tauri::command]
pub async fn dispatch_config(shell: State<'_, SharedShell>) -> AppResult<DispatchConfig> {
    crate::dispatch::config(&shell).await
}

#[tauri::command]
pub async fn dispatch_save(
    shell: State<'_, SharedShell>,
    change: ConfigChange,
) -> AppResult<DispatchConfig> {
    crate::dispatch::save(&shell, change).await
}

#[tauri::command]
pub async fn dispatch_order(
    shell: State<'_, SharedShell>,
    command: OrderCommand,
) -> AppResult<WorkOrderView> {
    crate::dispatch::order(&shell, command).await
}
