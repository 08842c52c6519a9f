//! The live link: the event WebSocket to the server, kept open with
//! reconnects and backoff. It drives the connection indicator (the
//! `connection` event), ends the session on `session_revoked`, and nudges
//! the field sync engine when it connects and on `sync_available`.

use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use fieldesk_core::event::{ClientMessage, Sequenced, ServerEvent, StreamPosition};
use futures_util::{SinkExt, StreamExt};
use reqwest::Url;
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter};
use tokio::sync::mpsc;

use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::state::Shell;

pub use fieldesk_core::ipc::{
    CHAT_EVENT, CONNECTION_EVENT, ConnectionState, DISPATCH_EVENT, MALL_EVENT, SESSION_ENDED_EVENT,
    WORKBENCH_EVENT,
};

#[derive(Default)]
pub struct LiveLink {
    /// The shell it works for (given once at start-up, see
    /// [`LiveLink::attach`]): an ended session is forgotten in it and its
    /// sync engine nudged.
    shell: OnceLock<Weak<Shell>>,
    task: Mutex<Option<JoinHandle<()>>>,
    state: Arc<Mutex<ConnectionState>>,
    /// Messages for the server (typing); dropped while offline.
    outgoing: Mutex<Option<mpsc::UnboundedSender<ClientMessage>>>,
}

fn set_state(app: &AppHandle, shared: &Mutex<ConnectionState>, state: ConnectionState) {
    let mut current = shared.lock().unwrap_or_else(|p| p.into_inner());
    if *current != state {
        *current = state;
        let _ = app.emit(CONNECTION_EVENT, state);
    }
}

/// How a connection attempt ended.
enum Outcome {
    /// Dropped or failed: try again.
    Retry,
    /// The server ended the session: stop for good.
    SessionEnded,
}

impl LiveLink {
    /// Gives the link the shell it works for; call once at start-up.
    pub fn attach(&self, shell: Weak<Shell>) {
        let _ = self.shell.set(shell);
    }

    pub fn state(&self) -> ConnectionState {
        *self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends a message to the server if the link is up (best effort: only
    /// for signals like typing that are worthless later).
    pub fn send(&self, message: ClientMessage) {
        if let Some(tx) = &*self.outgoing.lock().unwrap_or_else(|p| p.into_inner()) {
            let _ = tx.send(message);
        }
    }

    /// (Re)starts the link for a session.
    pub fn start(&self, app: AppHandle, ws_url: Url, token: String) {
        self.stop(&app);
        let shared = self.state.clone();
        let shell = self.shell.get().cloned().unwrap_or_default();
        let (tx, mut rx) = mpsc::unbounded_channel();
        *self.outgoing.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        let handle = tauri::async_runtime::spawn(async move {
            let mut backoff = Duration::from_millis(500);
            loop {
                set_state(&app, &shared, ConnectionState::Connecting);
                match run_once(&app, &shell, &shared, &ws_url, &token, &mut rx).await {
                    Outcome::SessionEnded => {
                        set_state(&app, &shared, ConnectionState::Offline);
                        // The token is dead: drop it before telling the UI.
                        if let Some(shell) = shell.upgrade()
                            && let Err(e) = crate::session::forget(&shell).await
                        {
                            tracing::error!(%e, "dropping the ended session");
                        }
                        let _ = app.emit(SESSION_ENDED_EVENT, ());
                        return;
                    }
                    Outcome::Retry => {
                        set_state(&app, &shared, ConnectionState::Offline);
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(10));
                    }
                }
            }
        });
        *self.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
    }

    pub fn stop(&self, app: &AppHandle) {
        self.outgoing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(task) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
        set_state(app, &self.state, ConnectionState::Offline);
    }
}

fn nudge_sync(shell: &Weak<Shell>) {
    if let Some(shell) = shell.upgrade() {
        shell.sync.nudge();
    }
}

async fn run_once(
    app: &AppHandle,
    shell: &Weak<Shell>,
    shared: &Mutex<ConnectionState>,
    ws_url: &Url,
    token: &str,
    outgoing: &mut mpsc::UnboundedReceiver<ClientMessage>,
) -> Outcome {
    let Ok(mut request) = ws_url.as_str().into_client_request() else {
        return Outcome::Retry;
    };
    let Ok(auth) = format!("Bearer {token}").parse() else {
        return Outcome::SessionEnded;
    };
    request.headers_mut().insert("authorization", auth);
    let connect = tokio_tungstenite::connect_async(request);
    let mut socket = match tokio::time::timeout(Duration::from_secs(10), connect).await {
        Ok(Ok((socket, _))) => socket,
        Ok(Err(tungstenite::Error::Http(res))) if res.status() == 401 => {
            return Outcome::SessionEnded;
        }
        _ => return Outcome::Retry,
    };
    // Until the server says how often it beats, allow a generous silence.
    let mut silence = Duration::from_secs(60);
    // Nothing queued while offline is worth sending now.
    while outgoing.try_recv().is_ok() {}
    // Each connection's events are numbered from 1.
    let mut position = StreamPosition::default();
    // The app's own keepalive: when a burst of events delays the server's
    // pings behind them, the server still hears the app in time.
    let mut keepalive = tokio::time::interval(Duration::from_secs(5));
    let mut nonce = 0u64;
    loop {
        let next = tokio::select! {
            _ = keepalive.tick() => {
                nonce += 1;
                let ping = serde_json::to_string(&ClientMessage::Ping { nonce }).expect("messages serialize");
                if socket.send(Message::Text(ping.into())).await.is_err() {
                    return Outcome::Retry;
                }
                continue;
            }
            next = tokio::time::timeout(silence, socket.next()) => match next {
                Ok(Some(Ok(message))) => message,
                // Silent for three heartbeats, closed or broken: reconnect.
                _ => return Outcome::Retry,
            },
            Some(message) = outgoing.recv() => {
                let text = serde_json::to_string(&message).expect("messages serialize");
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return Outcome::Retry;
                }
                continue;
            }
        };
        let Message::Text(text) = next else {
            continue;
        };
        let frame = match serde_json::from_str::<Sequenced>(&text) {
            Ok(frame) => frame,
            Err(e) => {
                tracing::warn!(%e, "unknown server event");
                continue;
            }
        };
        if !position.follows(frame.seq) || frame.event == ServerEvent::Resync {
            // Events were lost: everything shown is fetched again.
            tracing::warn!(seq = frame.seq, "live events lost; resyncing");
            let _ = app.emit(CHAT_EVENT, ServerEvent::Resync);
            let _ = app.emit(WORKBENCH_EVENT, ServerEvent::Resync);
            let _ = app.emit(DISPATCH_EVENT, 0i64);
            let _ = app.emit(MALL_EVENT, 0i64);
            nudge_sync(shell);
            if frame.event == ServerEvent::Resync {
                continue;
            }
        }
        match frame.event {
            ServerEvent::Hello { heartbeat_secs, .. } => {
                silence = Duration::from_secs(heartbeat_secs.max(1) * 3);
                keepalive = tokio::time::interval(Duration::from_secs(heartbeat_secs.max(1)));
                set_state(app, shared, ConnectionState::Online);
                // Back online: push what was done offline, pull what changed.
                nudge_sync(shell);
            }
            ServerEvent::SyncAvailable { .. } => nudge_sync(shell),
            ServerEvent::SessionRevoked => return Outcome::SessionEnded,
            event @ (ServerEvent::LayoutsChanged | ServerEvent::QuickRepliesChanged) => {
                let _ = app.emit(WORKBENCH_EVENT, event);
            }
            ServerEvent::WorkOrderDispatched { work_order } => {
                let _ = app.emit(DISPATCH_EVENT, work_order);
            }
            ServerEvent::MallOrderChanged { order_id, .. } => {
                let _ = app.emit(MALL_EVENT, order_id);
            }
            ServerEvent::MallPartsChanged { work_order } => {
                let _ = app.emit(MALL_EVENT, work_order);
            }
            event @ (ServerEvent::ConversationChanged { .. }
            | ServerEvent::ChatMessage { .. }
            | ServerEvent::VisitorTyping { .. }
            | ServerEvent::VisitorMarks { .. }
            | ServerEvent::Transferred { .. }
            | ServerEvent::MailStatus { .. }) => {
                let _ = app.emit(CHAT_EVENT, event);
            }
            _ => {}
        }
    }
}
