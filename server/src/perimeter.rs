//! The connection perimeter: the accept loop in front of the router.
//!
//! - at most [`Limits::max_connections`] open connections, and at most
//!   [`Limits::max_per_client`] from one client address; a connection over
//!   either limit is closed at once (before a byte is read);
//! - a request's headers must arrive within [`Limits::header_timeout`],
//!   which also bounds how long a kept-alive connection may sit idle
//!   between requests (hyper starts the timer whenever it waits for a
//!   request);
//! - a request body must arrive, and a handler answer, within
//!   [`Limits::request_timeout`] (layers in `routes::router`);
//! - an upgraded WebSocket keeps its connection slot until it closes, and
//!   lives by its own heartbeat rule (`ws`, `visitor_ws`).
//!
//! Every limit that is hit is logged, at most once per [`LOG_EVERY`] per
//! kind, with how often it was hit since.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt as _;

/// How long after the last log line a limit is logged again.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The perimeter's limits (`serve` flags; see `state::Settings`).
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    pub max_per_client: usize,
    pub header_timeout: Duration,
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 16_384,
            max_per_client: 512,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// Raises the soft limit of open files to the hard limit, so the
/// connection limit (not the OS) decides; returns the limit now in force.
pub fn raise_file_limit() -> Option<u64> {
    rlimit::increase_nofile_limit(u64::MAX).ok()
}

/// A limit hit, logged without flooding the log.
struct Throttled {
    what: &'static str,
    hits: AtomicU64,
    last: Mutex<Option<Instant>>,
}

impl Throttled {
    const fn new(what: &'static str) -> Self {
        Throttled {
            what,
            hits: AtomicU64::new(0),
            last: Mutex::new(None),
        }
    }

    fn hit(&self, peer: IpAddr, limit: usize) {
        let hits = self.hits.fetch_add(1, Ordering::Relaxed) + 1;
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_none_or(|t| t.elapsed() >= LOG_EVERY) {
            *last = Some(Instant::now());
            self.hits.store(0, Ordering::Relaxed);
            tracing::warn!(%peer, limit, hits, "{} reached: connection closed", self.what);
        }
    }
}

static TOTAL_HIT: Throttled = Throttled::new("connection limit");
static PER_CLIENT_HIT: Throttled = Throttled::new("per-client connection limit");

/// Open connections per client address.
#[derive(Default)]
struct PerClient(Mutex<HashMap<IpAddr, usize>>);

/// A connection's place in the limits, given back when it closes.
struct Slot {
    _permit: OwnedSemaphorePermit,
    clients: Arc<PerClient>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.clients.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// What the accept loop keeps between connections.
struct Gate {
    limits: Limits,
    total: Arc<Semaphore>,
    clients: Arc<PerClient>,
}

impl Gate {
    fn admit(&self, ip: IpAddr) -> Option<Slot> {
        let Ok(permit) = self.total.clone().try_acquire_owned() else {
            TOTAL_HIT.hit(ip, self.limits.max_connections);
            return None;
        };
        let mut map = self.clients.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_default();
        if *n >= self.limits.max_per_client {
            drop(map);
            PER_CLIENT_HIT.hit(ip, self.limits.max_per_client);
            return None;
        }
        *n += 1;
        Some(Slot {
            _permit: permit,
            clients: self.clients.clone(),
            ip,
        })
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown`
/// completes; then stops accepting, and waits (up to 10 s) for open
/// requests to finish. WebSockets end on their own (they watch the
/// server's shutdown signal).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let gate = Gate {
        total: Arc::new(Semaphore::new(limits.max_connections)),
        clients: Arc::default(),
        limits,
    };
    // HTTP/1.1 only: protocol detection (hyper-util's auto builder)
    // would wait for a silent client's first bytes without any timeout.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(gate.limits.header_timeout)
        .keep_alive(true);
    let builder = Arc::new(builder);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Connections still serving HTTP (an upgraded WebSocket is not one).
    let open = Arc::new(tokio::sync::Semaphore::new(0));
    let mut spawned = 0u32;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off a little.
                    tracing::warn!(%e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Some(slot) = gate.admit(peer.ip()) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service =
            router
                .clone()
                .map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(peer));
                    req
                });
        let service = TowerToHyperService::new(service);
        let builder = builder.clone();
        let io = TokioIo::new(SlotStream {
            inner: stream,
            _slot: slot,
        });
        let conn = builder.serve_connection(io, service).with_upgrades();
        let mut stopped = stopped.clone();
        let open = open.clone();
        spawned += 1;
        tokio::spawn(async move {
            tokio::pin!(conn);
            let ended = tokio::select! {
                ended = conn.as_mut() => ended,
                _ = async { stopped.wait_for(|s| *s).await.map(|_| ()) } => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
            open.add_permits(1);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let all_done = open.acquire_many(spawned);
    if tokio::time::timeout(Duration::from_secs(10), all_done)
        .await
        .is_err()
    {
        tracing::warn!("open requests did not finish within 10 s of shutdown");
    }
    Ok(())
}

/// The client's address for throttling: the peer, or — when the peer is
/// one of the `trusted` proxies (TLS in front, see the README) — the
/// nearest address in `X-Forwarded-For` that is not a trusted proxy.
pub fn client_ip(peer: IpAddr, headers: &axum::http::HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

/// The client's address as an extractor ([`client_ip`] of the peer the
/// accept loop recorded, behind the trusted proxies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl axum::extract::FromRequestParts<crate::state::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::state::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(ClientAddr(client_ip(
            peer,
            &parts.headers,
            &state.settings.trusted_proxies,
        )))
    }
}

/// The TCP stream with its place in the limits: the slot is given back
/// when the stream is dropped, which for a WebSocket is when it closes.
struct SlotStream {
    inner: tokio::net::TcpStream,
    _slot: Slot,
}

impl tokio::io::AsyncRead for SlotStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for SlotStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = [127, 0, 0, 1].into();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, 9.9.9.9".parse().unwrap());
        let client: IpAddr = [9, 9, 9, 9].into();
        assert_eq!(client_ip(proxy, &headers, &[proxy]), client);
        assert_eq!(client_ip(proxy, &headers, &[]), proxy, "not trusted");
        let other: IpAddr = [8, 8, 8, 8].into();
        assert_eq!(client_ip(other, &headers, &[proxy]), other);
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(client_ip(proxy, &headers, &[proxy]), proxy);
    }
}
