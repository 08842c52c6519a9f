use std::time::Duration;

use fieldesk_core::event::ServerEvent;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::bin;
use fieldesk_testkit::server::TestServer;

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &TestServer, token: Option<&str>) -> Result<Socket, tungstenite::Error> {
    let mut request = server.ws_url().into_client_request().unwrap();
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// The next JSON event, skipping control frames; `None` when closed.
async fn next_event(socket: &mut Socket) -> Option<ServerEvent> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("an event within 5 s")?;
        match message {
            Ok(Message::Text(text)) => return Some(serde_json::from_str(&text).unwrap()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

#[tokio::test]
async fn websocket_rejects_missing_and_bad_tokens() {
    let server = TestServer::start(bin());
    for token in [None, Some("forged")] {
        match connect(&server, token).await {
            Err(tungstenite::Error::Http(res)) => assert_eq!(res.status(), 401),
            other => panic!(
                "expected a 401 handshake failure, got {:?}",
                other.map(|_| ())
            ),
        }
    }
}

#[tokio::test]
async fn websocket_says_hello_beats_and_answers_pings() {
    let server = TestServer::start(bin());
    let login = server.login("acme", "alice").await;
    let mut socket = connect(&server, Some(&login.token)).await.unwrap();
    match next_event(&mut socket).await {
        Some(ServerEvent::Hello {
            user_id,
            heartbeat_secs,
            ..
        }) => {
            assert_eq!(user_id, login.me.user_id);
            assert_eq!(heartbeat_secs, 1);
        }
        other => panic!("expected hello, got {other:?}"),
    }
    assert!(matches!(
        next_event(&mut socket).await,
        Some(ServerEvent::Heartbeat { beat: 1, .. })
    ));
    assert!(matches!(
        next_event(&mut socket).await,
        Some(ServerEvent::Heartbeat { beat: 2, .. })
    ));

    socket
        .send(Message::Text(r#"{"type":"ping","nonce":42}"#.into()))
        .await
        .unwrap();
    socket.send(Message::Text("not json".into())).await.unwrap();
    let mut got_pong = false;
    let mut got_error = false;
    while !(got_pong && got_error) {
        match next_event(&mut socket).await.expect("socket stays open") {
            ServerEvent::Pong { nonce } => got_pong = nonce == 42,
            ServerEvent::Error { code, .. } => {
                got_error = code == fieldesk_core::ErrorCode::BadRequest
            }
            ServerEvent::Heartbeat { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn logout_ends_that_sessions_websocket_only() {
    let server = TestServer::start(bin());
    let a = server.login("acme", "alice").await.token;
    let b = server.login("acme", "alice").await.token;
    let mut socket_a = connect(&server, Some(&a)).await.unwrap();
    let mut socket_b = connect(&server, Some(&b)).await.unwrap();
    assert!(matches!(
        next_event(&mut socket_a).await,
        Some(ServerEvent::Hello { .. })
    ));
    assert!(matches!(
        next_event(&mut socket_b).await,
        Some(ServerEvent::Hello { .. })
    ));
    let res = server
        .http
        .post(server.url("/api/auth/logout"))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    loop {
        match next_event(&mut socket_a).await {
            Some(ServerEvent::SessionRevoked) => break,
            Some(ServerEvent::Heartbeat { .. }) => continue,
            other => panic!("expected session_revoked, got {other:?}"),
        }
    }
    assert_eq!(
        next_event(&mut socket_a).await,
        None,
        "closed after revocation"
    );
    assert!(matches!(
        next_event(&mut socket_b).await,
        Some(ServerEvent::Heartbeat { .. })
    ));
}

#[tokio::test]
async fn expired_session_closes_the_websocket() {
    let server = TestServer::start_with(bin(), &["--token-ttl-secs", "2"], true);
    let token = server.login("acme", "alice").await.token;
    let mut socket = connect(&server, Some(&token)).await.unwrap();
    let mut saw_revoked = false;
    while let Some(event) = next_event(&mut socket).await {
        saw_revoked |= event == ServerEvent::SessionRevoked;
    }
    assert!(saw_revoked, "told why before the close");
}
