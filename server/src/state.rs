//! Shared state of the running server, passed to handlers through axum's
//! `State` (never global).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use fieldesk_core::i18n::Catalog;
use tokio::sync::watch;

use crate::chat::ChatService;
use crate::hub::Hub;
use crate::store::Store;

/// Tunables of a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How often the WebSocket sends a heartbeat.
    pub heartbeat: Duration,
    /// How long a login token lives.
    pub token_ttl: Duration,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Chat messages a visitor may send at once…
    pub visitor_burst: u32,
    /// …and per second after that.
    pub visitor_per_sec: f64,
    /// The built chat window (`portal/dist`).
    pub portal_dir: PathBuf,
    /// How often queues are checked against business hours.
    pub hours_check: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            heartbeat: Duration::from_secs(20),
            token_ttl: Duration::from_secs(30 * 24 * 3600),
            body_limit: 64 * 1024,
            visitor_burst: 10,
            visitor_per_sec: 1.0,
            portal_dir: PathBuf::from("portal/dist"),
            hours_check: Duration::from_secs(60),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub hub: Hub,
    pub catalog: Arc<Catalog>,
    pub chat: Arc<ChatService>,
    pub settings: Arc<Settings>,
    /// Turns true when the server shuts down, so long-lived connections end.
    pub shutdown: watch::Receiver<bool>,
}

impl FromRef<AppState> for Arc<Catalog> {
    fn from_ref(state: &AppState) -> Self {
        state.catalog.clone()
    }
}
