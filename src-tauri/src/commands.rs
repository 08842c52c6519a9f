//! The IPC surface: thin `#[tauri::command]`s over the use cases in
//! [`crate::session`], [`crate::chat`] and [`crate::field`]. Errors cross as `{code, message}`.

use fieldesk_core::api::Me;
use fieldesk_core::chat::{
    AgentStatus, AgentStatusBody, ChatAgent, ChatMessage, ChatSettingsBody, ConversationSummary,
};
use fieldesk_core::device::FieldDef;
use fieldesk_core::event::ClientMessage;
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use fieldesk_core::ipc::{ConfigChange, DispatchConfig, OrderCommand};
use fieldesk_core::knowledge::{Article, ArticleInput};
use fieldesk_core::layout::{App, Channel, Layout, LayoutBook, LayoutChange, ResolvedLayout};
use fieldesk_core::offline::{LocalWorkOrder, ScanMatch, SyncState};
use fieldesk_core::quick_reply::{QuickReplyBook, QuickReplyChange};
use fieldesk_core::standard_operation::{Template, TemplateInput};
use fieldesk_core::sync::Operation;
use fieldesk_core::work_order::WorkOrderView;
use fieldesk_core::{Locale, Role};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

use crate::chat;
use crate::error::AppResult;
use crate::field::{self, admin::LabelSheet};
use crate::live::ConnectionState;
use crate::session;
use crate::state::{SERVER_URL_ENV, Shell, TENANT_ENV};

/// What the UI needs before anyone signs in.
#[derive(Debug, Serialize)]
pub struct AppSettings {
    pub locale: Locale,
    pub server_url: String,
    pub tenant: String,
    pub username: String,
}

const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";

#[tauri::command]
pub async fn app_settings(shell: State<'_, Shell>) -> AppResult<AppSettings> {
    let last = shell.store.last_login()?;
    let or_env = |value: String, env: &str, fallback: &str| {
        if value.is_empty() {
            std::env::var(env).unwrap_or_else(|_| fallback.to_owned())
        } else {
            value
        }
    };
    Ok(AppSettings {
        locale: shell.store.locale()?,
        server_url: or_env(last.server_url, SERVER_URL_ENV, DEFAULT_SERVER_URL),
        tenant: or_env(last.tenant, TENANT_ENV, ""),
        username: last.username,
    })
}

#[tauri::command]
pub async fn set_locale(shell: State<'_, Shell>, locale: Locale) -> AppResult<()> {
    shell.store.set_locale(locale)?;
    shell.client.set_locale(locale);
    Ok(())
}

#[tauri::command]
pub async fn login(
    app: AppHandle,
    shell: State<'_, Shell>,
    server_url: String,
    tenant: String,
    username: String,
    password: String,
) -> AppResult<Me> {
    session::login(&app, &shell, &server_url, &tenant, &username, &password).await
}

#[tauri::command]
pub async fn restore_session(app: AppHandle, shell: State<'_, Shell>) -> AppResult<Option<Me>> {
    session::restore(&app, &shell).await
}

#[tauri::command]
pub async fn logout(app: AppHandle, shell: State<'_, Shell>) -> AppResult<()> {
    session::logout(&app, &shell).await
}

#[tauri::command]
pub async fn connection_state(shell: State<'_, Shell>) -> AppResult<ConnectionState> {
    Ok(shell.live.state())
}

// Chat workbench (see `crate::chat`).

#[tauri::command]
pub async fn chat_status(shell: State<'_, Shell>) -> AppResult<AgentStatusBody> {
    chat::status(&shell).await
}

#[tauri::command]
pub async fn chat_set_status(
    shell: State<'_, Shell>,
    status: AgentStatus,
    capacity: Option<u32>,
) -> AppResult<AgentStatusBody> {
    chat::set_status(&shell, status, capacity).await
}

#[tauri::command]
pub async fn chat_conversations(
    shell: State<'_, Shell>,
    tab: String,
) -> AppResult<Vec<ConversationSummary>> {
    chat::conversations(&shell, &tab).await
}

#[tauri::command]
pub async fn chat_messages(
    shell: State<'_, Shell>,
    conversation_id: i64,
    after: i64,
) -> AppResult<Vec<ChatMessage>> {
    chat::messages(&shell, conversation_id, after).await
}

#[tauri::command]
pub async fn chat_agents(shell: State<'_, Shell>) -> AppResult<Vec<ChatAgent>> {
    chat::agents(&shell).await
}

#[tauri::command]
pub async fn chat_send(
    shell: State<'_, Shell>,
    conversation_id: i64,
    client_id: String,
    text: String,
) -> AppResult<ChatMessage> {
    chat::send(&shell, conversation_id, client_id, text).await
}

#[tauri::command]
pub async fn chat_accept(shell: State<'_, Shell>, conversation_id: i64) -> AppResult<()> {
    chat::act(&shell, conversation_id, "accept").await
}

#[tauri::command]
pub async fn chat_end(shell: State<'_, Shell>, conversation_id: i64) -> AppResult<()> {
    chat::act(&shell, conversation_id, "end").await
}

#[tauri::command]
pub async fn chat_transfer(
    shell: State<'_, Shell>,
    conversation_id: i64,
    to_agent: Option<i64>,
    to_group: Option<i64>,
    note: String,
) -> AppResult<()> {
    chat::transfer(&shell, conversation_id, to_agent, to_group, note).await
}

#[tauri::command]
pub async fn chat_read(shell: State<'_, Shell>, conversation_id: i64, up_to: i64) -> AppResult<()> {
    chat::read(&shell, conversation_id, up_to).await
}

#[tauri::command]
pub async fn chat_typing(shell: State<'_, Shell>, conversation_id: i64) -> AppResult<()> {
    shell.live.send(ClientMessage::Typing { conversation_id });
    Ok(())
}

#[tauri::command]
pub async fn chat_settings(shell: State<'_, Shell>) -> AppResult<ChatSettingsBody> {
    chat::settings(&shell).await
}

#[tauri::command]
pub async fn chat_save_settings(
    shell: State<'_, Shell>,
    settings: ChatSettingsBody,
) -> AppResult<ChatSettingsBody> {
    chat::save_settings(&shell, settings).await
}

#[tauri::command]
pub async fn knowledge_articles(shell: State<'_, Shell>) -> AppResult<Vec<Article>> {
    chat::articles(&shell).await
}

#[tauri::command]
pub async fn knowledge_save(
    shell: State<'_, Shell>,
    id: Option<i64>,
    article: ArticleInput,
) -> AppResult<Article> {
    chat::save_article(&shell, id, article).await
}

#[tauri::command]
pub async fn knowledge_delete(shell: State<'_, Shell>, id: i64) -> AppResult<()> {
    chat::delete_article(&shell, id).await
}

#[tauri::command]
pub async fn groups(shell: State<'_, Shell>) -> AppResult<Vec<ServiceGroup>> {
    chat::groups(&shell).await
}

#[tauri::command]
pub async fn group_save(
    shell: State<'_, Shell>,
    id: Option<i64>,
    group: ServiceGroupInput,
) -> AppResult<ServiceGroup> {
    chat::save_group(&shell, id, group).await
}

#[tauri::command]
pub async fn group_delete(shell: State<'_, Shell>, id: i64) -> AppResult<()> {
    chat::delete_group(&shell, id).await
}

// Field work, offline first (see `crate::field`).

#[tauri::command]
pub async fn field_orders(shell: State<'_, Shell>) -> AppResult<Vec<LocalWorkOrder>> {
    field::orders(&shell)
}

#[tauri::command]
pub async fn field_order(shell: State<'_, Shell>, id: i64) -> AppResult<LocalWorkOrder> {
    field::order(&shell, id)
}

#[tauri::command]
pub async fn field_act(
    app: AppHandle,
    shell: State<'_, Shell>,
    op: Operation,
) -> AppResult<LocalWorkOrder> {
    let order = field::act(&shell, op)?;
    field::engine::announce(&app, &shell);
    Ok(order)
}

#[tauri::command]
pub async fn field_sync_state(shell: State<'_, Shell>) -> AppResult<SyncState> {
    shell.sync.state(&shell)
}

#[tauri::command]
pub async fn field_sync_now(shell: State<'_, Shell>) -> AppResult<()> {
    shell.sync.nudge();
    Ok(())
}

#[tauri::command]
pub async fn field_dismiss_issue(
    app: AppHandle,
    shell: State<'_, Shell>,
    op_id: String,
) -> AppResult<()> {
    shell.store.dismiss_issue(&op_id)?;
    field::engine::announce(&app, &shell);
    Ok(())
}

#[tauri::command]
pub async fn field_scan(
    shell: State<'_, Shell>,
    work_order: i64,
    image: String,
) -> AppResult<ScanMatch> {
    field::scan(&shell, work_order, &image).await
}

#[tauri::command]
pub async fn field_attach(
    app: AppHandle,
    shell: State<'_, Shell>,
    work_order: i64,
    device: i64,
    step: i64,
    image: String,
) -> AppResult<LocalWorkOrder> {
    let order = field::attach(&shell, work_order, device, step, &image)?;
    field::engine::announce(&app, &shell);
    Ok(order)
}

#[tauri::command]
pub async fn field_photo(shell: State<'_, Shell>, id: String) -> AppResult<Option<String>> {
    field::photo(&shell, &id)
}

#[tauri::command]
pub async fn templates(shell: State<'_, Shell>) -> AppResult<Vec<Template>> {
    field::admin::templates(&shell).await
}

#[tauri::command]
pub async fn template_save(
    shell: State<'_, Shell>,
    id: Option<i64>,
    template: TemplateInput,
) -> AppResult<Template> {
    field::admin::save_template(&shell, id, template).await
}

#[tauri::command]
pub async fn device_fields(shell: State<'_, Shell>) -> AppResult<Vec<FieldDef>> {
    field::admin::device_fields(&shell).await
}

#[tauri::command]
pub async fn work_orders_all(shell: State<'_, Shell>) -> AppResult<Vec<WorkOrderView>> {
    field::admin::work_orders(&shell).await
}

#[tauri::command]
pub async fn field_labels(
    app: AppHandle,
    shell: State<'_, Shell>,
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

#[tauri::command]
pub async fn dispatch_config(shell: State<'_, Shell>) -> AppResult<DispatchConfig> {
    crate::dispatch::config(&shell).await
}

#[tauri::command]
pub async fn dispatch_save(
    shell: State<'_, Shell>,
    change: ConfigChange,
) -> AppResult<DispatchConfig> {
    crate::dispatch::save(&shell, change).await
}

#[tauri::command]
pub async fn dispatch_order(
    shell: State<'_, Shell>,
    command: OrderCommand,
) -> AppResult<WorkOrderView> {
    crate::dispatch::order(&shell, command).await
}

#[tauri::command]
pub async fn workbench_layouts(shell: State<'_, Shell>) -> AppResult<Vec<ResolvedLayout>> {
    crate::workbench::layouts(&shell).await
}

#[tauri::command]
pub async fn quick_replies(shell: State<'_, Shell>) -> AppResult<QuickReplyBook> {
    crate::workbench::quick_replies(&shell).await
}

#[tauri::command]
pub async fn quick_reply_change(
    shell: State<'_, Shell>,
    change: QuickReplyChange,
) -> AppResult<QuickReplyBook> {
    crate::workbench::change_quick_replies(&shell, change).await
}

#[tauri::command]
pub async fn layout_book(shell: State<'_, Shell>) -> AppResult<LayoutBook> {
    crate::workbench::layout_book(&shell).await
}

#[tauri::command]
pub async fn layout_change(shell: State<'_, Shell>, change: LayoutChange) -> AppResult<LayoutBook> {
    crate::workbench::change_layouts(&shell, change).await
}

#[tauri::command]
pub async fn layout_preview(
    shell: State<'_, Shell>,
    app: App,
    role: Role,
    channel: Channel,
) -> AppResult<Layout> {
    crate::workbench::preview(&shell, app, role, channel).await
}

#[tauri::command]
pub async fn security(
    shell: State<'_, Shell>,
    command: fieldesk_core::security::SecurityCommand,
) -> AppResult<fieldesk_core::security::SecurityAnswer> {
    crate::security::call(&shell, command).await
}

#[tauri::command]
pub async fn related_work_orders(
    shell: State<'_, Shell>,
    conversation_id: i64,
) -> AppResult<Vec<fieldesk_core::work_order::RelatedWorkOrder>> {
    crate::workbench::related_work_orders(&shell, conversation_id).await
}

#[tauri::command]
pub async fn chat_link_customer(
    shell: State<'_, Shell>,
    conversation_id: i64,
    name: Option<String>,
) -> AppResult<()> {
    crate::workbench::link_customer(&shell, conversation_id, name).await
}
