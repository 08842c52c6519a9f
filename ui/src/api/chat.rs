//! The chat workbench's commands (see `src-tauri/src/chat.rs`).

use fieldesk_core::chat::{
    AgentStatus, AgentStatusBody, ChatAgent, ChatMessage, ChatSettingsBody, ConversationSummary,
};
use fieldesk_core::group::{ServiceGroup, ServiceGroupInput};
use fieldesk_core::knowledge::{Article, ArticleInput};
use serde::Serialize;

use super::{IpcResult, NoArgs, tauri::invoke};

/// Chat events from the shell: `fieldesk_core::event::ServerEvent`s.
pub use fieldesk_core::ipc::CHAT_EVENT;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Conversation {
    conversation_id: i64,
}

pub async fn status() -> IpcResult<AgentStatusBody> {
    invoke("chat_status", &NoArgs {}).await
}

/// Sets the availability, and the capacity when given.
pub async fn set_status(status: AgentStatus, capacity: Option<u32>) -> IpcResult<AgentStatusBody> {
    #[derive(Serialize)]
    struct Args {
        status: AgentStatus,
        capacity: Option<u32>,
    }
    invoke("chat_set_status", &Args { status, capacity }).await
}

/// A page of a workbench tab, newest activity first: after the
/// conversation whose cursor is `before`, `limit` rows (fewer: the end).
pub async fn conversations(
    tab: &str,
    before: Option<String>,
    limit: u32,
) -> IpcResult<Vec<ConversationSummary>> {
    #[derive(Serialize)]
    struct Args<'a> {
        tab: &'a str,
        before: Option<String>,
        limit: u32,
    }
    invoke("chat_conversations", &Args { tab, before, limit }).await
}

/// A page of a conversation's messages, oldest first: before `before`
/// ("load earlier"), else after `after`, else (0) the newest.
pub async fn messages(
    conversation_id: i64,
    after: i64,
    before: Option<i64>,
) -> IpcResult<Vec<ChatMessage>> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args {
        conversation_id: i64,
        after: i64,
        before: Option<i64>,
    }
    invoke(
        "chat_messages",
        &Args {
            conversation_id,
            after,
            before,
        },
    )
    .await
}

pub async fn agents() -> IpcResult<Vec<ChatAgent>> {
    invoke("chat_agents", &NoArgs {}).await
}

pub async fn send(conversation_id: i64, client_id: &str, text: &str) -> IpcResult<ChatMessage> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        conversation_id: i64,
        client_id: &'a str,
        text: &'a str,
    }
    invoke(
        "chat_send",
        &Args {
            conversation_id,
            client_id,
            text,
        },
    )
    .await
}

pub async fn accept(conversation_id: i64) -> IpcResult<()> {
    invoke("chat_accept", &Conversation { conversation_id }).await
}

pub async fn end(conversation_id: i64) -> IpcResult<()> {
    invoke("chat_end", &Conversation { conversation_id }).await
}

/// To an agent or to a service group (exactly one).
pub async fn transfer(
    conversation_id: i64,
    to_agent: Option<i64>,
    to_group: Option<i64>,
    note: &str,
) -> IpcResult<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        conversation_id: i64,
        to_agent: Option<i64>,
        to_group: Option<i64>,
        note: &'a str,
    }
    invoke(
        "chat_transfer",
        &Args {
            conversation_id,
            to_agent,
            to_group,
            note,
        },
    )
    .await
}

pub async fn read(conversation_id: i64, up_to: i64) -> IpcResult<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args {
        conversation_id: i64,
        up_to: i64,
    }
    invoke(
        "chat_read",
        &Args {
            conversation_id,
            up_to,
        },
    )
    .await
}

pub async fn typing(conversation_id: i64) -> IpcResult<()> {
    invoke("chat_typing", &Conversation { conversation_id }).await
}

pub async fn settings() -> IpcResult<ChatSettingsBody> {
    invoke("chat_settings", &NoArgs {}).await
}

pub async fn save_settings(settings: &ChatSettingsBody) -> IpcResult<ChatSettingsBody> {
    #[derive(Serialize)]
    struct Args<'a> {
        settings: &'a ChatSettingsBody,
    }
    invoke("chat_save_settings", &Args { settings }).await
}

pub async fn articles() -> IpcResult<Vec<Article>> {
    invoke("knowledge_articles", &NoArgs {}).await
}

/// Creates (`id` none) or replaces an article.
pub async fn save_article(id: Option<i64>, article: &ArticleInput) -> IpcResult<Article> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: Option<i64>,
        article: &'a ArticleInput,
    }
    invoke("knowledge_save", &Args { id, article }).await
}

pub async fn delete_article(id: i64) -> IpcResult<()> {
    #[derive(Serialize)]
    struct Args {
        id: i64,
    }
    invoke("knowledge_delete", &Args { id }).await
}

pub async fn groups() -> IpcResult<Vec<ServiceGroup>> {
    invoke("groups", &NoArgs {}).await
}

/// Creates (`id` none) or replaces a service group.
pub async fn save_group(id: Option<i64>, group: &ServiceGroupInput) -> IpcResult<ServiceGroup> {
    #[derive(Serialize)]
    struct Args<'a> {
        id: Option<i64>,
        group: &'a ServiceGroupInput,
    }
    invoke("group_save", &Args { id, group }).await
}

pub async fn delete_group(id: i64) -> IpcResult<()> {
    #[derive(Serialize)]
    struct Args {
        id: i64,
    }
    invoke("group_delete", &Args { id }).await
}
