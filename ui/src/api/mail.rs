//! Service mailboxes (see `src-tauri/src/mail.rs`): one IPC command
//! carrying a [`MailboxCommand`].

use fieldesk_core::email::mailbox::{MailboxAnswer, MailboxCommand};
use serde::Serialize;

use super::{IpcResult, tauri::invoke};

pub async fn call(command: MailboxCommand) -> IpcResult<MailboxAnswer> {
    #[derive(Serialize)]
    struct Args {
        command: MailboxCommand,
    }
    invoke("mailboxes", &Args { command }).await
}
