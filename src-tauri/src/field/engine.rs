//! The sync engine: one background task per app that pushes the outbox in
//! batches, pulls changes after the cursor and refreshes the engineer's
//! work orders. It runs when nudged (a local action, "sync now", the live
//! link coming up, the server's `sync_available`) and every half minute.
//! Every cycle is safe to cut at any point: pushes are idempotent by op
//! id, answers are filed in one transaction, the cursor moves with the
//! changes it covers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fieldesk_core::endpoint::{
    ListDeviceFields, ListWorkOrders, PullChanges, PushOps, PutPhoto, Upload,
};
use fieldesk_core::offline::SyncState;
use fieldesk_core::sync::{MAX_PUSH, MAX_PUSH_BYTES, PushBody, push_batch_len};
use fieldesk_core::{ErrorCode, Role};
use reqwest::Url;
use tauri::{AppHandle, Emitter};
use tokio::sync::Notify;

use crate::error::AppResult;
use crate::local_store::LocalStore;
use crate::server_client::ServerClient;
use crate::session::current;
use crate::state::Shell;

pub use fieldesk_core::ipc::{FIELD_EVENT, FieldNews};

/// How often the engine syncs without being asked.
const PERIOD: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct SyncEngine {
    nudge: Arc<Notify>,
    status: Mutex<Runtime>,
}

#[derive(Default, Clone)]
struct Runtime {
    syncing: bool,
    last_error: Option<ErrorCode>,
}

impl SyncEngine {
    /// Asks for a sync soon (coalesced with one already asked for).
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }

    /// Starts the engine's task on `shell` (the app handle only tells the
    /// UI); call once at app start.
    pub fn spawn(app: AppHandle, shell: Arc<Shell>) {
        tauri::async_runtime::spawn(async move {
            let nudge = shell.sync.nudge.clone();
            loop {
                cycle(&app, &shell).await;
                let _ = tokio::time::timeout(PERIOD, nudge.notified()).await;
            }
        });
    }

    fn set(&self, f: impl FnOnce(&mut Runtime)) {
        f(&mut self.status.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// What the sync bar shows now.
    pub fn state(&self, shell: &Shell) -> AppResult<SyncState> {
        let runtime = self
            .status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let user = shell.store.session()?.map(|s| s.me.user_id);
        Ok(SyncState {
            pending: match user {
                Some(user) => shell.store.pending_count(user)?,
                None => 0,
            },
            last_sync: shell.store.last_sync()?,
            syncing: runtime.syncing,
            last_error: runtime.last_error,
            issues: shell.store.issues()?,
        })
    }
}

/// Tells the UI the current sync state, and whether the orders may have
/// changed (a sync) or not (an action, whose answer is the order).
pub fn announce(app: &AppHandle, shell: &Shell, orders_changed: bool) {
    match shell.sync.state(shell) {
        Ok(state) => {
            let news = FieldNews {
                state,
                orders_changed,
            };
            let _ = app.emit(FIELD_EVENT, news);
        }
        Err(e) => tracing::error!(%e, "reading the sync state"),
    }
}

async fn cycle(app: &AppHandle, shell: &Shell) {
    let Ok(Some(session)) = shell.store.session() else {
        return;
    };
    if session.me.role != Role::Engineer {
        return;
    }
    shell.sync.set(|r| r.syncing = true);
    announce(app, shell, false);
    let result = sync_once(shell, session.me.user_id).await;
    if let Err(e) = &result {
        tracing::info!(%e, "sync did not finish; it resumes on the next attempt");
    }
    shell.sync.set(|r| {
        r.syncing = false;
        r.last_error = result.err().map(|e| e.code);
    });
    announce(app, shell, true);
}

/// One full sync: push everything pending, pull every change, refresh.
pub async fn sync_once(shell: &Shell, user_id: i64) -> AppResult<()> {
    let (server, token) = current(shell).await?;
    sync_with(&shell.store, &shell.client, &server, &token, user_id).await
}

/// [`sync_once`] with the server and token at hand.
pub async fn sync_with(
    store: &LocalStore,
    client: &ServerClient,
    server: &Url,
    token: &str,
    user_id: i64,
) -> AppResult<()> {
    store.claim_field_data(user_id)?;
    // Photos first: a step result may only name an uploaded image.
    for id in store.photos_to_upload()? {
        if let Some((content_type, bytes)) = store.photo(&id)? {
            let upload = Upload {
                content_type,
                bytes,
            };
            client
                .upload(server, token, &PutPhoto { id: id.clone() }, upload)
                .await?;
        }
        store.photo_uploaded(&id)?;
    }
    loop {
        let mut batch = store.pending(user_id, MAX_PUSH as u32)?;
        if batch.is_empty() {
            break;
        }
        // Within the server's body limit, whatever the notes weigh.
        batch.truncate(push_batch_len(&batch, MAX_PUSH_BYTES - 4096));
        let body = PushBody { ops: batch };
        let answers = client.call(server, token, &PushOps, &body).await?;
        store.acknowledge(&answers)?;
    }
    loop {
        let after = store.cursor()?;
        let page = client
            .call(server, token, &PullChanges { after }, &())
            .await?;
        store.add_changes(&page.changes, page.cursor)?;
        if !page.more {
            break;
        }
    }
    let orders = client.call(server, token, &ListWorkOrders, &()).await?;
    let fields = client.call(server, token, &ListDeviceFields, &()).await?;
    store.set_device_fields(&fields)?;
    store.save_orders(user_id, &orders)?;
    store.set_last_sync(crate::local_store::field::now())?;
    Ok(())
}
