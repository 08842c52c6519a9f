//! The chat desk, chat settings, knowledge articles and service groups.

use fieldesk_core::chat::{
    AgentStatus, AgentStatusBody, ChatAgent, ChatMessage, ChatSettingsBody, ConversationSummary,
};
use fieldesk_core::event::ClientMessage;
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use fieldesk_core::knowledge::{Article, ArticleInput};
use tauri::State;

use crate::chat;
use crate::error::AppResult;
use crate::state::SharedShell;

#[tauri::command]
pub async fn chat_status(shell: State<'_, SharedShell>) -> AppResult<AgentStatusBody> {
    chat::status(&shell).await
}

#[tauri::command]
pub async fn chat_set_status(
    shell: State<'_, SharedShell>,
    status: AgentStatus,
    capacity: Option<u32>,
) -> AppResult<AgentStatusBody> {
    chat::set_status(&shell, status, capacity).await
}

#[tauri::command]
pub async fn chat_conversations(
    shell: State<'_, SharedShell>,
    tab: String,
    before: Option<String>,
    limit: Option<u32>,
) -> AppResult<Vec<ConversationSummary>> {
    chat::conversations(&shell, &tab, before.as_deref(), limit).await
}

#[tauri::command]
pub async fn chat_messages(
    shell: State<'_, SharedShell>,
    conversation_id: i64,
    after: i64,
    before: Option<i64>,
) -> AppResult<Vec<ChatMessage>> {
    chat::messages(&shell, conversation_id, after, before).await
}

#[tauri::command]
pub async fn chat_agents(shell: State<'_, SharedShell>) -> AppResult<Vec<ChatAgent>> {
    chat::agents(&shell).await
}

#[tauri::command]
pub async fn chat_send(
    shell: State<'_, SharedShell>,
    conversation_id: i64,
    client_id: String,
    text: String,
) -> AppResult<ChatMessage> {
    chat::send(&shell, conversation_id, client_id, text).await
}

#[tauri::command]
pub async fn chat_accept(shell: State<'_, SharedShell>, conversation_id: i64) -> AppResult<()> {
    chat::accept(&shell, conversation_id).await
}

#[tauri::command]
pub async fn chat_end(shell: State<'_, SharedShell>, conversation_id: i64) -> AppResult<()> {
    chat::end(&shell, conversation_id).await
}

#[tauri::command]
pub async fn chat_transfer(
    shell: State<'_, SharedShell>,
    conversation_id: i64,
    to_agent: Option<i64>,
    to_group: Option<i64>,
    note: String,
) -> AppResult<()> {
    chat::transfer(&shell, conversation_id, to_agent, to_group, note).await
}

#[tauri::command]
pub async fn chat_read(
    shell: State<'_, SharedShell>,
    conversation_id: i64,
    up_to: i64,
) -> AppResult<()> {
    chat::read(&shell, conversation_id, up_to).await
}

#[tauri::command]
pub async fn chat_typing(shell: State<'_, SharedShell>, conversation_id: i64) -> AppResult<()> {
    shell.live.send(ClientMessage::Typing { conversation_id });
    Ok(())
}

#[tauri::command]
pub async fn chat_settings(shell: State<'_, SharedShell>) -> AppResult<ChatSettingsBody> {
    chat::settings(&shell).await
}

#[tauri::command]
pub async fn chat_save_settings(
    shell: State<'_, SharedShell>,
    settings: ChatSettingsBody,
) -> AppResult<ChatSettingsBody> {
    chat::save_settings(&shell, settings).await
}

#[tauri::command]
pub async fn knowledge_articles(shell: State<'_, SharedShell>) -> AppResult<Vec<Article>> {
    chat::articles(&shell).await
}

#[tauri::command]
pub async fn knowledge_save(
    shell: State<'_, SharedShell>,
    id: Option<i64>,
    article: ArticleInput,
) -> AppResult<Article> {
    chat::save_article(&shell, id, article).await
}

#[tauri::command]
pub async fn knowledge_delete(shell: State<'_, SharedShell>, id: i64) -> AppResult<()> {
    chat::delete_article(&shell, id).await
}

#[tauri::command]
pub async fn groups(shell: State<'_, SharedShell>) -> AppResult<Vec<ServiceGroup>> {
    chat::groups(&shell).await
}

#[tauri::command]
pub async fn group_save(
    shell: State<'_, SharedShell>,
    id: Option<i64>,
    group: ServiceGroupInput,
) -> AppResult<ServiceGroup> {
    chat::save_group(&shell, id, group).await
}

#[tauri::command]
pub async fn group_delete(shell: State<'_, SharedShell>, id: i64) -> AppResult<()> {
    chat::delete_group(&shell, id).await
}

// Field work, offline first (see `crate::field`).

#[tauri::command]
pub async fn chat_link_customer(
    shell: State<'_, SharedShell>,
    conversation_id: i64,
    name: Option<String>,
) -> AppResult<()> {
    crate::workbench::link_customer(&shell, conversation_id, name).await
}
