//! Security commands (see `src-tauri/src/security.rs`): one IPC command
//! carrying a [`SecurityCommand`].

use fieldesk_core::security::{SecurityAnswer, SecurityCommand};
use serde::Serialize;

use super::{IpcResult, tauri::invoke};

pub async fn call(command: SecurityCommand) -> IpcResult<SecurityAnswer> {
    #[derive(Serialize)]
    struct Args {
        command: SecurityCommand,
    }
    invoke("security", &Args { command }).await
}
