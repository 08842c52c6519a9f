//! The engineer's field work, templates, device fields and label sheets.

use fieldesk_core::device::FieldDef;
use fieldesk_core::offline::{LocalWorkOrder, ScanMatch, SyncState};
use fieldesk_core::standard_operation::{Template, TemplateInput};
use fieldesk_core::sync::Operation;
use fieldesk_core::work_order::WorkOrderView;
use tauri::{AppHandle, Manager, State};

use crate::error::AppResult;
use crate::field::{self, admin::LabelSheet};
use crate::state::SharedShell;

#[tauri::command]
pub async fn field_orders(shell: State<'_, SharedShell>) -> AppResult<Vec<LocalWorkOrder>> {
    field::orders(&shell)
}

#[tauri::command]
pub async fn field_order(shell: State<'_, SharedShell>, id: i64) -> AppResult<LocalWorkOrder> {
    field::order(&shell, id)
}

#[tauri::command]
pub async fn field_act(
    app: AppHandle,
    shell: State<'_, SharedShell>,
    op: Operation,
) -> AppResult<LocalWorkOrder> {
    let order = field::act(&shell, op)?;
    field::engine::announce(&app, &shell, false);
    Ok(order)
}

#[tauri::command]
pub async fn field_sync_state(shell: State<'_, SharedShell>) -> AppResult<SyncState> {
    shell.sync.state(&shell)
}

#[tauri::command]
pub async fn field_sync_now(shell: State<'_, SharedShell>) -> AppResult<()> {
    shell.sync.nudge();
    Ok(())
}

#[tauri::command]
pub async fn field_dismiss_issue(
    app: AppHandle,
    shell: State<'_, SharedShell>,
    op_id: String,
) -> AppResult<()> {
    shell.store.dismiss_issue(&op_id)?;
    field::engine::announce(&app, &shell, false);
    Ok(())
}

#[tauri::command]
pub async fn field_scan(
    shell: State<'_, SharedShell>,
    work_order: i64,
    image: String,
) -> AppResult<ScanMatch> {
    field::scan(&shell, work_order, &image).await
}

#[tauri::command]
pub async fn field_attach(
    app: AppHandle,
    shell: State<'_, SharedShell>,
    work_order: i64,
    device: i64,
    step: i64,
    image: String,
) -> AppResult<LocalWorkOrder> {
    let order = field::attach(&shell, work_order, device, step, &image)?;
    field::engine::announce(&app, &shell, false);
    Ok(order)
}

#[tauri::command]
pub async fn field_photo(shell: State<'_, SharedShell>, id: String) -> AppResult<Option<String>> {
    field::photo(&shell, &id)
}

#[tauri::command]
pub async fn templates(shell: State<'_, SharedShell>) -> AppResult<Vec<Template>> {
    field::admin::templates(&shell).await
}

#[tauri::command]
pub async fn template_save(
    shell: State<'_, SharedShell>,
    id: Option<i64>,
    template: TemplateInput,
) -> AppResult<Template> {
    field::admin::save_template(&shell, id, template).await
}

#[tauri::command]
pub async fn device_fields(shell: State<'_, SharedShell>) -> AppResult<Vec<FieldDef>> {
    field::admin::device_fields(&shell).await
}

#[tauri::command]
pub async fn work_orders_all(shell: State<'_, SharedShell>) -> AppResult<Vec<WorkOrderView>> {
    field::admin::work_orders(&shell).await
}

#[tauri::command]
pub async fn field_labels(
    app: AppHandle,
    shell: State<'_, SharedShell>,
    work_order: i64,
) -> AppResult<LabelSheet> {
    // The Downloads folder; with a profile dir set (tests, several
    // profiles), that profile's `labels/`.
    let dir = match std::env::var_os(crate::state::DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        Some(profile) => std::path::PathBuf::from(profile).join("labels"),
        None => app.path().download_dir().unwrap_or_else(|_| {
            crate::state::data_dir(|| app.path().app_data_dir().ok()).join("labels")
        }),
    };
    field::admin::labels(&shell, work_order, dir).await
}
