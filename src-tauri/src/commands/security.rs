//! Sessions, users and the security settings.

use tauri::State;

use crate::error::AppResult;
use crate::state::SharedShell;

#[tauri::command]
pub async fn security(
    shell: State<'_, SharedShell>,
    command: fieldesk_core::security::SecurityCommand,
) -> AppResult<fieldesk_core::security::SecurityAnswer> {
    crate::security::call(&shell, command).await
}
