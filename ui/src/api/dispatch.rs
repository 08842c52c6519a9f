//! Dispatch commands (see `src-tauri/src/dispatch.rs`): the configuration,
//! the board's and provider admins' commands on work orders.

use fieldesk_core::ipc::{ConfigChange, DispatchConfig, OrderCommand};
use fieldesk_core::work_order::WorkOrderView;
use serde::Serialize;

use super::{IpcResult, NoArgs, tauri::invoke};

/// A work order's dispatch changed (payload: its id).
pub use fieldesk_core::ipc::DISPATCH_EVENT;

pub async fn config() -> IpcResult<DispatchConfig> {
    invoke("dispatch_config", &NoArgs {}).await
}

pub async fn save(change: &ConfigChange) -> IpcResult<DispatchConfig> {
    #[derive(Serialize)]
    struct Args<'a> {
        change: &'a ConfigChange,
    }
    invoke("dispatch_save", &Args { change }).await
}

pub async fn order(command: &OrderCommand) -> IpcResult<WorkOrderView> {
    #[derive(Serialize)]
    struct Args<'a> {
        command: &'a OrderCommand,
    }
    invoke("dispatch_order", &Args { command }).await
}
