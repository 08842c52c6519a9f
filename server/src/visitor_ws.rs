//! `GET /api/visitor/{tenant}/ws`: the visitor's chat connection. No login:
//! the first message is `resume` with the visitor token from an earlier
//! visit (or none for a new visitor). Then [`VisitorCommand`]s in,
//! [`VisitorEvent`]s out; errors are events in the visitor's language and
//! never close the connection, except a refused `resume`.

use std::net::IpAddr;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use fieldesk_core::chat::{Author, VisitorCommand, VisitorEvent};
use fieldesk_core::{ErrorCode, Locale};

use crate::chat::{ChatResult, Resume, Resumed, VisitorSession};
use crate::error::{ApiError, request_locale};
use crate::hub::FeedItem;
use crate::perimeter::ClientAddr;
use crate::state::AppState;

/// How long a new connection may take to send `resume`.
const RESUME_TIMEOUT: Duration = Duration::from_secs(10);

/// Upgrades to a visitor chat connection (JSON `VisitorCommand` / `VisitorEvent`).
#[utoipa::path(get, path = "/api/visitor/{tenant}/ws", tag = "visitor",
    params(("tenant" = String, Path, description = "the tenant's slug")),
    responses(
        (status = 101, description = "switching to the visitor chat protocol"),
        (status = 404, body = fieldesk_core::api::ErrorBody, description = "unknown tenant"),
    ))]
pub async fn connect(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    // The tenant first, so a wrong snippet says so even to a plain GET.
    if state.store.tenant_by_slug(&tenant).await?.is_none() {
        return Err(ApiError::new(ErrorCode::UnknownTenant));
    }
    let upgrade = upgrade.map_err(|_| ApiError::new(ErrorCode::BadRequest))?;
    let peer = Peer {
        locale: request_locale(&headers),
        client,
        user_agent: headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    Ok(upgrade
        .max_message_size(crate::ws::MAX_FRAME_BYTES)
        .on_upgrade(move |socket| run(socket, state, tenant, peer)))
}

/// What the connection says of the visitor before `resume`.
struct Peer {
    locale: Locale,
    client: IpAddr,
    user_agent: Option<String>,
}

/// How long a window waits before sending a refused message again.
const RETRY_AFTER_MS: u32 = 1000;

fn frame(event: &VisitorEvent) -> Message {
    Message::Text(
        serde_json::to_string(event)
            .expect("events serialize")
            .into(),
    )
}

fn error_event(state: &AppState, locale: Locale, code: ErrorCode) -> VisitorEvent {
    VisitorEvent::Error {
        code,
        message: state.catalog.message(locale, code.message_key()),
    }
}

/// Waits for `resume` and answers it; `None` ends the connection.
async fn resume(
    socket: &mut WebSocket,
    state: &AppState,
    tenant: &str,
    peer: &Peer,
) -> Option<(VisitorSession, Locale, i64)> {
    let locale = peer.locale;
    loop {
        let message = tokio::time::timeout(RESUME_TIMEOUT, socket.recv())
            .await
            .ok()??
            .ok()?;
        let Message::Text(body) = message else {
            continue;
        };
        let Ok(VisitorCommand::Resume {
            token,
            after,
            locale: wanted,
            identity,
            mut context,
        }) = serde_json::from_str(&body)
        else {
            let _ = socket
                .send(frame(&error_event(state, locale, ErrorCode::BadRequest)))
                .await;
            continue;
        };
        // Whatever comes back, in the language the visitor asked for.
        let locale = wanted
            .as_deref()
            .and_then(Locale::try_negotiate)
            .unwrap_or(locale);
        context.user_agent = peer.user_agent.clone();
        let request = Resume {
            tenant,
            token: token.as_deref(),
            after,
            locale: wanted.as_deref(),
            identity,
            client: peer.client,
            context,
        };
        match state.chat.resume(request).await {
            Ok(Resumed {
                session,
                ready,
                warning,
            }) => {
                let (locale, last) = match &ready {
                    VisitorEvent::Ready { texts, history, .. } => (
                        texts.locale,
                        history.last().map_or(after, |m| m.id.max(after)),
                    ),
                    _ => (locale, after),
                };
                socket.send(frame(&ready)).await.ok()?;
                if let Some(code) = warning {
                    socket
                        .send(frame(&error_event(state, locale, code)))
                        .await
                        .ok()?;
                }
                return Some((session, locale, last));
            }
            Err(e) => {
                let _ = socket
                    .send(frame(&error_event(state, locale, e.code)))
                    .await;
                return None;
            }
        }
    }
}

async fn run(mut socket: WebSocket, state: AppState, tenant: String, peer: Peer) {
    let Some((mut session, mut locale, mut last_sent)) =
        resume(&mut socket, &state, &tenant, &peer).await
    else {
        let _ = socket.send(Message::Close(None)).await;
        return;
    };
    // Only this conversation's events (none before the visitor writes);
    // whatever happened between the history read and now comes from the
    // store.
    let mut events = session
        .conversation_id
        .map(|id| state.hub.subscribe_visitor(session.tenant_id, id));
    if !catch_up(&mut socket, &state, &session, &mut last_sent).await {
        let _ = socket.send(Message::Close(None)).await;
        return;
    }
    let heartbeat = state.settings.heartbeat;
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    let mut shutdown = state.shutdown.clone();
    let mut last_heard = tokio::time::Instant::now();
    let mut oversize = 0u32;
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                if last_heard.elapsed() > heartbeat * 3
                    || socket.send(Message::Ping(Vec::new().into())).await.is_err()
                {
                    break;
                }
            }
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                last_heard = tokio::time::Instant::now();
                let reply = match message {
                    // Too long: said in the visitor's language; a client
                    // that keeps sending them is cut off.
                    Message::Text(body) if body.len() > crate::ws::MAX_MESSAGE_BYTES => {
                        oversize += 1;
                        if oversize > crate::ws::OVERSIZE_STRIKES {
                            break;
                        }
                        Some(error_event(&state, locale, ErrorCode::MessageTooLong))
                    }
                    Message::Text(body) => match serde_json::from_str::<VisitorCommand>(&body) {
                        Ok(command) => reply(&state, &mut session, command, locale).await,
                        Err(_) => Some(error_event(&state, locale, ErrorCode::BadRequest)),
                    },
                    Message::Close(_) => break,
                    _ => None,
                };
                if let Some(VisitorEvent::Language { texts }) = &reply {
                    locale = texts.locale;
                }
                if let Some(reply) = reply
                    && socket.send(frame(&reply)).await.is_err()
                {
                    break;
                }
                // The first message started the conversation: its events
                // from now, and what came before the subscription.
                if events.is_none() && let Some(id) = session.conversation_id {
                    events = Some(state.hub.subscribe_visitor(session.tenant_id, id));
                    if !catch_up(&mut socket, &state, &session, &mut last_sent).await {
                        break;
                    }
                }
            }
            item = next_event(&mut events) => match item {
                Some(FeedItem::Event(event)) => {
                    if let VisitorEvent::Language { texts } = &event {
                        locale = texts.locale;
                    }
                    if let VisitorEvent::Message(m) = &event {
                        if m.id <= last_sent {
                            continue; // sent by the catch-up already
                        }
                        last_sent = m.id;
                    }
                    if socket.send(frame(&event)).await.is_err() {
                        break;
                    }
                    if let VisitorEvent::Message(m) = &event
                        && matches!(m.author, Author::Agent { .. })
                    {
                        let _ = state.chat.visitor_marks(&session, m.id, false).await;
                    }
                }
                Some(FeedItem::Lagged) => {
                    tracing::warn!(conversation = ?session.conversation_id, "visitor socket could not keep up; catching up from the store");
                    if !catch_up(&mut socket, &state, &session, &mut last_sent).await {
                        break;
                    }
                }
                None => break,
            },
            _ = shutdown.changed() => break,
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// Sends what the window has not got: the messages after `last_sent`
/// and the conversation's state now. `false`: the socket is gone.
async fn catch_up(
    socket: &mut WebSocket,
    state: &AppState,
    session: &VisitorSession,
    last_sent: &mut i64,
) -> bool {
    let events = match state.chat.catch_up(session, *last_sent).await {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(code = ?e.code, "visitor catch-up failed");
            return true;
        }
    };
    for event in events {
        if let VisitorEvent::Message(m) = &event {
            *last_sent = (*last_sent).max(m.id);
        }
        if socket.send(frame(&event)).await.is_err() {
            return false;
        }
    }
    true
}

/// The next event of the conversation's feed; none before it starts.
async fn next_event(
    events: &mut Option<crate::hub::VisitorFeed>,
) -> Option<FeedItem<VisitorEvent>> {
    match events {
        Some(feed) => feed.recv().await,
        None => std::future::pending().await,
    }
}

/// Carries out one command: the answer to send back, if any, with errors
/// in the visitor's language. A message refused for the rate stays the
/// window's to send again.
async fn reply(
    state: &AppState,
    session: &mut VisitorSession,
    command: VisitorCommand,
    locale: Locale,
) -> Option<VisitorEvent> {
    let sent = match &command {
        VisitorCommand::Send { client_id, .. } => Some(client_id.clone()),
        _ => None,
    };
    match handle(state, session, command).await {
        Ok(reply) => reply,
        Err(e) => match sent {
            Some(client_id) if e.code == ErrorCode::RateLimited => Some(VisitorEvent::NotSent {
                client_id,
                code: e.code,
                retry_after_ms: RETRY_AFTER_MS,
            }),
            _ => Some(error_event(state, locale, e.code)),
        },
    }
}

/// Carries out one command; the answer to send back, if any.
async fn handle(
    state: &AppState,
    session: &mut VisitorSession,
    command: VisitorCommand,
) -> ChatResult<Option<VisitorEvent>> {
    let chat = &state.chat;
    Ok(match command {
        VisitorCommand::Resume { .. } => return Err(ApiError::new(ErrorCode::BadRequest)),
        VisitorCommand::Send { client_id, text } => {
            let stored = chat.visitor_send(session, &client_id, &text).await?;
            Some(VisitorEvent::Ack {
                client_id,
                message_id: stored.id,
                conversation_id: stored.conversation_id,
            })
        }
        VisitorCommand::PreChat { name, contact } => {
            Some(chat.pre_chat(session, &name, &contact).await?)
        }
        VisitorCommand::End => {
            chat.visitor_end(session).await?;
            None
        }
        VisitorCommand::AskForHuman => {
            chat.ask_for_human(session).await?;
            None
        }
        VisitorCommand::SetLanguage { locale } => chat.set_language(session, &locale).await?,
        VisitorCommand::Typing => {
            chat.visitor_typing(session).await?;
            None
        }
        VisitorCommand::Read { up_to } => {
            chat.visitor_marks(session, up_to, true).await?;
            None
        }
        VisitorCommand::LeaveMessage {
            client_id,
            name,
            contact,
            text,
        } => {
            chat.leave_message(session, &client_id, &name, &contact, &text)
                .await?;
            None
        }
        VisitorCommand::Survey { rating, comment } => {
            chat.survey(session, rating, &comment).await?;
            None
        }
        VisitorCommand::LoadEarlier { before } => Some(chat.earlier(session, before).await?),
        VisitorCommand::EmailTranscript { client_id, to } => {
            let notice = state.mail.transcript(session, &client_id, &to).await?;
            Some(VisitorEvent::Ack {
                client_id,
                message_id: notice.id,
                conversation_id: notice.conversation_id,
            })
        }
        VisitorCommand::Ping { nonce } => Some(VisitorEvent::Pong { nonce }),
    })
}
