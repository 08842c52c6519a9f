//! Chat clients over real WebSockets: a visitor (the chat window's
//! protocol) and an agent's event stream, for integration tests, the e2e
//! suite and the chat benchmark.

use std::time::Duration;

use fieldesk_core::chat::{Author, Notice, VisitorCommand, VisitorEvent};
use fieldesk_core::event::ServerEvent;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for an expected event.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

async fn next_json<T: serde::de::DeserializeOwned>(socket: &mut Socket) -> Option<T> {
    loop {
        let message = tokio::time::timeout(EVENT_TIMEOUT, socket.next())
            .await
            .expect("an event in time")?;
        match message {
            Ok(Message::Text(text)) => {
                return Some(serde_json::from_str(&text).expect("a known event"));
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// A visitor in the chat window, speaking the visitor protocol.
pub struct Visitor {
    socket: Socket,
    pub token: String,
    pub conversation_id: i64,
    /// Every event received, in order.
    pub seen: Vec<VisitorEvent>,
}

impl Visitor {
    /// Connects and resumes; `Err` carries the refusal (an error event or
    /// an HTTP status).
    pub async fn connect(
        ws_url: &str,
        token: Option<&str>,
        after: i64,
        locale: Option<&str>,
    ) -> Result<(Visitor, VisitorEvent), String> {
        let request = ws_url.into_client_request().unwrap();
        let (mut socket, _) = match tokio_tungstenite::connect_async(request).await {
            Ok(ok) => ok,
            Err(tungstenite::Error::Http(res)) => return Err(format!("http {}", res.status())),
            Err(e) => return Err(e.to_string()),
        };
        let resume = VisitorCommand::Resume {
            token: token.map(str::to_owned),
            after,
            locale: locale.map(str::to_owned),
        };
        send(&mut socket, &resume).await;
        match next_json::<VisitorEvent>(&mut socket).await {
            Some(ready @ VisitorEvent::Ready { .. }) => {
                let VisitorEvent::Ready {
                    token,
                    conversation_id,
                    ..
                } = &ready
                else {
                    unreachable!()
                };
                let visitor = Visitor {
                    token: token.clone(),
                    conversation_id: *conversation_id,
                    socket,
                    seen: vec![ready.clone()],
                };
                Ok((visitor, ready))
            }
            Some(VisitorEvent::Error { code, .. }) => Err(serde_json::to_value(code)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()),
            other => Err(format!("unexpected answer to resume: {other:?}")),
        }
    }

    /// A new visitor (in `locale`) who asked `question`, got the AI's
    /// answer, asked for a human and now waits in the queue.
    pub async fn waiting_for_a_human(ws_url: &str, question: &str, locale: &str) -> Visitor {
        let (mut visitor, _) = Visitor::connect(ws_url, None, 0, Some(locale))
            .await
            .unwrap();
        visitor.say("q1", question).await;
        visitor
            .wait_message("AI answer", |m| m.author == Author::Bot)
            .await;
        visitor.send(&VisitorCommand::AskForHuman).await;
        visitor
            .wait_message("queued", |m| m.notice == Some(Notice::Queued))
            .await;
        visitor
    }

    pub async fn send(&mut self, command: &VisitorCommand) {
        send(&mut self.socket, command).await;
    }

    pub async fn say(&mut self, client_id: &str, text: &str) {
        self.send(&VisitorCommand::Send {
            client_id: client_id.into(),
            text: text.into(),
        })
        .await;
    }

    /// Sends a raw text frame (for malformed input).
    pub async fn send_raw(&mut self, text: &str) {
        self.socket
            .send(Message::Text(text.to_owned().into()))
            .await
            .unwrap();
    }

    /// The next event; `None` when the server closed the connection.
    pub async fn next(&mut self) -> Option<VisitorEvent> {
        let event = next_json::<VisitorEvent>(&mut self.socket).await?;
        self.seen.push(event.clone());
        Some(event)
    }

    /// Reads events until one matches; panics on close or timeout.
    pub async fn wait_for(
        &mut self,
        what: &str,
        matches: impl Fn(&VisitorEvent) -> bool,
    ) -> VisitorEvent {
        loop {
            match self.next().await {
                Some(e) if matches(&e) => return e,
                Some(_) => continue,
                None => panic!(
                    "visitor connection closed while waiting for {what}; saw {:#?}",
                    self.seen
                ),
            }
        }
    }

    /// The text of the next message matching `matches`.
    pub async fn wait_message(
        &mut self,
        what: &str,
        matches: impl Fn(&fieldesk_core::chat::ChatMessage) -> bool,
    ) -> fieldesk_core::chat::ChatMessage {
        match self
            .wait_for(
                what,
                |e| matches!(e, VisitorEvent::Message(m) if matches(m)),
            )
            .await
        {
            VisitorEvent::Message(m) => m,
            _ => unreachable!(),
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

async fn send<T: serde::Serialize>(socket: &mut Socket, value: &T) {
    socket
        .send(Message::Text(serde_json::to_string(value).unwrap().into()))
        .await
        .unwrap();
}

/// An agent's event stream (`GET /api/ws` with a bearer token).
pub struct StaffEvents {
    socket: Socket,
    pub seen: Vec<ServerEvent>,
}

impl StaffEvents {
    pub async fn connect(ws_url: &str, token: &str) -> StaffEvents {
        let mut request = ws_url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let mut events = StaffEvents {
            socket,
            seen: vec![],
        };
        events
            .wait_for("hello", |e| matches!(e, ServerEvent::Hello { .. }))
            .await;
        events
    }

    pub async fn send(&mut self, value: &fieldesk_core::event::ClientMessage) {
        send(&mut self.socket, value).await;
    }

    pub async fn wait_for(
        &mut self,
        what: &str,
        matches: impl Fn(&ServerEvent) -> bool,
    ) -> ServerEvent {
        loop {
            match next_json::<ServerEvent>(&mut self.socket).await {
                Some(e) => {
                    self.seen.push(e.clone());
                    if matches(&e) {
                        return e;
                    }
                }
                None => panic!("staff connection closed while waiting for {what}"),
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}
