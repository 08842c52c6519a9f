//! Use cases of the agent's chat workbench: thin calls to the server's
//! `/api/chat` with the session's token. Replies keep their client message
//! id across retries, so a flaky network never sends one twice.

use std::time::Duration;

use fieldesk_core::ErrorCode;
use fieldesk_core::chat::{
    AgentStatus, AgentStatusBody, ChatAgent, ChatMessage, ChatSettingsBody, ConversationSummary,
    ListCursor, ReadBody, SendBody, TransferBody,
};
use fieldesk_core::endpoint::{
    AcceptConversation, CreateArticle, CreateGroup, DeleteArticle, DeleteGroup, EndConversation,
    GetAgentStatus, GetChatSettings, ListAgents, ListArticles, ListConversations, ListGroups,
    ListMessages, MarkRead, SendMessage, SetAgentStatus, SetChatSettings, TransferConversation,
    UpdateArticle, UpdateGroup,
};
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use fieldesk_core::knowledge::{Article, ArticleInput};

use crate::error::{AppError, AppResult};
use crate::session::{call, current, fetch};
use crate::state::Shell;

/// Tries for a reply before the UI shows it as failed (it can retry with
/// the same id).
const SEND_ATTEMPTS: u32 = 3;

pub async fn status(shell: &Shell) -> AppResult<AgentStatusBody> {
    fetch(shell, &GetAgentStatus).await
}

pub async fn set_status(
    shell: &Shell,
    status: AgentStatus,
    capacity: Option<u32>,
) -> AppResult<AgentStatusBody> {
    let body = AgentStatusBody { status, capacity };
    call(shell, &SetAgentStatus, &body).await
}

/// A page of a workbench tab: after the conversation whose cursor is
/// `before` (none: the first page), `limit` rows (the server's default).
pub async fn conversations(
    shell: &Shell,
    tab: &str,
    before: Option<&str>,
    limit: Option<u32>,
) -> AppResult<Vec<ConversationSummary>> {
    if !matches!(tab, "mine" | "queued" | "follow_up" | "all") {
        return Err(AppError::new(ErrorCode::BadRequest, format!("tab {tab}")));
    }
    let before = match before {
        Some(cursor) => Some(
            cursor
                .parse::<ListCursor>()
                .map_err(|code| AppError::new(code, format!("cursor {cursor}")))?,
        ),
        None => None,
    };
    let page = ListConversations {
        tab: tab.into(),
        before,
        limit,
    };
    fetch(shell, &page).await
}

/// A page of a conversation (see [`ListMessages`]).
pub async fn messages(
    shell: &Shell,
    conversation: i64,
    after: i64,
    before: Option<i64>,
) -> AppResult<Vec<ChatMessage>> {
    let page = ListMessages {
        conversation,
        after,
        before,
    };
    fetch(shell, &page).await
}

pub async fn agents(shell: &Shell) -> AppResult<Vec<ChatAgent>> {
    fetch(shell, &ListAgents).await
}

pub async fn send(
    shell: &Shell,
    conversation: i64,
    client_id: String,
    text: String,
) -> AppResult<ChatMessage> {
    let (server, token) = current(shell).await?;
    let endpoint = SendMessage { conversation };
    let body = SendBody { client_id, text };
    let mut attempt = 1;
    loop {
        match shell.client.call(&server, &token, &endpoint, &body).await {
            Err(e) if e.code == ErrorCode::ServerUnreachable && attempt < SEND_ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

pub async fn accept(shell: &Shell, conversation: i64) -> AppResult<()> {
    fetch(shell, &AcceptConversation { conversation }).await
}

pub async fn end(shell: &Shell, conversation: i64) -> AppResult<()> {
    fetch(shell, &EndConversation { conversation }).await
}

/// To an agent or to a service group (exactly one).
pub async fn transfer(
    shell: &Shell,
    conversation: i64,
    to_agent: Option<i64>,
    to_group: Option<i64>,
    note: String,
) -> AppResult<()> {
    let body = TransferBody {
        to_agent,
        to_group,
        note,
    };
    call(shell, &TransferConversation { conversation }, &body).await
}

pub async fn read(shell: &Shell, conversation: i64, up_to: i64) -> AppResult<()> {
    call(shell, &MarkRead { conversation }, &ReadBody { up_to }).await
}

pub async fn settings(shell: &Shell) -> AppResult<ChatSettingsBody> {
    fetch(shell, &GetChatSettings).await
}

pub async fn save_settings(
    shell: &Shell,
    settings: ChatSettingsBody,
) -> AppResult<ChatSettingsBody> {
    call(shell, &SetChatSettings, &settings).await
}

pub async fn articles(shell: &Shell) -> AppResult<Vec<Article>> {
    fetch(shell, &ListArticles).await
}

pub async fn save_article(
    shell: &Shell,
    id: Option<i64>,
    article: ArticleInput,
) -> AppResult<Article> {
    match id {
        Some(id) => call(shell, &UpdateArticle { id }, &article).await,
        None => call(shell, &CreateArticle, &article).await,
    }
}

pub async fn delete_article(shell: &Shell, id: i64) -> AppResult<()> {
    fetch(shell, &DeleteArticle { id }).await
}

pub async fn groups(shell: &Shell) -> AppResult<Vec<ServiceGroup>> {
    fetch(shell, &ListGroups).await
}

pub async fn save_group(
    shell: &Shell,
    id: Option<i64>,
    group: ServiceGroupInput,
) -> AppResult<ServiceGroup> {
    match id {
        Some(id) => call(shell, &UpdateGroup { id }, &group).await,
        None => call(shell, &CreateGroup, &group).await,
    }
}

pub async fn delete_group(shell: &Shell, id: i64) -> AppResult<()> {
    fetch(shell, &DeleteGroup { id }).await
}
