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
pub mod mail;
pub mod mall;
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
            let shell = std::sync::Arc::new(state::Shell::open(&dir)?);
            shell.live.attach(std::sync::Arc::downgrade(&shell));
            app.manage(shell.clone());
            field::engine::SyncEngine::spawn(app.handle().clone(), shell);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::app_settings,
            commands::session::set_locale,
            commands::session::login,
            commands::session::restore_session,
            commands::session::logout,
            commands::session::connection_state,
            commands::chat::chat_status,
            commands::chat::chat_set_status,
            commands::chat::chat_conversations,
            commands::chat::chat_messages,
            commands::chat::chat_agents,
            commands::chat::chat_send,
            commands::chat::chat_accept,
            commands::chat::chat_end,
            commands::chat::chat_transfer,
            commands::chat::chat_read,
            commands::chat::chat_typing,
            commands::chat::chat_settings,
            commands::chat::chat_save_settings,
            commands::chat::knowledge_articles,
            commands::chat::knowledge_save,
            commands::chat::knowledge_delete,
            commands::chat::groups,
            commands::chat::group_save,
            commands::chat::group_delete,
            commands::field::field_orders,
            commands::field::field_order,
            commands::field::field_act,
            commands::field::field_sync_state,
            commands::field::field_sync_now,
            commands::field::field_dismiss_issue,
            commands::field::field_scan,
            commands::field::field_attach,
            commands::field::field_photo,
            commands::field::templates,
            commands::field::template_save,
            commands::field::device_fields,
            commands::field::work_orders_all,
            commands::field::field_labels,
            commands::dispatch::dispatch_config,
            commands::dispatch::dispatch_save,
            commands::dispatch::dispatch_order,
            commands::workbench::workbench_layouts,
            commands::workbench::quick_replies,
            commands::workbench::quick_reply_change,
            commands::workbench::layout_book,
            commands::workbench::layout_change,
            commands::workbench::layout_preview,
            commands::workbench::related_work_orders,
            commands::chat::chat_link_customer,
            commands::security::security,
            commands::mail::mailboxes,
            commands::mail::mail,
            commands::mall::mall,
        ])
        .run(tauri::generate_context!())
        .expect("the Fieldesk app runs");
}
