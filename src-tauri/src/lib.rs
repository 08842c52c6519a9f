//! The Fieldesk app shell (Tauri 2). Owns everything that touches the
//! device: the local SQLite store, the OS keychain, the REST client and the
//! live WebSocket link. The Leptos UI in `ui/` talks to it only through the
//! commands in [`commands`] and the events in [`live`].

pub mod chat;
pub mod commands;
pub mod dispatch;
pub mod error;
pub mod field;
pub mod keychain;
pub mod live;
pub mod local_store;
pub mod security;
pub mod server_client;
pub mod session;
pub mod state;
pub mod workbench;

use tauri::Manager;

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "fieldesk_app_lib=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    tauri::Builder::default()
        .setup(|app| {
            let dir = state::data_dir(|| app.path().app_data_dir().ok());
            tracing::info!(data_dir = %dir.display(), "opening the local store");
            app.manage(state::Shell::open(&dir)?);
            field::engine::SyncEngine::spawn(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_settings,
            commands::set_locale,
            commands::login,
            commands::restore_session,
            commands::logout,
            commands::connection_state,
            commands::chat_status,
            commands::chat_set_status,
            commands::chat_conversations,
            commands::chat_messages,
            commands::chat_agents,
            commands::chat_send,
            commands::chat_accept,
            commands::chat_end,
            commands::chat_transfer,
            commands::chat_read,
            commands::chat_typing,
            commands::chat_settings,
            commands::chat_save_settings,
            commands::knowledge_articles,
            commands::knowledge_save,
            commands::knowledge_delete,
            commands::groups,
            commands::group_save,
            commands::group_delete,
            commands::field_orders,
            commands::field_order,
            commands::field_act,
            commands::field_sync_state,
            commands::field_sync_now,
            commands::field_dismiss_issue,
            commands::field_scan,
            commands::field_attach,
            commands::field_photo,
            commands::templates,
            commands::template_save,
            commands::device_fields,
            commands::work_orders_all,
            commands::field_labels,
            commands::dispatch_config,
            commands::dispatch_save,
            commands::dispatch_order,
            commands::workbench_layouts,
            commands::quick_replies,
            commands::quick_reply_change,
            commands::layout_book,
            commands::layout_change,
            commands::layout_preview,
            commands::related_work_orders,
            commands::chat_link_customer,
            commands::security,
        ])
        .run(tauri::generate_context!())
        .expect("the Fieldesk app runs");
}
