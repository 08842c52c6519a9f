//! The parts mall (admins and the warehouse).

use fieldesk_core::mall::{MallAnswer, MallCommand};
use tauri::State;

use crate::error::AppResult;
use crate::state::SharedShell;

#[tauri::command]
pub async fn mall(shell: State<'_, SharedShell>, command: MallCommand) -> AppResult<MallAnswer> {
    crate::mall::call(&shell, command).await
}
