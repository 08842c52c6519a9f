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

#[tauri::command]
pub async fn mail(
    shell: State<'_, SharedShell>,
    command: fieldesk_core::email::part::MailCommand,
) -> AppResult<fieldesk_core::email::part::MailAnswer> {
    crate::mail::desk(&shell, command).await
}
