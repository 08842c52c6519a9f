//! The connection perimeter with real sockets: silent and slow clients,
//! connection limits, timeouts, and the headers every answer carries.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::bin;
use fieldesk_testkit::server::TestServer;

/// A server with short timeouts, so the tests wait seconds, not minutes.
fn server(extra: &[&str]) -> TestServer {
    server_with_header_timeout("2", extra)
}

fn server_with_header_timeout(secs: &str, extra: &[&str]) -> TestServer {
    let mut args = vec!["--header-timeout-secs", secs, "--request-timeout-secs", "2"];
    args.extend_from_slice(extra);
    TestServer::start_with(bin(), &args, true)
}

fn addr(server: &TestServer) -> SocketAddr {
    server.addr().parse().unwrap()
}

/// A TCP connection to the server from the loopback address `from`
/// (127.0.0.0/8 is all this machine), so one test can be many clients.
async fn connect_from(from: [u8; 4], to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(to).await.unwrap()
}

/// Whether the server closed `stream` within `within` (EOF or reset).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

async fn health_answers(server: &TestServer) -> bool {
    let res = tokio::time::timeout(
        Duration::from_secs(3),
        server.http.get(server.url("/api/health")).send(),
    )
    .await;
    matches!(res, Ok(Ok(r)) if r.status() == 200)
}

#[tokio::test]
async fn silent_sockets_from_one_client_lock_nobody_out() {
    // 1 100 silent sockets from one client, as in the audit (fewer where
    // this process may not open that many files).
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap();
    let sockets = 1100.min(
        usize::try_from(files)
            .unwrap_or(usize::MAX)
            .saturating_sub(300),
    );
    assert!(
        sockets >= 500,
        "this test needs 800 open files, the limit is {files}"
    );
    // A header timeout longer than connecting them all takes (on a busy
    // machine too), so no admitted socket times out and frees its slot
    // while the others still come in.
    let server = server_with_header_timeout("6", &["--max-connections-per-client", "100"]);
    let to = addr(&server);
    let mut silent = Vec::new();
    for _ in 0..sockets {
        silent.push(connect_from([127, 0, 0, 2], to).await);
    }
    // Everyone else still gets in at once.
    assert!(
        health_answers(&server).await,
        "health while 1 100 sockets sit silent"
    );
    server.login("acme", "alice").await;
    // Over the per-client limit: closed at once.
    let mut over = 0;
    for s in silent.iter_mut().skip(100) {
        if closed_within(s, Duration::from_millis(50)).await {
            over += 1;
        }
    }
    let expected = sockets - 100;
    assert!(
        over * 100 >= expected * 99,
        "only {over} of {expected} sockets over the limit were closed"
    );
    // Within it: closed when the header timeout passes.
    let started = Instant::now();
    let mut timed_out = 0;
    for s in silent.iter_mut().take(100) {
        if closed_within(s, Duration::from_secs(8)).await {
            timed_out += 1;
        }
    }
    assert_eq!(timed_out, 100, "silent sockets outlived the header timeout");
    assert!(started.elapsed() < Duration::from_secs(8));
    // And the client may connect again once its sockets are gone.
    let mut again = connect_from([127, 0, 0, 2], to).await;
    again
        .write_all(b"GET /api/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    again.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn the_total_connection_limit_holds_across_clients() {
    let server = server(&["--max-connections", "40"]);
    let to = addr(&server);
    let mut held = Vec::new();
    for i in 0..40u8 {
        held.push(connect_from([127, 0, 1, i + 1], to).await);
    }
    let mut extra = connect_from([127, 0, 2, 1], to).await;
    assert!(closed_within(&mut extra, Duration::from_millis(500)).await);
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(health_answers(&server).await);
}

#[tokio::test]
async fn slow_headers_idle_keep_alive_and_slow_bodies_are_cut() {
    let server = server(&[]);
    let to = addr(&server);

    // Slowloris: a header byte every 500 ms never completes in time.
    let mut slow = connect_from([127, 0, 0, 3], to).await;
    let started = Instant::now();
    let request = b"GET /api/health HTTP/1.1\r\nhost: x\r\nx-slow: aaaaaaaaaaaaaaaaaaaa";
    let mut cut = false;
    for byte in request {
        if slow.write_all(&[*byte]).await.is_err() {
            cut = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        if started.elapsed() > Duration::from_secs(5) {
            break;
        }
    }
    assert!(cut || closed_within(&mut slow, Duration::from_secs(1)).await);
    assert!(started.elapsed() < Duration::from_secs(6));

    // Keep-alive: one request answered, then silence ends the connection.
    let mut idle = connect_from([127, 0, 0, 3], to).await;
    idle.write_all(b"GET /api/health HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    assert!(
        closed_within(&mut idle, Duration::from_secs(4)).await,
        "an idle kept-alive connection stayed open"
    );

    // A body that never finishes: a localized 408.
    let mut body = connect_from([127, 0, 0, 3], to).await;
    body.write_all(
        b"POST /api/auth/login HTTP/1.1\r\nhost: x\r\naccept-language: en\r\n\
          content-type: application/json\r\ncontent-length: 100\r\n\r\n{\"tenant\":",
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        let mut chunk = [0u8; 4096];
        loop {
            match body.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&chunk[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer to a stalled body");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    assert!(answer.contains("took too long"), "{answer}");
}

#[tokio::test]
async fn websockets_outlive_the_header_timeout_by_their_heartbeat() {
    let server = server(&[]);
    let login = server.login("acme", "alice").await;
    let mut request = server.ws_url().into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", login.token).parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    // Five seconds, more than twice the header timeout: beats keep coming.
    let until = Instant::now() + Duration::from_secs(5);
    let mut beats = 0;
    while Instant::now() < until {
        match tokio::time::timeout(Duration::from_secs(3), socket.next()).await {
            Ok(Some(Ok(Message::Text(t)))) if t.contains("heartbeat") => beats += 1,
            Ok(Some(Ok(_))) => {}
            other => panic!("the WebSocket ended: {other:?}"),
        }
    }
    assert!(beats >= 3, "{beats} heartbeats in 5 s");
    // A message over 64 KiB is refused with a localized error and the
    // connection stays; a client that insists is cut off.
    let big = "x".repeat(65 * 1024);
    for strike in 1..=3 {
        socket
            .send(Message::Text(big.clone().into()))
            .await
            .unwrap();
        let error = tokio::time::timeout(Duration::from_secs(3), async {
            loop {
                match socket.next().await {
                    Some(Ok(Message::Text(t))) if t.contains("\"error\"") => return t.to_string(),
                    Some(Ok(_)) => {}
                    other => panic!("strike {strike}: the WebSocket ended: {other:?}"),
                }
            }
        })
        .await
        .expect("an error event");
        assert!(error.contains("message_too_long"), "{error}");
    }
    let _ = socket.send(Message::Text(big.into())).await;
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert_eq!(ended, Ok(true), "a fourth oversize message was accepted");
}

#[tokio::test]
async fn answers_are_not_sniffed_or_stored() {
    let server = server(&[]);
    let login = server.login("acme", "alice").await;
    for res in [
        server
            .http
            .get(server.url("/api/health"))
            .send()
            .await
            .unwrap(),
        server.get("/api/me", &login.token).await,
        server.get("/api/nothing-here", &login.token).await,
        server.get("/api/me", "forged").await,
    ] {
        let headers = res.headers();
        assert_eq!(
            headers["x-content-type-options"],
            "nosniff",
            "{}",
            res.url()
        );
        assert_eq!(headers["cache-control"], "no-store", "{}", res.url());
    }
}
