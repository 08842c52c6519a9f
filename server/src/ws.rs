//! `GET /api/ws`: the authenticated WebSocket. Sends [`ServerEvent`]s
//! (hello, heartbeats, events from the hub, each of those numbered in
//! this connection's stream) and answers client pings. When the client
//! cannot keep up with its events, the hub cuts its queue off; the
//! connection then sends [`ServerEvent::Resync`] and carries on.
//! Closes when the session is revoked or expires, when the peer stops
//! answering for three heartbeats, or when the server shuts down.

use std::time::Instant;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use fieldesk_core::event::{ClientMessage, Sequenced, ServerEvent};
use fieldesk_core::{ErrorCode, Locale};

use crate::auth::Caller;
use crate::clock::now;
use crate::error::request_locale;
use crate::hub::{FeedItem, Listener};
use crate::state::AppState;

/// The largest message a client may send (staff and visitor sockets): a
/// larger one is answered with a localized "too long" error.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// The largest frame read at all; beyond it the connection closes.
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;
/// Oversize messages answered before the connection is closed.
pub const OVERSIZE_STRIKES: u32 = 3;

/// Upgrades to the event WebSocket (send `Authorization: Bearer …`).
#[utoipa::path(get, path = "/api/ws", tag = "events", security(("bearer" = [])),
    responses(
        (status = 101, description = "switching to the event stream (ServerEvent / ClientMessage JSON)"),
        (status = 401, body = fieldesk_core::api::ErrorBody),
    ))]
pub async fn connect(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let locale = request_locale(&headers);
    upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| run(socket, state, caller, locale))
}

fn text(event: &ServerEvent) -> Message {
    Message::Text(
        serde_json::to_string(event)
            .expect("events serialize")
            .into(),
    )
}

fn numbered(frame: &Sequenced) -> Message {
    Message::Text(
        serde_json::to_string(frame)
            .expect("events serialize")
            .into(),
    )
}

async fn run(mut socket: WebSocket, state: AppState, caller: Caller, locale: Locale) {
    let heartbeat = state.settings.heartbeat;
    let mut feed = state.hub.subscribe(Listener {
        tenant_id: caller.tenant_id(),
        user_id: caller.user.id,
        role: caller.user.role,
        token_hash: caller.token_hash.clone(),
    });
    let mut shutdown = state.shutdown.clone();
    let hello = ServerEvent::Hello {
        user_id: caller.user.id,
        heartbeat_secs: heartbeat.as_secs().max(1),
        server_time: now(),
    };
    if socket.send(text(&hello)).await.is_err() {
        return;
    }
    let serves_chat = caller.user.role.serves_chat();
    if serves_chat {
        state
            .chat
            .presence
            .connected(caller.tenant_id(), caller.user.id);
        // An online agent coming back may take queued conversations.
        let _ = state.chat.agent_changed(caller.tenant_id()).await;
    }
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    let mut seq = 0u64;
    let mut last_heard = Instant::now();
    let mut oversize = 0u32;
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                if last_heard.elapsed() > heartbeat * 3 {
                    tracing::info!(user = caller.user.id, "closing silent WebSocket");
                    break;
                }
                if !session_alive(&state, &caller).await {
                    let _ = socket.send(text(&ServerEvent::SessionRevoked)).await;
                    break;
                }
                seq += 1;
                let beat = ServerEvent::Heartbeat { beat: seq, server_time: now() };
                if socket.send(text(&beat)).await.is_err()
                    || socket.send(Message::Ping(Vec::new().into())).await.is_err()
                {
                    break;
                }
            }
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                last_heard = Instant::now();
                match message {
                    Message::Text(body) if body.len() > MAX_MESSAGE_BYTES => {
                        oversize += 1;
                        if oversize > OVERSIZE_STRIKES
                            || socket.send(text(&error_event(&state, locale, ErrorCode::MessageTooLong))).await.is_err()
                        {
                            break;
                        }
                    }
                    Message::Text(body) => {
                        let reply = match serde_json::from_str::<ClientMessage>(&body) {
                            Ok(ClientMessage::Ping { nonce }) => Some(ServerEvent::Pong { nonce }),
                            Ok(ClientMessage::Typing { conversation_id }) => {
                                match state.chat.agent_typing(&caller.user, conversation_id).await {
                                    Ok(()) => None,
                                    Err(e) => Some(error_event(&state, locale, e.code)),
                                }
                            }
                            Err(_) => Some(error_event(&state, locale, ErrorCode::BadRequest)),
                        };
                        if let Some(reply) = reply
                            && socket.send(text(&reply)).await.is_err()
                        {
                            break;
                        }
                    }
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            item = feed.recv() => match item {
                Some(FeedItem::Event(frame)) => {
                    // A peer that drains what it is sent is alive, even
                    // while its answers to pings wait behind a backlog; one
                    // that takes nothing for three beats is not.
                    match tokio::time::timeout(heartbeat * 3, socket.send(numbered(&frame))).await {
                        Ok(Ok(())) => last_heard = Instant::now(),
                        _ => break,
                    }
                    if frame.event == ServerEvent::SessionRevoked {
                        break;
                    }
                }
                Some(FeedItem::Lagged) => {
                    tracing::warn!(user = caller.user.id, "staff socket could not keep up; told to resync");
                    let resync = Sequenced { seq: feed.next_seq(), event: ServerEvent::Resync };
                    if socket.send(numbered(&resync)).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            _ = shutdown.changed() => break,
        }
    }
    let _ = socket.send(Message::Close(None)).await;
    if serves_chat {
        state
            .chat
            .presence
            .disconnected(caller.tenant_id(), caller.user.id);
        let _ = state.chat.agent_changed(caller.tenant_id()).await;
    }
}

fn error_event(state: &AppState, locale: Locale, code: ErrorCode) -> ServerEvent {
    ServerEvent::Error {
        code,
        message: state.catalog.message(locale, code.message_key()),
    }
}

async fn session_alive(state: &AppState, caller: &Caller) -> bool {
    let user_ok = match state.store.user(caller.tenant_id(), caller.user.id).await {
        Ok(user) => user.is_some_and(|u| !u.disabled),
        Err(_) => true,
    };
    match state.store.session(&caller.token_hash).await {
        Ok(Some(s)) => {
            user_ok
                && crate::auth::session_alive(state, &s, now())
                    .await
                    .unwrap_or(true)
        }
        Ok(None) => false,
        // A passing store failure does not end the connection.
        Err(_) => true,
    }
}
