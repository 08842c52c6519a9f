//! Load driver for `cargo xtask bench`: starts the real server (the binary
//! given as the first argument) on 127.0.0.1 with a temporary SQLite file,
//! drives it over HTTP and WebSocket with a bounded number of requests, and
//! prints latency and throughput. Traffic goes to loopback only.
//!
//! `fieldesk-load <server> [api|chat|dispatch|email|mall]`: the API
//! scenarios (default), the chat scenario (see [`chat`]), dispatch
//! ([`dispatch`]), email ([`email`]) or the parts mall ([`mall`]).

mod chat;
mod dispatch;
mod email;
mod mall;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fieldesk_testkit::server::{PASSWORD, TestServer};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const CLIENTS: usize = 16;
const ME_REQUESTS: usize = 20_000;
const LOGINS: usize = 30;
const WS_CONNECTS: usize = 300;
const BAD_REQUESTS: usize = 5_000;

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub(crate) fn report(name: &str, mut samples: Vec<Duration>, wall: Duration) {
    samples.sort();
    println!(
        "{name:<28} {:>7} req  {:>9.0} req/s  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms",
        samples.len(),
        samples.len() as f64 / wall.as_secs_f64(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.95),
        percentile(&samples, 0.99),
    );
}

/// Runs `total` calls of `call` spread over `CLIENTS` concurrent tasks.
async fn concurrent<F, Fut>(total: usize, call: F) -> (Vec<Duration>, Duration)
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let call = call.clone();
            let n = total / CLIENTS + usize::from(i < total % CLIENTS);
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(n);
                for _ in 0..n {
                    let t = Instant::now();
                    call().await;
                    samples.push(t.elapsed());
                }
                samples
            })
        })
        .collect();
    let mut samples = vec![];
    for task in tasks {
        samples.extend(task.await.expect("client task"));
    }
    (samples, started.elapsed())
}

#[tokio::main]
async fn main() {
    let bin = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: fieldesk-load <fieldesk-server binary>"),
    );
    if std::env::args().nth(2).as_deref() == Some("chat") {
        chat::run(&bin).await;
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("email") {
        email::run(&bin).await;
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("mall") {
        mall::run(&TestServer::start(&bin)).await;
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("dispatch") {
        dispatch::run(&TestServer::start(&bin)).await;
        return;
    }
    let server = TestServer::start(&bin);
    println!(
        "server: {} (fresh SQLite data dir), {CLIENTS} concurrent clients",
        server.base
    );

    let mut samples = vec![];
    let started = Instant::now();
    for _ in 0..LOGINS {
        let t = Instant::now();
        assert_eq!(
            server.login_raw("acme", "alice", PASSWORD).await.status(),
            200
        );
        samples.push(t.elapsed());
    }
    report("login (argon2id, serial)", samples, started.elapsed());

    let token = server.login("acme", "alice").await.token;
    let (http, url) = (server.http.clone(), server.url("/api/me"));
    let (samples, wall) = concurrent(ME_REQUESTS, move || {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        async move {
            let res = http
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .expect("GET /api/me");
            assert_eq!(res.status(), 200);
            res.bytes().await.expect("body");
        }
    })
    .await;
    report("GET /api/me (auth + 2 reads)", samples, wall);

    let (http, url) = (server.http.clone(), server.url("/api/auth/login"));
    let (samples, wall) = concurrent(BAD_REQUESTS, move || {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let res = http
                .post(&url)
                .header("content-type", "application/json")
                .body("{\"tenant\":")
                .send()
                .await
                .expect("POST");
            assert_eq!(res.status(), 400);
            res.bytes().await.expect("body");
        }
    })
    .await;
    report("malformed login (400 JSON)", samples, wall);

    let token = server.login("acme", "alice").await.token;
    let ws_url = server.ws_url();
    let (samples, wall) = concurrent(WS_CONNECTS, move || {
        let (ws_url, token) = (ws_url.clone(), token.clone());
        async move {
            let mut request = ws_url.into_client_request().expect("ws url");
            request.headers_mut().insert(
                "authorization",
                format!("Bearer {token}").parse().expect("header"),
            );
            let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("ws");
            use futures_util::StreamExt;
            let hello = socket.next().await.expect("hello").expect("frame");
            assert!(hello.to_text().expect("text").contains("\"hello\""));
            let _ = socket.close(None).await;
        }
    })
    .await;
    report("WebSocket connect to hello", samples, wall);
}
