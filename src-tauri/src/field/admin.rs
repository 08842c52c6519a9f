//! Admin use cases of field service: standard operation templates (with
//! the "scan to find device" field), the tenant's device fields, and QR
//! label sheets for a work order's devices.

use base64::Engine as _;
use fieldesk_core::ErrorCode;
use fieldesk_core::device::FieldDef;
use fieldesk_core::endpoint::{
    CreateTemplate, GetWorkOrder, ListDeviceFields, ListTemplates, ListWorkOrders, UpdateTemplate,
};
use fieldesk_core::standard_operation::{Template, TemplateInput};
use fieldesk_core::work_order::WorkOrderView;
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::session::{call, fetch};
use crate::state::Shell;

pub async fn templates(shell: &Shell) -> AppResult<Vec<Template>> {
    fetch(shell, &ListTemplates).await
}

pub async fn save_template(
    shell: &Shell,
    id: Option<i64>,
    input: TemplateInput,
) -> AppResult<Template> {
    match id {
        Some(id) => call(shell, &UpdateTemplate { id }, &input).await,
        None => call(shell, &CreateTemplate, &input).await,
    }
}

pub async fn device_fields(shell: &Shell) -> AppResult<Vec<FieldDef>> {
    fetch(shell, &ListDeviceFields).await
}

/// All of the tenant's work orders (dispatchers).
pub async fn work_orders(shell: &Shell) -> AppResult<Vec<WorkOrderView>> {
    fetch(shell, &ListWorkOrders).await
}

/// A printable sheet of QR labels, saved as PNG.
#[derive(Debug, Serialize)]
pub struct LabelSheet {
    /// Where the PNG was saved.
    pub path: String,
    /// The same PNG, for the preview.
    pub data_url: String,
    /// The device field the labels encode.
    pub field: String,
    pub count: usize,
}

/// Labels for a work order's devices, encoding its template's scan field
/// (the serial number when the template does not scan).
pub async fn labels(
    shell: &Shell,
    work_order: i64,
    out_dir: std::path::PathBuf,
) -> AppResult<LabelSheet> {
    let order = fetch(shell, &GetWorkOrder { id: work_order }).await?;
    let field = order
        .template
        .as_ref()
        .and_then(|t| t.scan_field.clone())
        .unwrap_or_else(|| "serial_number".to_owned());
    let texts: Vec<String> = order
        .devices
        .iter()
        .filter_map(|d| match d.fields.get(&field)? {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect();
    if texts.is_empty() {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "no device has that field",
        ));
    }
    let count = texts.len();
    let png =
        tauri::async_runtime::spawn_blocking(move || fieldesk_scan::label_sheet_png(&texts, 4))
            .await
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| AppError::new(ErrorCode::LocalStore, e.to_string()))?;
    let safe: String = order
        .number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = out_dir.join(format!("fieldesk-labels-{safe}.png"));
    std::fs::write(&path, &png).map_err(|e| AppError::new(ErrorCode::LocalStore, e.to_string()))?;
    Ok(LabelSheet {
        path: path.display().to_string(),
        data_url: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&png)
        ),
        field,
        count,
    })
}
