//! Chat clients over real WebSockets: a visitor (the chat window's
//! protocol) and an agent's event stream, for integration tests, the e2e
//! suite and the chat benchmark.

use std::time::Duration;

use fieldesk_core::chat::{Author, Notice, VisitorCommand, VisitorEvent};
use fieldesk_core::event::ServerEvent;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for an expected event.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A WebSocket read all the time in the background, as a browser or the
/// app does: pings are answered even while a test is busy elsewhere, and
/// text frames wait in order until the test asks for them.
struct Link {
    out: mpsc::UnboundedSender<Message>,
    incoming: mpsc::UnboundedReceiver<String>,
    task: tokio::task::JoinHandle<()>,
}

impl Link {
    fn new(socket: Socket) -> Link {
        let (mut sink, mut stream) = socket.split();
        let (out, mut outgoing) = mpsc::unbounded_channel::<Message>();
        let (texts, incoming) = mpsc::unbounded_channel::<String>();
        // Writing and reading apart, as a browser does: a send waiting for
        // the server never stops the reading (which would deadlock both
        // ends when their buffers fill).
        tokio::spawn(async move {
            while let Some(m) = outgoing.recv().await {
                let closing = matches!(m, Message::Close(_));
                if sink.send(m).await.is_err() || closing {
                    break;
                }
            }
        });
        let pongs = out.clone();
        let task = tokio::spawn(async move {
            loop {
                match stream.next().await {
                    Some(Ok(Message::Text(text))) => {
                        if texts.send(text.to_string()).is_err() {
                            break;
                        }
                    }
                    Some(Ok(Message::Ping(payload))) => {
                        let _ = pongs.send(Message::Pong(payload));
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => {}
                }
            }
        });
        Link {
            out,
            incoming,
            task,
        }
    }

    fn send_text(&self, text: String) {
        // A closed connection shows when the next event is awaited.
        let _ = self.out.send(Message::Text(text.into()));
    }

    fn send<T: serde::Serialize>(&self, value: &T) {
        self.send_text(serde_json::to_string(value).unwrap());
    }

    /// The next JSON event; `None` once the connection is closed.
    async fn next_json<T: serde::de::DeserializeOwned>(&mut self) -> Option<T> {
        let text = tokio::time::timeout(EVENT_TIMEOUT, self.incoming.recv())
            .await
            .expect("an event in time")?;
        Some(serde_json::from_str(&text).expect("a known event"))
    }

    async fn close(self) {
        let _ = self.out.send(Message::Close(None));
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

/// A visitor in the chat window, speaking the visitor protocol.
pub struct Visitor {
    link: Link,
    pub token: String,
    /// 0 until the first message starts the conversation.
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
        Self::connect_as(ws_url, token, after, locale, None).await
    }

    /// The first answer to a resume, whatever it is (to read a refusal's
    /// message).
    pub async fn first_answer(
        ws_url: &str,
        token: Option<&str>,
        locale: Option<&str>,
    ) -> VisitorEvent {
        let request = ws_url.into_client_request().unwrap();
        let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let mut link = Link::new(socket);
        link.send(&VisitorCommand::Resume {
            token: token.map(str::to_owned),
            after: 0,
            locale: locale.map(str::to_owned),
            identity: None,
            context: Default::default(),
        });
        link.next_json::<VisitorEvent>().await.expect("an answer")
    }

    /// [`Visitor::connect`] from a page that says who the visitor is.
    pub async fn connect_as(
        ws_url: &str,
        token: Option<&str>,
        after: i64,
        locale: Option<&str>,
        identity: Option<fieldesk_core::identity::SignedIdentity>,
    ) -> Result<(Visitor, VisitorEvent), String> {
        let resume = VisitorCommand::Resume {
            token: token.map(str::to_owned),
            after,
            locale: locale.map(str::to_owned),
            identity,
            context: Default::default(),
        };
        Self::connect_with(ws_url, resume, None).await
    }

    /// Connects from a browser with `user_agent` and resumes with `resume`.
    pub async fn connect_with(
        ws_url: &str,
        resume: VisitorCommand,
        user_agent: Option<&str>,
    ) -> Result<(Visitor, VisitorEvent), String> {
        let mut request = ws_url.into_client_request().unwrap();
        if let Some(agent) = user_agent {
            request
                .headers_mut()
                .insert("user-agent", agent.parse().unwrap());
        }
        let (socket, _) = match tokio_tungstenite::connect_async(request).await {
            Ok(ok) => ok,
            Err(tungstenite::Error::Http(res)) => return Err(format!("http {}", res.status())),
            Err(e) => return Err(e.to_string()),
        };
        let mut link = Link::new(socket);
        link.send(&resume);
        match link.next_json::<VisitorEvent>().await {
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
                    conversation_id: conversation_id.unwrap_or(0),
                    link,
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
        self.link.send(command);
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
        self.link.send_text(text.to_owned());
    }

    /// The next event; `None` when the server closed the connection.
    pub async fn next(&mut self) -> Option<VisitorEvent> {
        let event = self.link.next_json::<VisitorEvent>().await?;
        // The first message (or the pre-chat form) starts the conversation.
        match &event {
            VisitorEvent::Ack {
                conversation_id, ..
            }
            | VisitorEvent::Started { conversation_id } => self.conversation_id = *conversation_id,
            VisitorEvent::Message(m) if self.conversation_id == 0 => {
                self.conversation_id = m.conversation_id;
            }
            _ => {}
        }
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

    pub async fn close(self) {
        self.link.close().await;
    }
}

/// An agent's event stream (`GET /api/ws` with a bearer token).
pub struct StaffEvents {
    link: Link,
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
            link: Link::new(socket),
            seen: vec![],
        };
        events
            .wait_for("hello", |e| matches!(e, ServerEvent::Hello { .. }))
            .await;
        events
    }

    pub async fn send(&mut self, value: &fieldesk_core::event::ClientMessage) {
        self.link.send(value);
    }

    pub async fn wait_for(
        &mut self,
        what: &str,
        matches: impl Fn(&ServerEvent) -> bool,
    ) -> ServerEvent {
        loop {
            match self.link.next_json::<ServerEvent>().await {
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

    pub async fn close(self) {
        self.link.close().await;
    }
}
