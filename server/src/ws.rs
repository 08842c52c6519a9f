//! `GET /api/ws`: the authenticated WebSocket. Sends [`ServerEvent`]s
//! (hello, heartbeats, events from the hub) and answers client pings.
//! Closes when the session is revoked or expires, when the peer stops
//! answering for three heartbeats, or when the server shuts down.

use std::time::Instant;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use fieldesk_core::event::{ClientMessage, ServerEvent};
use fieldesk_core::{ErrorCode, Locale};
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Caller;
use crate::clock::now;
use crate::error::request_locale;
use crate::state::AppState;

/// The largest message a client may send (as on the visitor socket); a
/// larger one closes the connection.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

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
        .max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| run(socket, state, caller, locale))
}

fn text(event: &ServerEvent) -> Message {
    Message::Text(
        serde_json::to_string(event)
            .expect("events serialize")
            .into(),
    )
}

async fn run(mut socket: WebSocket, state: AppState, caller: Caller, locale: Locale) {
    let heartbeat = state.settings.heartbeat;
    let mut events = state.hub.subscribe();
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
                let beat = ServerEvent::Heartbeat { seq, server_time: now() };
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
            envelope = events.recv() => match envelope {
                Ok(envelope) if envelope.is_for(caller.tenant_id(), caller.user.id, caller.user.role, &caller.token_hash) => {
                    if socket.send(text(&envelope.event)).await.is_err()
                        || envelope.event == ServerEvent::SessionRevoked
                    {
                        break;
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "WebSocket subscriber lagged");
                }
                Err(RecvError::Closed) => break,
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
