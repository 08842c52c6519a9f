//! The Fieldesk server: axum REST + WebSocket over a [`store::Store`]
//! (embedded SQLite by default).
//!
//! Request flow: `routes` (handlers, OpenAPI) → `auth::Caller` (bearer
//! token → session → user, tenant-scoped) → `store` → JSON; errors become
//! localized `{code, message}` in `error::localize_errors`. Live events go
//! through `hub` to the sockets in `ws`.

pub mod auth;
pub mod chat;
pub mod clock;
pub mod demo;
pub mod dispatch;
pub mod error;
pub mod field;
pub mod hasher;
pub mod hub;
pub mod mail;
pub mod mall;
pub mod outbound;
pub mod perimeter;
pub mod portal;
pub mod routes;
pub mod secret_box;
pub mod security;
pub mod state;
pub mod store;
pub mod throttle;
pub mod visitor_ws;
pub mod ws;

use std::future::Future;
use std::sync::Arc;

use fieldesk_core::i18n::Catalog;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::chat::ChatService;
use crate::hub::Hub;
use crate::state::{AppState, Settings};
use crate::store::Store;

/// Serves the API on `listener` until `shutdown` completes; open
/// WebSockets are closed then.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let hub = Hub::with_queue(settings.live_queue);
    let catalog = Arc::new(Catalog::new());
    let outbound = outbound::Outbound::new(
        settings.allow_private_outbound,
        std::time::Duration::from_secs(15),
    );
    let security = Arc::new(security::SecurityService::new(
        store.clone(),
        hub.clone(),
        i64::try_from(settings.token_ttl.as_secs()).unwrap_or(i64::MAX / 4),
    ));
    let chat = Arc::new(ChatService::new(
        store.clone(),
        hub.clone(),
        chat::ChatParts {
            catalog: catalog.clone(),
            limits: settings.visitors,
            outbound: outbound.clone(),
            secrets: settings.secrets.clone(),
            security: security.clone(),
        },
    ));
    let dispatch = Arc::new(dispatch::DispatchService::new(store.clone(), hub.clone()));
    let field = Arc::new(field::FieldService::new(
        store.clone(),
        dispatch.clone(),
        fieldesk_core::region::DivisionTable::shared(),
        settings.photo_quota_bytes,
    ));
    let mail = Arc::new(mail::MailService::new(
        store.clone(),
        mail::MailParts {
            secrets: settings.secrets.clone(),
            catalog: catalog.clone(),
            security: security.clone(),
            outbound: outbound.clone(),
            chat: chat.clone(),
        },
    ));
    let hasher = Arc::new(hasher::Hasher::for_this_machine());
    let mall = Arc::new(mall::MallService::new(
        store.clone(),
        mall::MallParts {
            hub: hub.clone(),
            catalog: catalog.clone(),
            secrets: settings.secrets.clone(),
            hasher: hasher.clone(),
            mail: mail.clone(),
            reservation_secs: i64::try_from(settings.mall_reservation.as_secs())
                .unwrap_or(fieldesk_core::mall::checkout::RESERVATION_SECONDS),
        },
    ));
    let base_url = listener
        .local_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    let public_url = settings.public_url.clone().unwrap_or(base_url.clone());
    mall.start(
        base_url,
        public_url,
        settings.hours_check.min(std::time::Duration::from_secs(30)),
        stop_rx.clone(),
    );
    tokio::spawn(mail.clone().run_receivers(stop_rx.clone()));
    tokio::spawn(mail.clone().run_sender(stop_rx.clone()));
    spawn_purge(store.clone(), stop_rx.clone());
    let hours_check = settings.hours_check;
    let sweeper = chat.clone();
    let mut sweeper_stop = stop_rx.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(hours_check);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = sweeper.close_queues_out_of_hours().await {
                        tracing::error!(%e, "closing queues out of hours");
                    }
                    match sweeper.resolve_idle().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(resolved = n, "idle conversations resolved"),
                        Err(e) => tracing::error!(%e, "resolving idle conversations"),
                    }
                }
                _ = sweeper_stop.changed() => return,
            }
        }
    });
    let state = AppState {
        store,
        hub,
        catalog,
        chat,
        field,
        dispatch,
        mail,
        mall,
        settings: Arc::new(settings),
        outbound,
        security,
        hasher,
        throttle: Arc::default(),
        shutdown: stop_rx,
    };
    let limits = state.settings.limits.clone();
    perimeter::serve(listener, routes::router(state), limits, async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    })
    .await
}

/// How often expired sessions and idle anonymous visitors are purged.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes, once at start and then hourly, sessions that ended more than
/// a day ago and visitors who never wrote within a day of coming.
fn spawn_purge(store: Arc<dyn Store>, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let day_ago = clock::now() - 86_400;
                    match store.purge(day_ago, day_ago).await {
                        Ok(p) if p.sessions + p.visitors > 0 => {
                            tracing::info!(sessions = p.sessions, visitors = p.visitors, "purged");
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!(%e, "purging expired sessions and idle visitors"),
                    }
                }
                _ = stop.changed() => return,
            }
        }
    });
}
