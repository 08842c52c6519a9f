//! The chat scenario: N concurrent visitor–agent conversations over
//! loopback through the real server (every message persisted, routed by
//! the hub), against a bare relay in the same run (tokio-tungstenite
//! forwarding visitors' frames to one agent socket, no storage, no
//! routing). Latency is visitor send → agent socket receive.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use std::time::{Duration, Instant};

use fieldesk_core::chat::{Author, Notice, VisitorCommand};
use fieldesk_core::event::ServerEvent;
use fieldesk_testkit::chat::{StaffEvents, Visitor};
use fieldesk_testkit::server::TestServer;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use crate::percentile;

const CONVERSATIONS: usize = 32;
const MESSAGES_EACH: usize = 100;

type Sent = Arc<Mutex<HashMap<String, Instant>>>;

struct Figures {
    rate: f64,
    p50: f64,
    p99: f64,
}

fn figures(name: &str, mut samples: Vec<Duration>, wall: Duration) -> Figures {
    samples.sort();
    let f = Figures {
        rate: samples.len() as f64 / wall.as_secs_f64(),
        p50: percentile(&samples, 0.50),
        p99: percentile(&samples, 0.99),
    };
    println!(
        "{name:<34} {:>6} msg  {:>8.0} msg/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
        samples.len(),
        f.rate,
        f.p50,
        f.p99
    );
    f
}

pub async fn run(bin: &Path) {
    let fieldesk = through_fieldesk(bin).await;
    let relay = through_bare_relay().await;
    println!(
        "ratio fieldesk / bare relay: throughput {:.2}, p50 latency {:.1}x, p99 latency {:.1}x",
        fieldesk.rate / relay.rate,
        fieldesk.p50 / relay.p50,
        fieldesk.p99 / relay.p99
    );
}

async fn through_fieldesk(bin: &Path) -> Figures {
    let server = TestServer::start_with(
        bin,
        &[
            "--visitor-burst",
            "1000000",
            "--visitor-per-sec",
            "1000000",
            "--new-visitor-burst",
            "1000000",
            "--tenant-new-visitor-burst",
            "1000000",
            "--max-connections-per-client",
            "100000",
        ],
        true,
    );
    println!(
        "chat: {CONVERSATIONS} conversations x {MESSAGES_EACH} visitor messages, server {}",
        server.base
    );
    // Three agents with room for everyone; a supervisor's socket sees
    // every message of the tenant, so that listener measures them all.
    let mut listener = None;
    for user in ["sam", "alice", "ada"] {
        let token = server.login("acme", user).await.token;
        let events = StaffEvents::connect(&server.ws_url(), &token).await;
        let res = server
            .send_json(
                "PUT",
                "/api/chat/status",
                &token,
                &json!({"status": "online", "capacity": 50}),
            )
            .await;
        assert_eq!(res.status(), 200);
        if listener.is_none() {
            listener = Some(events);
        } else {
            std::mem::forget(events);
        }
    }
    let mut listener = listener.expect("a staff socket");
    let mut visitors = Vec::new();
    for _ in 0..CONVERSATIONS {
        let (mut v, _) = Visitor::connect(&server.visitor_ws_url("acme"), None, 0, Some("en"))
            .await
            .expect("visitor connects");
        v.send(&VisitorCommand::AskForHuman).await;
        v.wait_message("assigned", |m| m.notice == Some(Notice::Assigned))
            .await;
        visitors.push(v);
    }
    let sent: Sent = Arc::default();
    let total = CONVERSATIONS * MESSAGES_EACH;
    let started = Instant::now();
    let receiver = tokio::spawn(async move {
        let mut arrived = Vec::with_capacity(total);
        while arrived.len() < total {
            if let ServerEvent::ChatMessage { message } = listener
                .wait_for("a visitor message", |e| {
                    matches!(e, ServerEvent::ChatMessage { message } if message.author == Author::Visitor)
                })
                .await
            {
                arrived.push((message.client_id.unwrap_or_default(), Instant::now()));
            }
        }
        arrived
    });
    let senders: Vec<_> = visitors
        .into_iter()
        .enumerate()
        .map(|(c, mut v)| {
            let sent = sent.clone();
            tokio::spawn(async move {
                for i in 0..MESSAGES_EACH {
                    let id = format!("c{c}-{i}");
                    sent.lock().unwrap().insert(id.clone(), Instant::now());
                    v.say(&id, &format!("message {i} of conversation {c}"))
                        .await;
                    v.wait_for("ack", |e| {
                        matches!(e, fieldesk_core::chat::VisitorEvent::Ack { .. })
                    })
                    .await;
                }
                v
            })
        })
        .collect();
    let mut visitors = vec![];
    for s in senders {
        visitors.push(s.await.expect("visitor task"));
    }
    let arrived = receiver.await.expect("listener task");
    let wall = started.elapsed();
    let samples: Vec<Duration> = {
        let sent = sent.lock().unwrap();
        arrived
            .iter()
            .map(|(id, at)| at.duration_since(sent[id]))
            .collect()
    };
    // Every message is persisted, once.
    let token = server.login("acme", "sam").await.token;
    for v in &visitors {
        // The whole history: the newest page, then back page by page.
        let base = format!("/api/chat/conversations/{}/messages", v.conversation_id);
        let mut stored: Vec<serde_json::Value> = Vec::new();
        let mut path = base.clone();
        loop {
            let page: Vec<serde_json::Value> = server
                .get(&path, &token)
                .await
                .json()
                .await
                .expect("history");
            let Some(first) = page.first().and_then(|m| m["id"].as_i64()) else {
                break;
            };
            stored.splice(0..0, page);
            path = format!("{base}?before={first}");
        }
        let visitor_messages = stored
            .iter()
            .filter(|m| m["author"]["kind"] == "visitor")
            .count();
        assert_eq!(visitor_messages, MESSAGES_EACH, "all persisted once");
    }
    figures("fieldesk (persist + route + ack)", samples, wall)
}

/// Visitors' text frames forwarded to the one agent socket as they are.
async fn through_bare_relay() -> Figures {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (to_agent, agent_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let agent_rx = Arc::new(tokio::sync::Mutex::new(Some(agent_rx)));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (to_agent, agent_rx) = (to_agent.clone(), agent_rx.clone());
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Some(Ok(Message::Text(text))) = ws.next().await {
                    if text.as_str() == "agent" {
                        // The agent's socket: write everything forwarded to it.
                        let mut rx = agent_rx.lock().await.take().expect("one agent");
                        while let Some(frame) = rx.recv().await {
                            if ws.send(Message::Text(frame.into())).await.is_err() {
                                return;
                            }
                        }
                        return;
                    }
                    let _ = to_agent.send(text.to_string());
                    if ws.send(Message::Text("ack".into())).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let (mut agent, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
        .await
        .expect("agent connects");
    agent
        .send(Message::Text("agent".into()))
        .await
        .expect("hello");
    let total = CONVERSATIONS * MESSAGES_EACH;
    let sent: Sent = Arc::default();
    let started = Instant::now();
    let receiver = tokio::spawn(async move {
        let mut arrived = Vec::with_capacity(total);
        while arrived.len() < total {
            let Some(Ok(Message::Text(text))) = agent.next().await else {
                panic!("the relay closed the agent socket");
            };
            let id: serde_json::Value = serde_json::from_str(&text).expect("json");
            arrived.push((
                id["client_id"].as_str().unwrap_or_default().to_owned(),
                Instant::now(),
            ));
        }
        arrived
    });
    let senders: Vec<_> = (0..CONVERSATIONS)
        .map(|c| {
            let sent = sent.clone();
            tokio::spawn(async move {
                let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
                    .await
                    .expect("visitor connects");
                for i in 0..MESSAGES_EACH {
                    let id = format!("c{c}-{i}");
                    let frame = serde_json::to_string(&VisitorCommand::Send {
                        client_id: id.clone(),
                        text: format!("message {i} of conversation {c}"),
                    })
                    .expect("json");
                    sent.lock().unwrap().insert(id, Instant::now());
                    ws.send(Message::Text(frame.into())).await.expect("send");
                    ws.next().await.expect("ack").expect("frame");
                }
            })
        })
        .collect();
    for s in senders {
        s.await.expect("sender");
    }
    let arrived = receiver.await.expect("receiver");
    let wall = started.elapsed();
    let sent = sent.lock().unwrap();
    let samples = arrived
        .iter()
        .map(|(id, at)| at.duration_since(sent[id]))
        .collect();
    figures("bare relay (tokio-tungstenite)", samples, wall)
}
