//! Use cases of the agent's chat workbench: thin calls to the server's
//! `/api/chat` with the session's token. Replies keep their client message
//! id across retries, so a flaky network never sends one twice.

use std::time::Duration;

use fieldesk_core::ErrorCode;
use fieldesk_core::chat::{
    AgentStatus, AgentStatusBody, ChatAgent, ChatMessage, ChatSettingsBody, ConversationSummary,
    ReadBody, SendBody, TransferBody,
};
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use fieldesk_core::knowledge::{Article, ArticleInput};
use reqwest::Method;

use crate::error::{AppError, AppResult};
use crate::session::current;
use crate::state::Shell;

/// Tries for a reply before the UI shows it as failed (it can retry with
/// the same id).
const SEND_ATTEMPTS: u32 = 3;

const NO_BODY: Option<&()> = None;

pub async fn status(shell: &Shell) -> AppResult<AgentStatusBody> {
    let (server, token) = current(shell).await?;
    shell
        .client
        .call(Method::GET, &server, &token, "api/chat/status", NO_BODY)
        .await
}

pub async fn set_status(
    shell: &Shell,
    status: AgentStatus,
    capacity: Option<u32>,
) -> AppResult<AgentStatusBody> {
    let (server, token) = current(shell).await?;
    let body = AgentStatusBody { status, capacity };
    shell
        .client
        .call(Method::PUT, &server, &token, "api/chat/status", Some(&body))
        .await
}

pub async fn conversations(shell: &Shell, tab: &str) -> AppResult<Vec<ConversationSummary>> {
    let (server, token) = current(shell).await?;
    if !matches!(tab, "mine" | "queued" | "follow_up" | "all") {
        return Err(AppError::new(ErrorCode::BadRequest, format!("tab {tab}")));
    }
    let path = format!("api/chat/conversations?tab={tab}");
    shell
        .client
        .call(Method::GET, &server, &token, &path, NO_BODY)
        .await
}

pub async fn messages(
    shell: &Shell,
    conversation_id: i64,
    after: i64,
) -> AppResult<Vec<ChatMessage>> {
    let (server, token) = current(shell).await?;
    let path = format!("api/chat/conversations/{conversation_id}/messages?after={after}");
    shell
        .client
        .call(Method::GET, &server, &token, &path, NO_BODY)
        .await
}

pub async fn agents(shell: &Shell) -> AppResult<Vec<ChatAgent>> {
    let (server, token) = current(shell).await?;
    shell
        .client
        .call(Method::GET, &server, &token, "api/chat/agents", NO_BODY)
        .await
}

pub async fn send(
    shell: &Shell,
    conversation_id: i64,
    client_id: String,
    text: String,
) -> AppResult<ChatMessage> {
    let (server, token) = current(shell).await?;
    let path = format!("api/chat/conversations/{conversation_id}/messages");
    let body = SendBody { client_id, text };
    let mut attempt = 1;
    loop {
        match shell
            .client
            .call(Method::POST, &server, &token, &path, Some(&body))
            .await
        {
            Err(e) if e.code == ErrorCode::ServerUnreachable && attempt < SEND_ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// `accept`, `end`: actions on a conversation without a body.
pub async fn act(shell: &Shell, conversation_id: i64, action: &str) -> AppResult<()> {
    let (server, token) = current(shell).await?;
    let path = format!("api/chat/conversations/{conversation_id}/{action}");
    shell
        .client
        .call_no_content(Method::POST, &server, &token, &path, NO_BODY)
        .await
}

/// To an agent or to a service group (exactly one).
pub async fn transfer(
    shell: &Shell,
    conversation_id: i64,
    to_agent: Option<i64>,
    to_group: Option<i64>,
    note: String,
) -> AppResult<()> {
    let (server, token) = current(shell).await?;
    let path = format!("api/chat/conversations/{conversation_id}/transfer");
    let body = TransferBody {
        to_agent,
        to_group,
        note,
    };
    shell
        .client
        .call_no_content(Method::POST, &server, &token, &path, Some(&body))
        .await
}

pub async fn read(shell: &Shell, conversation_id: i64, up_to: i64) -> AppResult<()> {
    let (server, token) = current(shell).await?;
    let path = format!("api/chat/conversations/{conversation_id}/read");
    shell
        .client
        .call_no_content(
            Method::POST,
            &server,
            &token,
            &path,
            Some(&ReadBody { up_to }),
        )
        .await
}

pub async fn settings(shell: &Shell) -> AppResult<ChatSettingsBody> {
    let (server, token) = current(shell).await?;
    shell
        .client
        .call(Method::GET, &server, &token, "api/chat/settings", NO_BODY)
        .await
}

pub async fn save_settings(
    shell: &Shell,
    settings: ChatSettingsBody,
) -> AppResult<ChatSettingsBody> {
    let (server, token) = current(shell).await?;
    shell
        .client
        .call(
            Method::PUT,
            &server,
            &token,
            "api/chat/settings",
            Some(&settings),
        )
        .await
}

pub async fn articles(shell: &Shell) -> AppResult<Vec<Article>> {
    let (server, token) = current(shell).await?;
    shell
        .client
        .call(
            Method::GET,
            &server,
            &token,
            "api/knowledge/articles",
            NO_BODY,
        )
        .await
}

pub async fn save_article(
    shell: &Shell,
    id: Option<i64>,
    article: ArticleInput,
) -> AppResult<Article> {
    let (server, token) = current(shell).await?;
    let (method, path) = match id {
        Some(id) => (Method::PUT, format!("api/knowledge/articles/{id}")),
        None => (Method::POST, "api/knowledge/articles".to_owned()),
    };
    shell
        .client
        .call(method, &server, &token, &path, Some(&article))
        .await
}

pub async fn delete_article(shell: &Shell, id: i64) -> AppResult<()> {
    let (server, token) = current(shell).await?;
    let path = format!("api/knowledge/articles/{id}");
    shell
        .client
        .call_no_content(Method::DELETE, &server, &token, &path, NO_BODY)
        .await
}

pub async fn groups(shell: &Shell) -> AppResult<Vec<ServiceGroup>> {
    let (server, token) = current(shell).await?;
    shell
        .client
        .call(Method::GET, &server, &token, "api/groups", NO_BODY)
        .await
}

pub async fn save_group(
    shell: &Shell,
    id: Option<i64>,
    group: ServiceGroupInput,
) -> AppResult<ServiceGroup> {
    let (server, token) = current(shell).await?;
    let (method, path) = match id {
        Some(id) => (Method::PUT, format!("api/groups/{id}")),
        None => (Method::POST, "api/groups".to_owned()),
    };
    shell
        .client
        .call(method, &server, &token, &path, Some(&group))
        .await
}

pub async fn delete_group(shell: &Shell, id: i64) -> AppResult<()> {
    let (server, token) = current(shell).await?;
    let path = format!("api/groups/{id}");
    shell
        .client
        .call_no_content(Method::DELETE, &server, &token, &path, NO_BODY)
        .await
}
