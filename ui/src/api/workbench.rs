//! Workbench commands (see `src-tauri/src/workbench.rs`): the layouts the
//! agent sees and their quick replies (cached by the shell for offline
//! use), the layout designer and quick-reply management.

use fieldesk_core::Role;
use fieldesk_core::layout::{App, Channel, Layout, LayoutBook, LayoutChange, ResolvedLayout};
use fieldesk_core::quick_reply::{QuickReplyBook, QuickReplyChange};
use fieldesk_core::work_order::RelatedWorkOrder;
use serde::Serialize;

use super::{IpcResult, NoArgs, tauri::invoke};

/// Layouts or quick replies changed on the server (payload: the event).
pub use fieldesk_core::ipc::WORKBENCH_EVENT;

pub async fn layouts() -> IpcResult<Vec<ResolvedLayout>> {
    invoke("workbench_layouts", &NoArgs {}).await
}

pub async fn quick_replies() -> IpcResult<QuickReplyBook> {
    invoke("quick_replies", &NoArgs {}).await
}

pub async fn change_quick_replies(change: &QuickReplyChange) -> IpcResult<QuickReplyBook> {
    #[derive(Serialize)]
    struct Args<'a> {
        change: &'a QuickReplyChange,
    }
    invoke("quick_reply_change", &Args { change }).await
}

pub async fn layout_book() -> IpcResult<LayoutBook> {
    invoke("layout_book", &NoArgs {}).await
}

pub async fn change_layouts(change: &LayoutChange) -> IpcResult<LayoutBook> {
    #[derive(Serialize)]
    struct Args<'a> {
        change: &'a LayoutChange,
    }
    invoke("layout_change", &Args { change }).await
}

pub async fn preview(app: App, role: Role, channel: Channel) -> IpcResult<Layout> {
    #[derive(Serialize)]
    struct Args {
        app: App,
        role: Role,
        channel: Channel,
    }
    invoke("layout_preview", &Args { app, role, channel }).await
}

/// The work orders of the conversation's verified customer (none for a
/// visitor nobody verified).
pub async fn related_work_orders(conversation_id: i64) -> IpcResult<Vec<RelatedWorkOrder>> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args {
        conversation_id: i64,
    }
    invoke("related_work_orders", &Args { conversation_id }).await
}

/// Links the conversation's visitor to a customer (`None`: unlinks).
pub async fn link_customer(conversation_id: i64, name: Option<String>) -> IpcResult<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args {
        conversation_id: i64,
        name: Option<String>,
    }
    invoke(
        "chat_link_customer",
        &Args {
            conversation_id,
            name,
        },
    )
    .await
}
