//! Service mailboxes (the email channel).

use fieldesk_core::email::mailbox::{MailboxAnswer, MailboxCommand};
use tauri::State;

use crate::error::AppResult;
use crate::state::SharedShell;

#[tauri::command]
pub async fn mailboxes(
    shell: State<'_, SharedShell>,
    command: MailboxCommand,
) -> AppResult<MailboxAnswer> {
    crate::mail::call(&shell, command).await
}
