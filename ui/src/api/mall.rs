//! The parts mall (see `src-tauri/src/mall.rs`): one IPC command
//! carrying a [`MallCommand`].

use fieldesk_core::mall::{MallAnswer, MallCommand};
use serde::Serialize;

use super::{IpcResult, tauri::invoke};

pub use fieldesk_core::ipc::MALL_EVENT;

pub async fn call(command: MallCommand) -> IpcResult<MallAnswer> {
    #[derive(Serialize)]
    struct Args {
        command: MallCommand,
    }
    invoke("mall", &Args { command }).await
}
