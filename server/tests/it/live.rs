//! Live chat under load and over time: a slow agent socket misses
//! nothing, events reach only those who may see them, long conversations
//! page without losing their newest messages.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use fieldesk_core::chat::{Author, ChatMessage, VisitorCommand, VisitorEvent};
use fieldesk_core::event::{Sequenced, ServerEvent, StreamPosition};
use fieldesk_testkit::chat::{StaffEvents, Visitor};
use fieldesk_testkit::server::TestServer;
use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::bin;

/// Visitors may talk as fast as the test needs.
const FAST_VISITORS: [&str; 4] = ["--visitor-burst", "100000", "--visitor-per-sec", "100000"];

async fn messages(server: &TestServer, token: &str, path: String) -> Vec<ChatMessage> {
    let res = tokio::time::timeout(Duration::from_secs(20), server.get(&path, token))
        .await
        .unwrap_or_else(|_| panic!("no answer to {path}"));
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

/// A conversation's whole history over REST, paging back from the newest.
async fn full_history(server: &TestServer, token: &str, conversation: i64) -> Vec<ChatMessage> {
    let base = format!("/api/chat/conversations/{conversation}/messages");
    let mut all = messages(server, token, base.clone()).await;
    loop {
        let Some(first) = all.first().map(|m| m.id) else {
            return all;
        };
        let older = messages(server, token, format!("{base}?before={first}")).await;
        if older.is_empty() {
            return all;
        }
        all.splice(0..0, older);
    }
}

/// Everything after `after` over REST, page after page.
async fn after(
    server: &TestServer,
    token: &str,
    conversation: i64,
    mut after: i64,
) -> Vec<ChatMessage> {
    let mut out = Vec::new();
    loop {
        let path = format!("/api/chat/conversations/{conversation}/messages?after={after}");
        let page = messages(server, token, path).await;
        let Some(last) = page.last().map(|m| m.id) else {
            return out;
        };
        after = last;
        out.extend(page);
    }
}

async fn set_online(server: &TestServer, token: &str, capacity: u32) {
    let body = json!({"status": "online", "capacity": capacity});
    let res = server
        .send_json("PUT", "/api/chat/status", token, &body)
        .await;
    assert_eq!(res.status(), 200);
}

async fn mine(server: &TestServer, token: &str) -> Vec<i64> {
    let list: Vec<serde_json::Value> = server
        .get("/api/chat/conversations?tab=mine", token)
        .await
        .json()
        .await
        .unwrap();
    list.iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_agent_socket_ends_with_every_message_exactly_once() {
    const ROUNDS: usize = 120;
    let mut args = vec!["--live-queue", "32"];
    args.extend(FAST_VISITORS);
    let server = TestServer::start_with(bin(), &args, true);
    // Eight visitors wait for a human.
    let mut visitors = Vec::new();
    for i in 0..8 {
        let v = Visitor::waiting_for_a_human(
            &server.visitor_ws_url("acme"),
            &format!("question {i}"),
            "en",
        )
        .await;
        visitors.push(v);
    }
    // Alice takes them all, her workbench over a socket with a tiny
    // receive buffer, which she does not read while the visitors talk.
    let token = server.login("acme", "alice").await.token;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket
        .connect(server.addr().parse().unwrap())
        .await
        .unwrap();
    let mut request = server.ws_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut slow, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap();
    set_online(&server, &token, 8).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while mine(&server, &token).await.len() < 8 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "all 8 assigned to Alice"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Her view: each conversation as it was when she took it.
    let mut view: HashMap<i64, BTreeMap<i64, ChatMessage>> = HashMap::new();
    for v in &visitors {
        let held = full_history(&server, &token, v.conversation_id).await;
        view.insert(
            v.conversation_id,
            held.into_iter().map(|m| (m.id, m)).collect(),
        );
    }
    // The flood, 8 × 120 messages of 2 000 characters, while she reads
    // slowly (a slow link), then at full speed.
    let flood = tokio::spawn(async move {
        let text = "字".repeat(2000);
        for round in 0..ROUNDS {
            for (i, v) in visitors.iter_mut().enumerate() {
                v.say(&format!("m-{i}-{round}"), &format!("{round} {text}"))
                    .await;
            }
        }

        let mut acked = Vec::new();
        for v in &mut visitors {
            let mut acks = 0;
            while acks < ROUNDS {
                if let VisitorEvent::Ack { message_id, .. } = v
                    .wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
                    .await
                {
                    acked.push((v.conversation_id, message_id));
                    acks += 1;
                }
            }
        }
        (visitors, acked)
    });
    // She reads as the app does: in order, and on a gap or a resync
    // notice everything after what she holds, from the store.
    let mut position = StreamPosition::default();
    let (mut resyncs, mut gaps, mut live) = (0, 0, 0);
    let mut last_event = tokio::time::Instant::now();
    loop {
        if !flood.is_finished() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Caught up: the visitors are done and no event came for 3 s
        // (heartbeats keep coming).
        if flood.is_finished() && last_event.elapsed() > Duration::from_secs(3) {
            break;
        }
        let frame = match tokio::time::timeout(Duration::from_secs(1), slow.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<Sequenced>(&text).unwrap(),
            Ok(Some(Ok(_))) | Err(_) => continue,
            Ok(other) => panic!("the socket ended: {other:?}"),
        };
        if frame.seq > 0 {
            last_event = tokio::time::Instant::now();
        }
        let in_order = position.follows(frame.seq);
        gaps += usize::from(!in_order);
        if !in_order || frame.event == ServerEvent::Resync {
            resyncs += 1;
            for (conversation, held) in view.iter_mut() {
                let last = held.keys().last().copied().unwrap_or(0);
                for m in after(&server, &token, *conversation, last).await {
                    held.insert(m.id, m);
                }
            }
        }
        if let ServerEvent::ChatMessage { message } = frame.event {
            live += 1;
            if let Some(held) = view.get_mut(&message.conversation_id) {
                held.insert(message.id, message);
            }
        }
    }
    assert!(
        resyncs >= 1 && gaps >= 1,
        "the socket fell behind ({resyncs} resyncs, {gaps} gaps, {live} live)"
    );
    // She ends with exactly the server's conversations: every message
    // once, every acknowledged one there.
    for (conversation, held) in &view {
        let server_side = full_history(&server, &token, *conversation).await;
        let ids: Vec<i64> = server_side.iter().map(|m| m.id).collect();
        assert_eq!(
            held.keys().copied().collect::<Vec<_>>(),
            ids,
            "conversation {conversation}"
        );
        assert_eq!(held.values().cloned().collect::<Vec<_>>(), server_side);
    }
    let (mut visitors, acked) = flood.await.unwrap();
    for (conversation, id) in &acked {
        assert!(
            view[conversation].contains_key(id),
            "message {id} reached her"
        );
    }
    assert_eq!(acked.len(), 8 * ROUNDS);
    eprintln!(
        "slow agent: {resyncs} resyncs, {gaps} gaps, {live} live messages of {}",
        acked.len()
    );
    // No visitor socket was cut: each still answers.
    for v in &mut visitors {
        v.send(&VisitorCommand::Ping { nonce: 5 }).await;
        v.wait_for("pong", |e| *e == VisitorEvent::Pong { nonce: 5 })
            .await;
    }
}

#[tokio::test]
async fn an_agents_socket_never_carries_another_agents_conversation() {
    let server = TestServer::start_with(bin(), &FAST_VISITORS, true);
    server.add_user("bob", "agent", "Bob Agent");
    let alice = server.login("acme", "alice").await.token;
    let bob = server.login("acme", "bob").await.token;
    let mut one = Visitor::waiting_for_a_human(&server.visitor_ws_url("acme"), "one", "en").await;
    let mut alice_events = StaffEvents::connect(&server.ws_url(), &alice).await;
    set_online(&server, &alice, 1).await;
    let mut two = Visitor::waiting_for_a_human(&server.visitor_ws_url("acme"), "two", "en").await;
    let mut bob_events = StaffEvents::connect(&server.ws_url(), &bob).await;
    set_online(&server, &bob, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mine(&server, &alice).await, [one.conversation_id]);
    assert_eq!(mine(&server, &bob).await, [two.conversation_id]);
    one.say("s1", "SECRET-OF-ONE").await;
    two.say("s2", "SECRET-OF-TWO").await;
    let has = |e: &ServerEvent, text: &str| serde_json::to_string(e).unwrap().contains(text);
    alice_events
        .wait_for("her visitor's text", |e| has(e, "SECRET-OF-ONE"))
        .await;
    bob_events
        .wait_for("his visitor's text", |e| has(e, "SECRET-OF-TWO"))
        .await;
    // A round trip later, nothing of the other's conversation arrived.
    for events in [&mut alice_events, &mut bob_events] {
        events
            .send(&fieldesk_core::event::ClientMessage::Ping { nonce: 3 })
            .await;
        events
            .wait_for("pong", |e| *e == ServerEvent::Pong { nonce: 3 })
            .await;
    }
    assert!(!alice_events.seen.iter().any(|e| has(e, "SECRET-OF-TWO")));
    assert!(!bob_events.seen.iter().any(|e| has(e, "SECRET-OF-ONE")));
    // A supervisor oversees both.
    let sam = server.login("acme", "sam").await.token;
    let mut sam_events = StaffEvents::connect(&server.ws_url(), &sam).await;
    one.say("s3", "AGAIN-ONE").await;
    sam_events.wait_for("one", |e| has(e, "AGAIN-ONE")).await;
}

#[tokio::test]
async fn a_long_conversation_keeps_its_newest_messages_and_pages_back() {
    let server = TestServer::start_with(bin(), &FAST_VISITORS, true);
    let (mut v, _) = Visitor::connect(&server.visitor_ws_url("acme"), None, 0, Some("en"))
        .await
        .unwrap();
    for n in 0..620 {
        v.say(&format!("c{n}"), &format!("message {n}")).await;
    }
    v.wait_for(
        "the last ack",
        |e| matches!(e, VisitorEvent::Ack { client_id, .. } if client_id == "c619"),
    )
    .await;
    let sam = server.login("acme", "sam").await.token;
    let all = full_history(&server, &sam, v.conversation_id).await;
    let visitor_texts: Vec<&str> = all
        .iter()
        .filter(|m| m.author == Author::Visitor)
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(visitor_texts.len(), 620);
    assert_eq!(visitor_texts[619], "message 619");
    let token = v.token.clone();
    let conversation = v.conversation_id;
    v.close().await;

    // A reload (nothing held): the newest page, and "load earlier".
    let (mut v, ready) = Visitor::connect(&server.visitor_ws_url("acme"), Some(&token), 0, None)
        .await
        .unwrap();
    let VisitorEvent::Ready {
        history, earlier, ..
    } = ready
    else {
        panic!("ready")
    };
    assert_eq!(history.len(), 50);
    assert_eq!(history.last(), all.last(), "the newest is there");
    assert!(earlier);
    let mut held = history;
    loop {
        let before = held[0].id;
        v.send(&VisitorCommand::LoadEarlier { before }).await;
        let VisitorEvent::Earlier { messages, more } = v
            .wait_for("earlier", |e| matches!(e, VisitorEvent::Earlier { .. }))
            .await
        else {
            unreachable!()
        };
        assert!(messages.len() <= 50 && messages.last().is_some_and(|m| m.id < before));
        held.splice(0..0, messages);
        if !more {
            break;
        }
    }
    assert_eq!(held, all, "paging back reaches the first message");
    v.close().await;

    // A cut after message 100: the window resumes with what came after.
    let cut = all[100].id;
    let (_v, ready) = Visitor::connect(&server.visitor_ws_url("acme"), Some(&token), cut, None)
        .await
        .unwrap();
    let VisitorEvent::Ready { history, .. } = ready else {
        panic!("ready")
    };
    assert_eq!(history.first(), all.get(101));
    assert!(history.len() <= 500);

    // The workbench: the newest page first, then back.
    let base = format!("/api/chat/conversations/{conversation}/messages");
    let newest = messages(&server, &sam, base.clone()).await;
    assert_eq!(newest.as_slice(), &all[all.len() - 50..]);
    let before = messages(&server, &sam, format!("{base}?before={}", newest[0].id)).await;
    assert_eq!(before.as_slice(), &all[all.len() - 100..all.len() - 50]);
    let resumed = messages(&server, &sam, format!("{base}?after={cut}")).await;
    assert_eq!(resumed.as_slice(), &all[101..601]);
}
