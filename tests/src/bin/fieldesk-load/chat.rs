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

/// Visitors may talk, arrive and connect as fast as the load needs; the
/// production heartbeat (the driver reads a visitor's socket only while it
/// waits for something, where a browser reads all the time).
const FAST: [&str; 12] = [
    "--heartbeat-secs",
    "20",
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
];

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

fn ratio(fieldesk: &Figures, relay: &Figures) {
    println!(
        "ratio fieldesk / bare relay: throughput {:.2}, p50 latency {:.1}x, p99 latency {:.1}x",
        fieldesk.rate / relay.rate,
        fieldesk.p50 / relay.p50,
        fieldesk.p99 / relay.p99
    );
}

pub async fn run(bin: &Path) {
    let fieldesk = through_fieldesk(bin).await;
    let relay = through_bare_relay(CONVERSATIONS, MESSAGES_EACH).await;
    ratio(&fieldesk, &relay);
    // Many conversations at once, one staff socket deliberately slow: the
    // 32-conversation run above is the same-run baseline for latency.
    for conversations in [500, 1000] {
        let fieldesk = with_a_slow_socket(bin, conversations).await;
        let relay = through_bare_relay(conversations, LOAD_MESSAGES_EACH).await;
        ratio(&fieldesk, &relay);
    }
}

/// Visitor messages per conversation in the 500 and 1 000 runs.
const LOAD_MESSAGES_EACH: usize = 10;
/// Conversations one agent serves at once (the most the server allows).
const AGENT_CAPACITY: usize = 50;

/// What the slow socket saw.
struct SlowView {
    /// Visitor message ids that came live, by conversation.
    live: HashMap<i64, Vec<i64>>,
    /// `Resync` events, and gaps in `seq` without one.
    resyncs: usize,
    gaps: usize,
    /// The server closed it before the run ended.
    cut: bool,
}

/// A raw staff socket that reads one frame every 5 ms through a 4 KiB
/// receive buffer: the server's queue for it fills, it is cut off and
/// told to resync (or sees a gap in `seq`), and it then reads what it
/// missed from the store, as the app does.
async fn slow_socket(
    server: &TestServer,
    token: String,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<SlowView> {
    use fieldesk_core::event::{Sequenced, StreamPosition};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small buffer");
    let stream = socket
        .connect(server.addr().parse().expect("address"))
        .await
        .expect("connects");
    let mut request = server.ws_url().into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .expect("upgrade");
    tokio::spawn(async move {
        let mut view = SlowView {
            live: HashMap::new(),
            resyncs: 0,
            gaps: 0,
            cut: false,
        };
        let mut position = StreamPosition::default();
        loop {
            let next = tokio::time::timeout(Duration::from_millis(500), ws.next()).await;
            let frame = match next {
                Ok(Some(Ok(Message::Text(text)))) => text,
                Ok(Some(Ok(_))) => continue,
                Ok(_) => {
                    view.cut = !*stop.borrow();
                    break;
                }
                Err(_) if *stop.borrow() => break,
                Err(_) => continue,
            };
            tokio::time::sleep(Duration::from_millis(5)).await;
            let Ok(event) = serde_json::from_str::<Sequenced>(&frame) else {
                continue;
            };
            if matches!(event.event, ServerEvent::Resync) {
                view.resyncs += 1;
            } else if !position.follows(event.seq) {
                view.gaps += 1;
            }
            if let ServerEvent::ChatMessage { message } = event.event
                && message.author == Author::Visitor
            {
                view.live
                    .entry(message.conversation_id)
                    .or_default()
                    .push(message.id);
            }
        }
        view
    })
}

/// `conversations` visitors served by as many agents as it takes, each
/// sending [`LOAD_MESSAGES_EACH`] messages as fast as acknowledged, while
/// a supervisor's socket is slow. Latency: visitor send → serving agent's
/// socket. Then every socket's view is checked against the store: each
/// acknowledged message exactly once, live or recovered by the resync.
async fn with_a_slow_socket(bin: &Path, conversations: usize) -> Figures {
    let server = TestServer::start_with(bin, &FAST, true);
    let agents_needed = conversations.div_ceil(AGENT_CAPACITY);
    println!(
        "chat: {conversations} conversations x {LOAD_MESSAGES_EACH} visitor messages, \
         {agents_needed} agents, one slow supervisor socket, server {}",
        server.base
    );
    // The visitors first (the queue), then the agents go online.
    let mut visitors = Vec::with_capacity(conversations);
    for _ in 0..conversations {
        let (mut v, _) = Visitor::connect(&server.visitor_ws_url("acme"), None, 0, Some("en"))
            .await
            .expect("visitor connects");
        v.send(&VisitorCommand::AskForHuman).await;
        visitors.push(v);
    }
    let sam = server.login("acme", "sam").await.token;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let slow = slow_socket(&server, sam.clone(), stop).await;
    let mut agent_sockets = Vec::new();
    for n in 0..agents_needed {
        let name = format!("agent{n}");
        server.add_user(&name, "agent", &format!("Agent {n}"));
        let token = server.login("acme", &name).await.token;
        let events = StaffEvents::connect(&server.ws_url(), &token).await;
        let res = server
            .send_json(
                "PUT",
                "/api/chat/status",
                &token,
                &json!({"status": "online", "capacity": AGENT_CAPACITY}),
            )
            .await;
        assert_eq!(res.status(), 200);
        agent_sockets.push(events);
    }
    for v in &mut visitors {
        v.wait_message("assigned", |m| m.notice == Some(Notice::Assigned))
            .await;
    }
    let sent: Sent = Arc::default();
    let total = conversations * LOAD_MESSAGES_EACH;
    let started = Instant::now();
    // Each agent's socket: the visitor messages of its conversations.
    let receivers: Vec<_> = agent_sockets
        .into_iter()
        .map(|mut events| {
            tokio::spawn(async move {
                let mut arrived = Vec::new();
                let quiet = Duration::from_secs(5);
                loop {
                    let next = tokio::time::timeout(
                        quiet,
                        events.wait_for("a visitor message", |e| {
                            matches!(e, ServerEvent::ChatMessage { message } if message.author == Author::Visitor)
                                || matches!(e, ServerEvent::Resync)
                        }),
                    )
                    .await;
                    match next {
                        Ok(ServerEvent::ChatMessage { message }) => arrived.push((
                            message.client_id.unwrap_or_default(),
                            message.id,
                            Instant::now(),
                        )),
                        Ok(_) => panic!("a fast agent socket was told to resync"),
                        Err(_) => return arrived,
                    }
                }
            })
        })
        .collect();
    let senders: Vec<_> = visitors
        .into_iter()
        .enumerate()
        .map(|(c, v)| talk(c, v, LOAD_MESSAGES_EACH, sent.clone()))
        .collect();
    let mut acked: HashMap<i64, Vec<i64>> = HashMap::new();
    for s in senders {
        let (v, ids) = s.await.expect("visitor task");
        acked.insert(v.conversation_id, ids);
    }
    let send_wall = started.elapsed();
    let mut arrived = Vec::new();
    for r in receivers {
        arrived.extend(r.await.expect("agent task"));
    }
    let _ = stop_tx.send(true);
    let slow = slow.await.expect("slow socket");
    let slow_live: usize = slow.live.values().map(Vec::len).sum();
    let mut slow_view = slow.live;
    // The fast agents: every acknowledged message, live, once.
    let mut live_ids: Vec<i64> = arrived.iter().map(|(_, id, _)| *id).collect();
    live_ids.sort_unstable();
    let before = live_ids.len();
    live_ids.dedup();
    assert_eq!(
        before,
        live_ids.len(),
        "no duplicates on the agents' sockets"
    );
    let mut all_acked: Vec<i64> = acked.values().flatten().copied().collect();
    all_acked.sort_unstable();
    assert_eq!(all_acked.len(), total, "every message acknowledged");
    assert_eq!(
        live_ids, all_acked,
        "the agents got every acknowledged message"
    );
    // The slow socket: what it got live, then the rest from the store
    // (after the last id it held of each conversation), as a resync does.
    let mut recovered = 0;
    for (conversation, ids) in &acked {
        let view = slow_view.entry(*conversation).or_default();
        let duplicates = view.len() - {
            let mut v = view.clone();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        assert_eq!(duplicates, 0, "no duplicates on the slow socket");
        if view.len() < ids.len() {
            let last = view.iter().max().copied().unwrap_or(0);
            let path = format!("/api/chat/conversations/{conversation}/messages?after={last}");
            let page: Vec<fieldesk_core::chat::ChatMessage> =
                server.get(&path, &sam).await.json().await.expect("history");
            for m in page.into_iter().filter(|m| m.author == Author::Visitor) {
                if !view.contains(&m.id) {
                    view.push(m.id);
                    recovered += 1;
                }
            }
        }
        view.sort_unstable();
        assert_eq!(
            view, ids,
            "the slow socket ends with every message of {conversation} once"
        );
    }
    println!(
        "  delivered/acknowledged: agents {}/{total} live; slow socket {slow_live} live + \
         {recovered} from the store after {} resyncs, {} gaps{} = {}/{total}; duplicates 0",
        live_ids.len(),
        slow.resyncs,
        slow.gaps,
        if slow.cut { ", cut off" } else { "" },
        slow_live + recovered
    );
    let samples: Vec<Duration> = {
        let sent = sent.lock().unwrap();
        arrived
            .iter()
            .map(|(id, _, at)| at.duration_since(sent[id]))
            .collect()
    };
    figures(
        &format!("fieldesk, {conversations} conversations"),
        samples,
        send_wall,
    )
}

/// Visitor `c` sends `messages` messages, each after the last one's
/// acknowledgement; returns the visitor and the acknowledged ids.
fn talk(
    c: usize,
    mut v: Visitor,
    messages: usize,
    sent: Sent,
) -> tokio::task::JoinHandle<(Visitor, Vec<i64>)> {
    use fieldesk_core::chat::VisitorEvent;
    tokio::spawn(async move {
        let mut acked = Vec::with_capacity(messages);
        for i in 0..messages {
            let id = format!("c{c}-{i}");
            sent.lock().unwrap().insert(id.clone(), Instant::now());
            v.say(&id, &format!("message {i} of conversation {c}"))
                .await;
            if let VisitorEvent::Ack { message_id, .. } = v
                .wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
                .await
            {
                acked.push(message_id);
            }
        }
        (v, acked)
    })
}

async fn through_fieldesk(bin: &Path) -> Figures {
    let server = TestServer::start_with(bin, &FAST, true);
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
        .map(|(c, v)| talk(c, v, MESSAGES_EACH, sent.clone()))
        .collect();
    let mut visitors = vec![];
    for s in senders {
        visitors.push(s.await.expect("visitor task").0);
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
async fn through_bare_relay(conversations: usize, messages_each: usize) -> Figures {
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
    let total = conversations * messages_each;
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
    let senders: Vec<_> = (0..conversations)
        .map(|c| {
            let sent = sent.clone();
            tokio::spawn(async move {
                let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
                    .await
                    .expect("visitor connects");
                for i in 0..messages_each {
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
    figures(
        &format!("bare relay, {conversations} conversations"),
        samples,
        wall,
    )
}
