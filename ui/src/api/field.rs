//! Field work commands (see `src-tauri/src/field`): the engineer's offline
//! work orders and sync state, scanning, and the admin's templates and
//! label sheets.

use fieldesk_core::device::FieldDef;
use fieldesk_core::offline::{LocalWorkOrder, ScanMatch, SyncState};
use fieldesk_core::standard_operation::{Template, TemplateInput};
use fieldesk_core::sync::Operation;
use fieldesk_core::work_order::WorkOrderView;
use serde::{Deserialize, Serialize};

use super::{IpcResult, NoArgs, tauri::invoke};

/// Sync state changes and "field data changed": the payload is a [`SyncState`].
pub use fieldesk_core::ipc::FIELD_EVENT;

pub async fn orders() -> IpcResult<Vec<LocalWorkOrder>> {
    invoke("field_orders", &NoArgs {}).await
}

pub async fn order(id: i64) -> IpcResult<LocalWorkOrder> {
    #[derive(Serialize)]
    struct Args {
        id: i64,
    }
    invoke("field_order", &Args { id }).await
}

/// Records an action locally (checked at once); sync follows by itself.
pub async fn act(op: &Operation) -> IpcResult<LocalWorkOrder> {
    #[derive(Serialize)]
    struct Args<'a> {
        op: &'a Operation,
    }
    invoke("field_act", &Args { op }).await
}

pub async fn sync_state() -> IpcResult<SyncState> {
    invoke("field_sync_state", &NoArgs {}).await
}

pub async fn sync_now() -> IpcResult<()> {
    invoke("field_sync_now", &NoArgs {}).await
}

pub async fn dismiss_issue(op_id: &str) -> IpcResult<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        op_id: &'a str,
    }
    invoke("field_dismiss_issue", &Args { op_id }).await
}

/// Decodes an image (a `data:` URL) in the shell and matches it.
pub async fn scan(work_order: i64, image: &str) -> IpcResult<ScanMatch> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        work_order: i64,
        image: &'a str,
    }
    invoke("field_scan", &Args { work_order, image }).await
}

pub async fn templates() -> IpcResult<Vec<Template>> {
    invoke("templates", &NoArgs {}).await
}

pub async fn save_template(id: Option<i64>, template: &TemplateInput) -> IpcResult<Template> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: Option<i64>,
        template: &'a TemplateInput,
    }
    invoke("template_save", &Args { id, template }).await
}

pub async fn device_fields() -> IpcResult<Vec<FieldDef>> {
    invoke("device_fields", &NoArgs {}).await
}

pub async fn work_orders_all() -> IpcResult<Vec<WorkOrderView>> {
    invoke("work_orders_all", &NoArgs {}).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LabelSheet {
    pub path: String,
    pub data_url: String,
    pub field: String,
    pub count: usize,
}

pub async fn labels(work_order: i64) -> IpcResult<LabelSheet> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args {
        work_order: i64,
    }
    invoke("field_labels", &Args { work_order }).await
}

/// Records a photo or signature (a `data:` URL of PNG/JPEG) as a step result.
pub async fn attach(
    work_order: i64,
    device: i64,
    step: i64,
    image: &str,
) -> IpcResult<LocalWorkOrder> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        work_order: i64,
        device: i64,
        step: i64,
        image: &'a str,
    }
    invoke(
        "field_attach",
        &Args {
            work_order,
            device,
            step,
            image,
        },
    )
    .await
}

/// A photo kept on this device, as a `data:` URL (`None`: taken elsewhere).
pub async fn photo(id: &str) -> IpcResult<Option<String>> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: &'a str,
    }
    invoke("field_photo", &Args { id }).await
}
