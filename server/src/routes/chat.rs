//! The workbench side of the online service: agent status, conversation
//! lists, history, replies, accept / transfer / end, read marks; and the
//! admins' chat settings.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use fieldesk_core::api::ErrorBody;
use fieldesk_core::chat::{
    AgentStatusBody, CONVERSATION_PAGE, ChatAgent, ChatMessage, ChatSettingsBody,
    ConversationSummary, ListCursor, LlmSettings, MAX_CONVERSATION_PAGE, ReadBody, SendBody,
    SurveyBody, TenantTextEntry, TransferBody,
};
use fieldesk_core::{ErrorCode, Role};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::outbound::OutboundError;
use crate::state::AppState;
use crate::store::chat::{ChatSettings, ConversationFilter, LlmConfig};

fn serves_chat(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Role::serves_chat)
}

/// Sets the caller's availability (online / away / offline) and capacity.
/// Going offline puts the visitors they served back at the front of the queue.
#[utoipa::path(put, path = "/api/chat/status", tag = "chat", security(("bearer" = [])),
    request_body = AgentStatusBody,
    responses((status = 200, body = AgentStatusBody), (status = 403, body = ErrorBody)))]
pub async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<AgentStatusBody>,
) -> Result<Json<AgentStatusBody>, ApiError> {
    serves_chat(&caller)?;
    state
        .chat
        .set_status(&caller.user, body.status, body.capacity)
        .await?;
    get_status(State(state), caller).await
}

/// The caller's availability and capacity.
#[utoipa::path(get, path = "/api/chat/status", tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = AgentStatusBody), (status = 403, body = ErrorBody)))]
pub async fn get_status(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<AgentStatusBody>, ApiError> {
    serves_chat(&caller)?;
    let (capacity, _) = state
        .store
        .agent_chat(caller.tenant_id(), caller.user.id)
        .await?;
    Ok(Json(AgentStatusBody {
        status: state
            .chat
            .presence
            .status(caller.tenant_id(), caller.user.id),
        capacity: Some(capacity),
    }))
}

/// Everyone in the tenant who serves chat, with their status (for transfers).
#[utoipa::path(get, path = "/api/chat/agents", tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = Vec<ChatAgent>), (status = 403, body = ErrorBody)))]
pub async fn agents(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ChatAgent>>, ApiError> {
    serves_chat(&caller)?;
    let users = state.store.users(caller.tenant_id()).await?;
    Ok(Json(
        users
            .into_iter()
            .filter(|u| u.role.serves_chat())
            .map(|u| ChatAgent {
                status: state.chat.presence.status(u.tenant_id, u.id),
                user_id: u.id,
                display_name: u.display_name,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `mine` (default), `queued`, `follow_up`, or `all` (supervisors).
    tab: Option<String>,
    /// The page after this one: `cursor` of the last conversation held
    /// (`updated_at.id`).
    before: Option<String>,
    /// Conversations per page (1–200, default 50).
    limit: Option<u32>,
}

/// A page of a workbench tab, newest activity first: `limit` rows, fewer
/// only at the end of the list.
#[utoipa::path(get, path = "/api/chat/conversations", tag = "chat", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = Vec<ConversationSummary>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<ConversationSummary>>, ApiError> {
    serves_chat(&caller)?;
    let filter = match q.tab.as_deref().unwrap_or("mine") {
        "mine" => ConversationFilter::AgentActive(caller.user.id),
        "queued" => ConversationFilter::Queued,
        "follow_up" => ConversationFilter::FollowUp,
        "all" => {
            caller.require(Role::oversees_chat)?;
            ConversationFilter::All
        }
        _ => return Err(ApiError::new(ErrorCode::BadRequest)),
    };
    let before = match q.before.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(
            cursor
                .parse::<ListCursor>()
                .map_err(|_| ApiError::new(ErrorCode::BadRequest))?,
        ),
    };
    let limit = q.limit.unwrap_or(CONVERSATION_PAGE);
    if !(1..=MAX_CONVERSATION_PAGE).contains(&limit) {
        return Err(ApiError::new(ErrorCode::BadRequest));
    }
    Ok(Json(
        state.chat.list(&caller.user, filter, before, limit).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HistoryQuery {
    /// Only messages after this id (to resume; up to 500, ask again
    /// after the last).
    #[serde(default)]
    after: i64,
    /// The page (50) before this id ("load earlier").
    before: Option<i64>,
}

/// A page of a conversation's messages, oldest first, including the AI
/// agent's transcript before the handoff: with neither `after` nor
/// `before`, the newest 50.
#[utoipa::path(get, path = "/api/chat/conversations/{id}/messages", tag = "chat",
    security(("bearer" = [])), params(("id" = i64, Path), HistoryQuery),
    responses((status = 200, body = Vec<ChatMessage>), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<Vec<ChatMessage>>, ApiError> {
    Ok(Json(
        state
            .chat
            .history(&caller.user, id, q.after, q.before)
            .await?,
    ))
}

/// Sends a reply; the same `client_id` again returns the stored message.
#[utoipa::path(post, path = "/api/chat/conversations/{id}/messages", tag = "chat",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = SendBody,
    responses((status = 200, body = ChatMessage), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the conversation is closed"),
        (status = 413, body = ErrorBody, description = "longer than 4000 characters")))]
pub async fn send(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<SendBody>,
) -> Result<Json<ChatMessage>, ApiError> {
    // In an email conversation a reply is a mail (from the address the
    // customer wrote to).
    let c = state.chat.readable(&caller.user, id).await?;
    if c.channel == fieldesk_core::channel::Channel::Email {
        let reply = fieldesk_core::email::outgoing::ReplyBody {
            client_id: body.client_id,
            text: body.text,
            from: None,
            cc: vec![],
            attachments: vec![],
        };
        return Ok(Json(state.mail.reply(&caller.user, id, &reply).await?));
    }
    Ok(Json(
        state
            .chat
            .agent_send(&caller.user, id, &body.client_id, &body.text)
            .await?,
    ))
}

/// Takes a queued conversation.
#[utoipa::path(post, path = "/api/chat/conversations/{id}/accept", tag = "chat",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ErrorBody, description = "another agent serves it")))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.chat.accept(&caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hands a conversation to another agent or to a service group, with a note.
#[utoipa::path(post, path = "/api/chat/conversations/{id}/transfer", tag = "chat",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = TransferBody,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<TransferBody>,
) -> Result<StatusCode, ApiError> {
    match (body.to_agent, body.to_group) {
        (Some(agent), None) => {
            state
                .chat
                .transfer(&caller.user, id, agent, &body.note)
                .await?
        }
        (None, Some(group)) => {
            state
                .chat
                .transfer_to_group(&caller.user, id, group, &body.note)
                .await?
        }
        _ => return Err(ApiError::new(ErrorCode::BadRequest)),
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a conversation; the visitor gets the satisfaction survey.
#[utoipa::path(post, path = "/api/chat/conversations/{id}/end", tag = "chat",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn end(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.chat.end(&caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks the visitor's messages read up to an id (the visitor sees "read").
#[utoipa::path(post, path = "/api/chat/conversations/{id}/read", tag = "chat",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReadBody,
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReadBody>,
) -> Result<StatusCode, ApiError> {
    state.chat.agent_read(&caller.user, id, body.up_to).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The satisfaction survey of an ended conversation, with the agent who served.
#[utoipa::path(get, path = "/api/chat/conversations/{id}/survey", tag = "chat",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = SurveyBody), (status = 404, body = ErrorBody)))]
pub async fn survey(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<SurveyBody>, ApiError> {
    serves_chat(&caller)?;
    let (agent_id, rating, comment) = state
        .store
        .survey(caller.tenant_id(), id)
        .await?
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    Ok(Json(SurveyBody {
        agent_id,
        rating,
        comment,
    }))
}

fn settings_body(s: ChatSettings) -> ChatSettingsBody {
    ChatSettingsBody {
        languages: s.languages,
        business_hours: s.business_hours,
        avg_handle_secs: s.avg_handle_secs,
        texts: s
            .texts
            .into_iter()
            .map(|(key, locale, body)| TenantTextEntry { key, locale, body })
            .collect(),
        // The key never leaves the server.
        llm: s.llm.map(|l| LlmSettings {
            base_url: l.base_url,
            model: l.model,
            api_key: String::new(),
            api_key_set: !l.api_key.is_empty(),
        }),
        auto_resolve_minutes: s.auto_resolve_minutes,
        pre_chat: s.pre_chat,
        transcript_mailbox_id: s.transcript_mailbox_id,
    }
}

/// The chat window's languages, business hours and texts (admins).
#[utoipa::path(get, path = "/api/chat/settings", tag = "chat", security(("bearer" = [])),
    responses((status = 200, body = ChatSettingsBody), (status = 403, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ChatSettingsBody>, ApiError> {
    caller.require(|r| r == Role::Admin)?;
    Ok(Json(settings_body(
        state.store.chat_settings(caller.tenant_id()).await?,
    )))
}

/// Replaces the chat settings (admins). Languages must be a non-empty set.
#[utoipa::path(put, path = "/api/chat/settings", tag = "chat", security(("bearer" = [])),
    request_body = ChatSettingsBody,
    responses((status = 200, body = ChatSettingsBody), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ChatSettingsBody>,
) -> Result<Json<ChatSettingsBody>, ApiError> {
    caller.require(|r| r == Role::Admin)?;
    let bad = || ApiError::new(ErrorCode::BadRequest);
    if body.languages.is_empty()
        || body.avg_handle_secs == 0
        || body.avg_handle_secs > 86_400
        || body.texts.iter().any(|t| t.body.chars().count() > 2000)
        || body
            .auto_resolve_minutes
            .is_some_and(|m| !(1..=fieldesk_core::chat::MAX_AUTO_RESOLVE_MINUTES).contains(&m))
    {
        return Err(bad());
    }
    if let Some(hours) = &body.business_hours
        && (hours.utc_offset_minutes.abs() > 14 * 60
            || hours
                .weekly
                .iter()
                .flatten()
                .any(|i| i.start >= i.end || i.end > 1440))
    {
        return Err(bad());
    }
    // Transcripts go out from one of the tenant's own mailboxes.
    if let Some(id) = body.transcript_mailbox_id {
        state
            .mail
            .mailbox(caller.tenant_id(), id)
            .await
            .map_err(|_| ApiError::new(ErrorCode::InvalidMailbox))?;
    }
    let llm = match body.llm {
        None => None,
        Some(l) => {
            let url_ok = (l.base_url.starts_with("http://") || l.base_url.starts_with("https://"))
                && l.base_url.len() <= 500
                && !l.base_url.contains(char::is_whitespace);
            if !url_ok || l.model.trim().is_empty() || l.model.len() > 200 || l.api_key.len() > 500
            {
                return Err(bad());
            }
            // No endpoint on loopback, private or link-local networks
            // (checked again on every connection).
            state
                .outbound
                .check_url(&l.base_url)
                .await
                .map_err(|e| match e {
                    OutboundError::NotAllowed(_) => ApiError::new(ErrorCode::EndpointNotAllowed),
                    _ => bad(),
                })?;
            // An empty key keeps the stored one; a new one is sealed.
            let api_key = if l.api_key.is_empty() {
                state
                    .store
                    .chat_settings(caller.tenant_id())
                    .await?
                    .llm
                    .map(|old| old.api_key)
                    .unwrap_or_default()
            } else {
                state.settings.secrets.seal(l.api_key.as_bytes())
            };
            Some(LlmConfig {
                base_url: l.base_url.trim_end_matches('/').to_owned(),
                model: l.model.trim().to_owned(),
                api_key,
            })
        }
    };
    let mut languages = body.languages;
    languages.sort_by_key(|l| fieldesk_core::Locale::ALL.iter().position(|x| x == l));
    languages.dedup();
    let settings = ChatSettings {
        languages,
        business_hours: body.business_hours,
        avg_handle_secs: body.avg_handle_secs,
        texts: body
            .texts
            .into_iter()
            .filter(|t| !t.body.trim().is_empty())
            .map(|t| (t.key, t.locale, t.body.trim().to_owned()))
            .collect(),
        llm,
        auto_resolve_minutes: body.auto_resolve_minutes,
        pre_chat: body.pre_chat,
        transcript_mailbox_id: body.transcript_mailbox_id,
    };
    state
        .store
        .set_chat_settings(caller.tenant_id(), settings)
        .await?;
    get_settings(State(state), caller).await
}
