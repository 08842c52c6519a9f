//! Service mailboxes (see `src-tauri/src/mail.rs`): one IPC command
//! carrying a [`MailboxCommand`].

use fieldesk_core::email::mailbox::{MailboxAnswer, MailboxCommand};
use fieldesk_core::email::part::{MailAnswer, MailCommand};
use serde::Serialize;

use super::{IpcResult, tauri::invoke};

pub async fn call(command: MailboxCommand) -> IpcResult<MailboxAnswer> {
    #[derive(Serialize)]
    struct Args {
        command: MailboxCommand,
    }
    invoke("mailboxes", &Args { command }).await
}

/// The desk's mail (see `src-tauri/src/mail.rs`).
pub async fn desk(command: MailCommand) -> IpcResult<MailAnswer> {
    #[derive(Serialize)]
    struct Args {
        command: MailCommand,
    }
    invoke("mail", &Args { command }).await
}
