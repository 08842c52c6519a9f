//! Online service over real WebSockets: visitors in the chat window
//! protocol, agents over REST + their event stream.

use fieldesk_core::chat::{Author, ChatMessage, Notice, VisitorCommand, VisitorEvent};
use fieldesk_core::event::{ClientMessage, ServerEvent};
use fieldesk_core::handoff::HandoffState;
use fieldesk_core::i18n::Catalog;
use fieldesk_core::{ErrorCode, Locale};
use fieldesk_testkit::chat::{StaffEvents, Visitor};
use fieldesk_testkit::server::{TestServer, expect_error};
use serde_json::{Value, json};

use crate::bin;

async fn visitor(server: &TestServer, locale: Option<&str>) -> Visitor {
    Visitor::connect(&server.visitor_ws_url("acme"), None, 0, locale)
        .await
        .expect("visitor connects")
        .0
}

fn is_notice(m: &ChatMessage, notice: Notice) -> bool {
    m.notice == Some(notice) && m.author == Author::System
}

/// An agent who is online with the workbench open.
async fn online_agent(server: &TestServer, user: &str) -> (String, StaffEvents) {
    online_with_capacity(server, user, 5).await
}

async fn online_with_capacity(
    server: &TestServer,
    user: &str,
    capacity: u32,
) -> (String, StaffEvents) {
    let token = server.login("acme", user).await.token;
    let events = StaffEvents::connect(&server.ws_url(), &token).await;
    let body = json!({"status": "online", "capacity": capacity});
    let res = server
        .send_json("PUT", "/api/chat/status", &token, &body)
        .await;
    assert_eq!(res.status(), 200);
    (token, events)
}

async fn list(server: &TestServer, token: &str, tab: &str) -> Vec<Value> {
    let res = server
        .get(&format!("/api/chat/conversations?tab={tab}"), token)
        .await;
    assert_eq!(res.status(), 200);
    res.json::<Vec<Value>>().await.unwrap()
}

fn error_code(event: &VisitorEvent) -> Option<ErrorCode> {
    match event {
        VisitorEvent::Error { code, .. } => Some(*code),
        _ => None,
    }
}

#[tokio::test]
async fn a_zh_tw_visitor_gets_every_system_message_in_zh_tw() {
    let server = TestServer::start(bin());
    let zh_tw = |key: &str| Catalog::new().message(Locale::ZhTw, key);
    let (mut v, ready) =
        Visitor::connect(&server.visitor_ws_url("acme"), None, 0, Some("zh-Hant-TW"))
            .await
            .unwrap();
    let VisitorEvent::Ready {
        texts, languages, ..
    } = ready
    else {
        unreachable!()
    };
    assert_eq!(texts.locale, Locale::ZhTw);
    assert_eq!(texts.welcome, zh_tw("chat-default-welcome"));
    assert_eq!(languages, Locale::ALL.to_vec());

    v.say("q1", "明天會下雨嗎").await;
    let answer = v
        .wait_message("AI answer", |m| m.author == Author::Bot)
        .await;
    assert!(answer.ai_generated);
    assert_eq!(answer.locale, Locale::ZhTw);
    assert_eq!(answer.body, zh_tw("chat-no-answer"));

    v.say("q2", "轉人工").await;
    let queued = v
        .wait_message("queued", |m| is_notice(m, Notice::Queued))
        .await;
    assert!(queued.body.contains("排在第 1 位"), "{}", queued.body);
    assert!(
        queued.body.contains("智慧客服"),
        "Traditional wording: {}",
        queued.body
    );

    let (agent, _events) = online_agent(&server, "alice").await;
    let assigned = v
        .wait_message("assigned", |m| is_notice(m, Notice::Assigned))
        .await;
    assert_eq!(assigned.body, "Alice Agent 正在為您服務。");

    server
        .post_ok(
            &format!("/api/chat/conversations/{}/end", v.conversation_id),
            &agent,
            &json!({}),
        )
        .await;
    let ended = v
        .wait_message("ended", |m| is_notice(m, Notice::Ended))
        .await;
    assert_eq!(ended.body, zh_tw("chat-ended"));
    let survey = v
        .wait_for("survey", |e| {
            matches!(e, VisitorEvent::SurveyRequested { .. })
        })
        .await;
    assert_eq!(
        survey,
        VisitorEvent::SurveyRequested {
            question: zh_tw("chat-default-survey-question")
        }
    );
    v.send(&VisitorCommand::Survey {
        rating: 5,
        comment: "很好".into(),
    })
    .await;
    let thanks = v
        .wait_message("thanks", |m| is_notice(m, Notice::SurveyThanks))
        .await;
    assert_eq!(thanks.body, zh_tw("chat-survey-thanks"));
    let stored: Value = server
        .get(
            &format!("/api/chat/conversations/{}/survey", v.conversation_id),
            &agent,
        )
        .await
        .json()
        .await
        .unwrap();
    let alice = server.login("acme", "alice").await.me.user_id;
    assert_eq!(
        stored,
        json!({"agent_id": alice, "rating": 5, "comment": "很好"})
    );

    // Writing again to the ended conversation is refused, in zh-TW.
    v.say("q3", "還在嗎").await;
    let refused = v.wait_for("error", |e| error_code(e).is_some()).await;
    assert_eq!(
        refused,
        VisitorEvent::Error {
            code: ErrorCode::ConversationClosed,
            message: zh_tw("error-conversation-closed")
        }
    );
}

#[tokio::test]
async fn a_queued_visitor_keeps_ai_answers_and_asking_again_keeps_the_place() {
    let server = TestServer::start(bin());
    let admin = server.login("acme", "ada").await.token;
    server
        .post_ok(
            "/api/knowledge/articles",
            &admin,
            &json!({"space": "help", "title": "Printer jams", "locale": "en",
                "body": "Before anything else, switch the printer off.\n\nIf the X200 printer jams, open the front cover and pull the paper out slowly.",
                "tags": ["printer"]}),
        )
        .await;

    let mut first = visitor(&server, Some("en")).await;
    let mut second = visitor(&server, Some("en")).await;
    first.send(&VisitorCommand::AskForHuman).await;
    let place = first
        .wait_message("queued", |m| is_notice(m, Notice::Queued))
        .await;
    assert!(
        place.body.contains("number 1 in the queue"),
        "{}",
        place.body
    );
    second.say("h", "agent please").await;
    let place = second
        .wait_message("queued", |m| is_notice(m, Notice::Queued))
        .await;
    assert!(
        place.body.contains("number 2 in the queue"),
        "{}",
        place.body
    );

    // Asking again answers with the same place and adds no queue entry.
    first.say("again", "talk to a human").await;
    let again = first
        .wait_message("position", |m| is_notice(m, Notice::Queued))
        .await;
    assert!(
        again.body.contains("number 1 in the queue"),
        "{}",
        again.body
    );
    let supervisor = server.login("acme", "sam").await.token;
    assert_eq!(list(&server, &supervisor, "queued").await.len(), 2);

    // The AI agent keeps answering while queued, with its references.
    first.say("q", "my X200 printer jams").await;
    let answer = first
        .wait_message("AI answer", |m| m.author == Author::Bot)
        .await;
    assert!(answer.ai_generated);
    assert!(
        answer.body.contains("open the front cover"),
        "{}",
        answer.body
    );
    assert_eq!(answer.references.len(), 1);
    assert_eq!(answer.references[0].title, "Printer jams");

    // An agent with room for one comes online: the oldest queued
    // conversation is theirs, the second visitor moves up to 1.
    let (agent, mut events) = online_with_capacity(&server, "alice", 1).await;
    let assigned = first
        .wait_message("assigned", |m| is_notice(m, Notice::Assigned))
        .await;
    assert_eq!(assigned.body, "Alice Agent is now serving you.");
    let conversation_id = first.conversation_id;
    events
        .wait_for("assignment", |e| {
            matches!(e, ServerEvent::ConversationChanged { conversation }
                if conversation.id == conversation_id && matches!(conversation.state, HandoffState::Human { .. }))
        })
        .await;
    second
        .wait_for(
            "new place",
            |e| matches!(e, VisitorEvent::State { queue: Some(q), .. } if q.position == 1),
        )
        .await;
    let mine = list(&server, &agent, "mine").await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], conversation_id);

    // The agent sees the visitor's language and the AI transcript before handoff.
    assert_eq!(mine[0]["locale"], "en");
    let history: Vec<ChatMessage> = server
        .get(
            &format!("/api/chat/conversations/{conversation_id}/messages"),
            &agent,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        history
            .iter()
            .any(|m| m.author == Author::Bot && m.ai_generated)
    );

    // The human answers now, not the AI agent.
    first.say("q2", "thanks, it works").await;
    server
        .post_ok(
            &format!("/api/chat/conversations/{conversation_id}/messages"),
            &agent,
            &json!({"client_id": "a1", "text": "Glad to help!"}),
        )
        .await;
    let reply = first
        .wait_message("agent reply", |m| matches!(m.author, Author::Agent { .. }))
        .await;
    assert_eq!(reply.body, "Glad to help!");
    let after: Vec<ChatMessage> = server
        .get(
            &format!(
                "/api/chat/conversations/{conversation_id}/messages?after={}",
                answer.id
            ),
            &agent,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(after.iter().all(|m| m.author != Author::Bot), "{after:#?}");

    // Ending frees the agent: the second visitor is served next.
    server
        .post_ok(
            &format!("/api/chat/conversations/{conversation_id}/end"),
            &agent,
            &json!({}),
        )
        .await;
    second
        .wait_message("assigned", |m| is_notice(m, Notice::Assigned))
        .await;
}

#[tokio::test]
async fn retries_and_reconnects_never_duplicate_or_lose_messages() {
    let server = TestServer::start(bin());
    let (agent, _events) = online_agent(&server, "alice").await;
    let mut v = visitor(&server, Some("en")).await;
    v.send(&VisitorCommand::AskForHuman).await;
    v.wait_message("assigned", |m| is_notice(m, Notice::Assigned))
        .await;

    v.say("c1", "first").await;
    v.say("c1", "first").await;
    let acks: Vec<i64> = {
        let mut ids = vec![];
        while ids.len() < 2 {
            if let VisitorEvent::Ack { message_id, .. } = v
                .wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
                .await
            {
                ids.push(message_id);
            }
        }
        ids
    };
    assert_eq!(acks[0], acks[1], "a duplicate send is the same message");
    let token = v.token.clone();
    let conversation_id = v.conversation_id;
    v.close().await;

    // While the visitor is away, the agent replies (and retries the reply).
    let path = format!("/api/chat/conversations/{conversation_id}/messages");
    let body = json!({"client_id": "a-1", "text": "Are you there?"});
    let one: ChatMessage = server
        .post_ok(&path, &agent, &body)
        .await
        .json()
        .await
        .unwrap();
    let two: ChatMessage = server
        .post_ok(&path, &agent, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one.id, two.id);

    // Reconnecting resumes after the last seen id: the reply is there once.
    let (mut v, ready) =
        Visitor::connect(&server.visitor_ws_url("acme"), Some(&token), acks[0], None)
            .await
            .unwrap();
    let VisitorEvent::Ready {
        history,
        conversation_id: resumed,
        ..
    } = ready
    else {
        unreachable!()
    };
    assert_eq!(resumed, Some(conversation_id));
    assert_eq!(
        history.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        vec!["Are you there?"]
    );
    v.say("c1", "first").await;
    v.say("c2", "second").await;
    v.wait_for(
        "ack c2",
        |e| matches!(e, VisitorEvent::Ack { client_id, .. } if client_id == "c2"),
    )
    .await;
    let all: Vec<ChatMessage> = server.get(&path, &agent).await.json().await.unwrap();
    let bodies: Vec<&str> = all
        .iter()
        .filter(|m| m.author == Author::Visitor)
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(bodies, vec!["first", "second"]);
    assert_eq!(all.iter().filter(|m| m.body == "Are you there?").count(), 1);
}

#[tokio::test]
async fn bad_visitor_input_gets_localized_errors_and_the_server_keeps_serving() {
    let server = TestServer::start(bin());
    // Unknown tenant: refused before the upgrade, localized.
    let res = reqwest::Client::new()
        .get(server.url("/api/visitor/nobody/ws"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let message = expect_error(res, 404, "unknown_tenant").await;
    assert!(message.contains("unknown tenant"), "{message}");
    let refused = Visitor::connect(&server.visitor_ws_url("nobody"), None, 0, None).await;
    assert_eq!(refused.err().as_deref(), Some("http 404 Not Found"));
    // A forged visitor token is refused, in the language the visitor
    // asked for (whatever Accept-Language says).
    let refused = Visitor::connect(&server.visitor_ws_url("acme"), Some("forged"), 0, None).await;
    assert_eq!(refused.err().as_deref(), Some("invalid_visitor_token"));
    let catalog = Catalog::new();
    for (asked, locale) in [
        ("en", Locale::En),
        ("zh-TW", Locale::ZhTw),
        ("zh-HK", Locale::ZhTw),
    ] {
        let answer =
            Visitor::first_answer(&server.visitor_ws_url("acme"), Some("forged"), Some(asked))
                .await;
        let code = ErrorCode::InvalidVisitorToken;
        assert_eq!(
            answer,
            VisitorEvent::Error {
                code,
                message: catalog.message(locale, code.message_key())
            },
            "asked for {asked}"
        );
    }
    // The chat page of an unknown tenant: a 404 page in the asked
    // language (else the browser's), readable from any site (the snippet
    // asks before it shows its button).
    let http = reqwest::Client::new();
    for (query, accept, want) in [
        ("?lang=en", "zh-CN", Locale::En),
        ("?lang=zh-TW", "en", Locale::ZhTw),
        ("", "en-GB,en;q=0.8", Locale::En),
    ] {
        let res = http
            .get(server.url(&format!("/chat/nobody{query}")))
            .header("accept-language", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{query}");
        assert_eq!(res.headers()["access-control-allow-origin"], "*");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = res.text().await.unwrap();
        assert!(
            page.contains(&format!("lang=\"{}\"", want.tag()))
                && page.contains(&catalog.message(want, "portal-unknown-tenant")),
            "{query}: {page}"
        );
    }
    let known = http.head(server.url("/chat/acme")).send().await.unwrap();
    assert_eq!(known.headers()["access-control-allow-origin"], "*");
    assert_ne!(known.status(), 404);

    let mut v = visitor(&server, Some("en")).await;
    let expect = async |v: &mut Visitor, code: ErrorCode| {
        let e = v.wait_for("error", |e| error_code(e).is_some()).await;
        assert_eq!(
            e,
            VisitorEvent::Error {
                code,
                message: catalog.message(Locale::En, code.message_key())
            }
        );
    };
    v.send_raw("{not json").await;
    expect(&mut v, ErrorCode::BadRequest).await;
    v.send(&VisitorCommand::SetLanguage {
        locale: "fr".into(),
    })
    .await;
    expect(&mut v, ErrorCode::InvalidLanguage).await;
    v.say("long", &"字".repeat(4001)).await;
    expect(&mut v, ErrorCode::MessageTooLong).await;
    v.say("bad id with spaces", "hi").await;
    expect(&mut v, ErrorCode::BadRequest).await;
    // A 100 KB frame: "too long", in English, and the window stays
    // connected.
    v.send_raw(&format!(
        r#"{{"type":"send","client_id":"big","text":"{}"}}"#,
        "x".repeat(100 * 1024)
    ))
    .await;
    expect(&mut v, ErrorCode::MessageTooLong).await;
    v.send(&VisitorCommand::Ping { nonce: 8 }).await;
    v.wait_for("pong", |e| *e == VisitorEvent::Pong { nonce: 8 })
        .await;

    // A flood: past the burst, messages are refused by client id (the
    // window keeps them to retry), and nothing accepted is lost.
    for i in 0..15 {
        v.say(&format!("f{i}"), &format!("flood {i}")).await;
    }
    let refused = v
        .wait_for("not sent", |e| matches!(e, VisitorEvent::NotSent { .. }))
        .await;
    assert!(matches!(
        refused,
        VisitorEvent::NotSent { ref client_id, code: ErrorCode::RateLimited, .. } if client_id.starts_with('f')
    ));
    v.send(&VisitorCommand::Ping { nonce: 9 }).await;
    v.wait_for("pong", |e| *e == VisitorEvent::Pong { nonce: 9 })
        .await;
    let accepted = v
        .seen
        .iter()
        .filter(|e| matches!(e, VisitorEvent::Ack { .. }))
        .count();
    assert!(
        (9..=11).contains(&accepted),
        "about the burst of 10 accepted, got {accepted}"
    );
    let supervisor = server.login("acme", "sam").await.token;
    let stored: Vec<ChatMessage> = server
        .get(
            &format!("/api/chat/conversations/{}/messages", v.conversation_id),
            &supervisor,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        stored
            .iter()
            .filter(|m| m.author == Author::Visitor)
            .count(),
        accepted
    );

    // Everyone else is still served.
    let mut other = visitor(&server, Some("zh-CN")).await;
    other.say("x", "你好").await;
    other
        .wait_message("AI answer", |m| m.author == Author::Bot)
        .await;
}

/// Settings that are closed now: open one minute a day, ten hours from now (UTC).
fn closed_now(texts: Value) -> (Value, u16) {
    let minute_now = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 60
        % 1440) as u16;
    let start = (minute_now + 600) % 1440;
    let day = json!([{"start": start, "end": start + 1}]);
    let settings = json!({
        "languages": ["zh-CN", "en"],
        "business_hours": {"utc_offset_minutes": 0, "weekly": [day, day, day, day, day, day, day], "holidays": []},
        "avg_handle_secs": 300,
        "texts": texts,
    });
    (settings, start)
}

#[tokio::test]
async fn queued_visitors_leave_the_queue_when_business_hours_end() {
    let server = TestServer::start_with(bin(), &["--hours-check-secs", "1"], true);
    let mut v = visitor(&server, Some("en")).await;
    v.send(&VisitorCommand::AskForHuman).await;
    v.wait_message("queued", |m| is_notice(m, Notice::Queued))
        .await;

    let admin = server.login("acme", "ada").await.token;
    let (settings, _) = closed_now(json!([]));
    let res = server
        .send_json("PUT", "/api/chat/settings", &admin, &settings)
        .await;
    assert_eq!(res.status(), 200);
    let notice = v
        .wait_message("out of hours", |m| is_notice(m, Notice::OutOfHours))
        .await;
    assert!(
        notice.body.contains("Service resumes at"),
        "{}",
        notice.body
    );
    v.wait_for("back to the AI agent", |e| {
        matches!(
            e,
            VisitorEvent::State {
                state: HandoffState::Bot,
                queue: None,
                ..
            }
        )
    })
    .await;
    let supervisor = server.login("acme", "sam").await.token;
    assert!(list(&server, &supervisor, "queued").await.is_empty());
}

#[tokio::test]
async fn out_of_hours_visitors_hear_when_service_resumes_and_can_leave_a_message() {
    let server = TestServer::start(bin());
    let admin = server.login("acme", "ada").await.token;
    let (settings, start) = closed_now(json!([
        {"key": "out_of_hours", "locale": "en", "body": "We are closed."},
        {"key": "welcome", "locale": "zh-CN", "body": "欢迎光临 Acme"}
    ]));
    let res = server
        .send_json("PUT", "/api/chat/settings", &admin, &settings)
        .await;
    assert_eq!(res.status(), 200);
    let (_agent, _events) = online_agent(&server, "alice").await;

    // zh-TW is not offered any more: the window falls back to zh-CN.
    let (_, ready) = Visitor::connect(&server.visitor_ws_url("acme"), None, 0, Some("zh-TW"))
        .await
        .unwrap();
    let VisitorEvent::Ready {
        texts, languages, ..
    } = ready
    else {
        unreachable!()
    };
    assert_eq!(
        (texts.locale, texts.welcome.as_str()),
        (Locale::ZhCn, "欢迎光临 Acme")
    );
    assert_eq!(languages, vec![Locale::ZhCn, Locale::En]);

    let mut v = visitor(&server, Some("en")).await;
    v.send(&VisitorCommand::AskForHuman).await;
    let notice = v
        .wait_message("out of hours", |m| is_notice(m, Notice::OutOfHours))
        .await;
    let hhmm = format!("{:02}:{:02} (UTC+00:00)", start / 60, start % 60);
    assert!(
        notice
            .body
            .starts_with("We are closed. Service resumes at "),
        "{}",
        notice.body
    );
    assert!(
        notice.body.contains(&hhmm),
        "{} should name {hhmm}",
        notice.body
    );
    // Still the AI agent answers.
    v.say("q", "hello?").await;
    v.wait_message("AI answer", |m| m.author == Author::Bot)
        .await;

    let leave = VisitorCommand::LeaveMessage {
        client_id: "lm1".into(),
        name: "Wang".into(),
        contact: "wang@example.com".into(),
        text: "Please call me about my order.".into(),
    };
    v.send(&leave).await;
    v.send(&leave).await;
    let thanks = v
        .wait_message("thanks", |m| is_notice(m, Notice::MessageLeft))
        .await;
    assert!(thanks.body.contains("wang@example.com"), "{}", thanks.body);
    v.send(&VisitorCommand::Ping { nonce: 1 }).await;
    v.wait_for("pong", |e| matches!(e, VisitorEvent::Pong { .. }))
        .await;
    let left = v
        .seen
        .iter()
        .filter(|e| matches!(e, VisitorEvent::Message(m) if is_notice(m, Notice::MessageLeft)))
        .count();
    assert_eq!(left, 1, "a retried form is saved and thanked once");

    let supervisor = server.login("acme", "sam").await.token;
    let follow_up = list(&server, &supervisor, "follow_up").await;
    assert_eq!(follow_up.len(), 1);
    assert_eq!(follow_up[0]["visitor_name"], "Wang");
    assert_eq!(follow_up[0]["last_message"], thanks.body);
}

#[tokio::test]
async fn transfer_offline_and_roles() {
    let server = TestServer::start(bin());
    let (alice, _alice_events) = online_agent(&server, "alice").await;
    let sam = server.login("acme", "sam").await;
    let mut sam_events = StaffEvents::connect(&server.ws_url(), &sam.token).await;
    let mut v = visitor(&server, Some("en")).await;
    v.send(&VisitorCommand::AskForHuman).await;
    v.wait_message("assigned", |m| is_notice(m, Notice::Assigned))
        .await;
    let id = v.conversation_id;

    // Engineers do not serve chat; other agents cannot reply to it.
    let eve = server.login("acme", "eve").await.token;
    expect_error(
        server.get("/api/chat/conversations", &eve).await,
        403,
        "forbidden",
    )
    .await;
    let res = server
        .send_json(
            "POST",
            &format!("/api/chat/conversations/{id}/messages"),
            &sam.token,
            &json!({"client_id": "s1", "text": "hi"}),
        )
        .await;
    expect_error(res, 403, "forbidden").await;
    // Another tenant does not see it.
    let gina = server.login("globex", "gina").await.token;
    expect_error(
        server
            .get(&format!("/api/chat/conversations/{id}/messages"), &gina)
            .await,
        404,
        "not_found",
    )
    .await;

    // Typing reaches the visitor.
    let mut alice_ws = StaffEvents::connect(&server.ws_url(), &alice).await;
    alice_ws
        .send(&ClientMessage::Typing {
            conversation_id: id,
        })
        .await;
    v.wait_for("typing", |e| *e == VisitorEvent::AgentTyping)
        .await;

    server
        .post_ok(
            &format!("/api/chat/conversations/{id}/transfer"),
            &alice,
            &json!({"to_agent": sam.me.user_id, "note": "VIP customer"}),
        )
        .await;
    let moved = v
        .wait_message("transferred", |m| is_notice(m, Notice::Transferred))
        .await;
    assert_eq!(moved.body, "You have been transferred to Sam Supervisor.");
    let note = sam_events
        .wait_for("transfer note", |e| {
            matches!(e, ServerEvent::Transferred { .. })
        })
        .await;
    assert_eq!(
        note,
        ServerEvent::Transferred {
            conversation_id: id,
            from_agent: "Alice Agent".into(),
            note: "VIP customer".into()
        }
    );

    // Sam goes offline: the visitor is back at the front of the queue.
    server
        .send_json(
            "PUT",
            "/api/chat/status",
            &sam.token,
            &json!({"status": "offline"}),
        )
        .await;
    v.wait_message("back in queue", |m| is_notice(m, Notice::AgentLeft))
        .await;
    // Alice is online and has room: she gets it again at once.
    let back = v
        .wait_message("assigned", |m| is_notice(m, Notice::Assigned))
        .await;
    assert_eq!(back.body, "Alice Agent is now serving you.");
}

/// What the fake LLM endpoint saw: (authorization header, request body).
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>;

/// A fake OpenAI-compatible endpoint on loopback: answers "Phrased: …"
/// or, when `fail` is set, 500.
async fn fake_llm(fail: std::sync::Arc<std::sync::atomic::AtomicBool>) -> (String, Seen) {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    let seen: Seen = Default::default();
    let handler = async |State((seen, fail)): State<(
        Seen,
        std::sync::Arc<std::sync::atomic::AtomicBool>,
    )>,
                         headers: HeaderMap,
                         axum::Json(body): axum::Json<Value>| {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        seen.lock().unwrap().push((auth, body));
        if fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StatusCode::INTERNAL_SERVER_ERROR);
        }
        Ok(axum::Json(json!({
            "choices": [{"message": {"role": "assistant", "content": " Phrased: open the front cover. "}}]
        })))
    };
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(handler))
        .with_state((seen.clone(), fail));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/v1"), seen)
}

#[tokio::test]
async fn an_llm_endpoint_phrases_answers_from_the_passages_and_failures_fall_back() {
    let fail = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (base_url, seen) = fake_llm(fail.clone()).await;
    // The fake endpoint is on loopback, which only this flag allows.
    let server = TestServer::start_with(bin(), &["--allow-private-outbound"], true);
    let admin = server.login("acme", "ada").await.token;
    server
        .post_ok(
            "/api/knowledge/articles",
            &admin,
            &json!({"space": "help", "title": "Printer jams", "locale": "en",
                "body": "If the X200 printer jams, open the front cover and pull the paper out slowly."}),
        )
        .await;
    let settings = json!({
        "languages": ["zh-CN", "zh-TW", "en"], "business_hours": null, "avg_handle_secs": 300, "texts": [],
        "llm": {"base_url": base_url, "model": "tiny-model", "api_key": "sk-test"}
    });
    let res = server
        .send_json("PUT", "/api/chat/settings", &admin, &settings)
        .await;
    assert_eq!(res.status(), 200);
    // The key is kept but never sent back; saving without it keeps it.
    let shown: Value = res.json().await.unwrap();
    assert_eq!(shown["llm"]["api_key"], "");
    assert_eq!(shown["llm"]["api_key_set"], true);
    let mut keep = settings.clone();
    keep["llm"]["api_key"] = json!("");
    let res = server
        .send_json("PUT", "/api/chat/settings", &admin, &keep)
        .await;
    assert_eq!(res.status(), 200);
    // Sealed at rest with the server key (secret.key), not in the database.
    for file in ["fieldesk.sqlite3", "fieldesk.sqlite3-wal"] {
        let bytes = std::fs::read(server.dir.path().join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(7).any(|w| w == b"sk-test"),
            "{file} holds the key"
        );
    }
    assert!(server.dir.path().join("secret.key").exists());
    let mut bad = settings.clone();
    bad["llm"]["base_url"] = json!("file:///etc/passwd");
    let res = server
        .send_json("PUT", "/api/chat/settings", &admin, &bad)
        .await;
    expect_error(res, 400, "bad_request").await;

    let mut v = visitor(&server, Some("en")).await;
    v.say("q1", "my X200 printer jams").await;
    let answer = v
        .wait_message("AI answer", |m| m.author == Author::Bot)
        .await;
    assert_eq!(answer.body, "Phrased: open the front cover.");
    assert!(answer.ai_generated);
    assert_eq!(answer.references[0].title, "Printer jams");
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let (auth, body) = &seen[0];
        assert_eq!(auth, "Bearer sk-test");
        assert_eq!(body["model"], "tiny-model");
        let system = body["messages"][0]["content"].as_str().unwrap();
        assert!(system.contains("in English"), "{system}");
        assert!(system.contains("open the front cover"), "{system}");
        assert_eq!(body["messages"][1]["content"], "my X200 printer jams");
    }

    // Nothing retrieved: no LLM call, the honest "no answer".
    v.say("q2", "weather tomorrow").await;
    let none = v
        .wait_message("no answer", |m| {
            m.author == Author::Bot && m.notice == Some(Notice::NoAnswer)
        })
        .await;
    assert!(none.references.is_empty());
    assert_eq!(seen.lock().unwrap().len(), 1);

    // The endpoint fails: the retrieval answer is given instead.
    fail.store(true, std::sync::atomic::Ordering::SeqCst);
    v.say("q3", "printer jams again").await;
    let fallback = v
        .wait_message("fallback", |m| m.author == Author::Bot && m.id > none.id)
        .await;
    assert!(
        fallback.body.starts_with("Here is what I found:"),
        "{}",
        fallback.body
    );
    assert!(fallback.body.contains("open the front cover"));
}

#[tokio::test]
async fn transfer_to_a_group_waits_for_a_free_member() {
    let server = TestServer::start(bin());
    let admin = server.login("acme", "ada").await.token;
    let sam = server.login("acme", "sam").await;
    let gina = server.login("globex", "gina").await.me.user_id;
    let group = json!({"name": "Printers", "member_ids": [sam.me.user_id]});
    let created: Value = server
        .post_ok("/api/groups", &admin, &group)
        .await
        .json()
        .await
        .unwrap();
    let group_id = created["id"].as_i64().unwrap();
    assert_eq!(created["member_ids"], json!([sam.me.user_id]));
    // A taken name, a member of another tenant, an agent managing groups: refused.
    expect_error(
        server
            .send_json("POST", "/api/groups", &admin, &group)
            .await,
        409,
        "conflict",
    )
    .await;
    let foreign = json!({"name": "Mixed", "member_ids": [gina]});
    expect_error(
        server
            .send_json("POST", "/api/groups", &admin, &foreign)
            .await,
        400,
        "bad_request",
    )
    .await;
    let (alice, _alice_events) = online_agent(&server, "alice").await;
    let other = json!({"name": "Other"});
    expect_error(
        server
            .send_json("POST", "/api/groups", &alice, &other)
            .await,
        403,
        "forbidden",
    )
    .await;
    let listed: Vec<Value> = server
        .get("/api/groups", &alice)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    let mut v = visitor(&server, Some("en")).await;
    v.send(&VisitorCommand::AskForHuman).await;
    v.wait_message("assigned", |m| is_notice(m, Notice::Assigned))
        .await;
    let id = v.conversation_id;

    // No member is online: the visitor waits for the group, not for Alice.
    let body = json!({"to_group": group_id, "note": "paper jam, model X200"});
    server
        .post_ok(
            &format!("/api/chat/conversations/{id}/transfer"),
            &alice,
            &body,
        )
        .await;
    let moved = v
        .wait_message("transferred", |m| is_notice(m, Notice::Transferred))
        .await;
    assert_eq!(
        moved.body,
        "You have been transferred to the Printers team."
    );
    v.wait_message("queued", |m| is_notice(m, Notice::Queued))
        .await;
    let queued = list(&server, &alice, "queued").await;
    assert_eq!(queued.len(), 1, "Alice is free but not a member");

    // Sam, a member, comes online and takes it.
    let mut sam_events = StaffEvents::connect(&server.ws_url(), &sam.token).await;
    server
        .send_json(
            "PUT",
            "/api/chat/status",
            &sam.token,
            &json!({"status": "online"}),
        )
        .await;
    let assigned = v
        .wait_message("assigned to Sam", |m| is_notice(m, Notice::Assigned))
        .await;
    assert_eq!(assigned.body, "Sam Supervisor is now serving you.");
    sam_events
        .wait_for("assignment", |e| {
            matches!(e, ServerEvent::ConversationChanged { conversation }
                if conversation.id == id && conversation.agent_id == Some(sam.me.user_id))
        })
        .await;

    // Neither of both given, or both: refused.
    let both = json!({"to_group": group_id, "to_agent": sam.me.user_id});
    let res = server
        .send_json(
            "POST",
            &format!("/api/chat/conversations/{id}/transfer"),
            &sam.token,
            &both,
        )
        .await;
    expect_error(res, 400, "bad_request").await;
    let res = server
        .send_json(
            "DELETE",
            &format!("/api/groups/{group_id}"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn llm_endpoints_on_internal_addresses_are_refused() {
    let (base_url, seen) = fake_llm(Default::default()).await;
    let server = TestServer::start(bin());
    let admin = server.login("acme", "ada").await.token;
    let port = base_url.rsplit(':').next().unwrap().trim_end_matches("/v1");
    for url in [
        base_url.clone(),
        format!("http://localhost:{port}/v1"),
        format!("http://[::1]:{port}/v1"),
        format!("http://[::ffff:127.0.0.1]:{port}/v1"),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "http://10.0.0.8/v1".to_owned(),
        "http://192.168.1.20:11434/v1".to_owned(),
        "https://[fd00::5]/v1".to_owned(),
    ] {
        let settings = json!({
            "languages": ["en"], "business_hours": null, "avg_handle_secs": 300, "texts": [],
            "llm": {"base_url": url, "model": "m", "api_key": "sk-tenant"}
        });
        let res = server
            .http
            .put(server.url("/api/chat/settings"))
            .bearer_auth(&admin)
            .header("accept-language", "en")
            .json(&settings)
            .send()
            .await
            .unwrap();
        let message = expect_error(res, 400, "endpoint_not_allowed").await;
        assert!(
            message.contains("loopback, private or link-local"),
            "{url}: {message}"
        );
    }
    let shown: Value = server
        .get("/api/chat/settings", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(shown["llm"].is_null(), "nothing was saved: {shown}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "the server called loopback"
    );
}

#[tokio::test]
async fn an_agent_reads_only_what_they_serve_have_served_or_may_take() {
    let server = TestServer::start(bin());
    server.add_user("bob", "agent", "Bob Agent");
    let mut v = Visitor::waiting_for_a_human(&server.visitor_ws_url("acme"), "hello", "en").await;
    // Bob is online first but full, so Alice gets the visitor.
    let (bob, mut bob_events) = online_with_capacity(&server, "bob", 0).await;
    let (alice, mut alice_events) = online_agent(&server, "alice").await;
    v.wait_message("assigned", |m| is_notice(m, Notice::Assigned))
        .await;
    let id = v.conversation_id;
    v.say("secret", "my card number is 4111 1111 1111 1111")
        .await;
    alice_events
        .wait_for(
            "the visitor's message",
            |e| matches!(e, ServerEvent::ChatMessage { message } if message.body.contains("4111")),
        )
        .await;
    let history = format!("/api/chat/conversations/{id}/messages");
    assert_eq!(server.get(&history, &alice).await.status(), 200);
    // Bob: not found, for history and read marks alike.
    expect_error(server.get(&history, &bob).await, 404, "not_found").await;
    let read = format!("/api/chat/conversations/{id}/read");
    let res = server
        .send_json("POST", &read, &bob, &json!({"up_to": 1}))
        .await;
    expect_error(res, 404, "not_found").await;
    // A supervisor reads everything.
    let sam = server.login("acme", "sam").await.token;
    assert_eq!(server.get(&history, &sam).await.status(), 200);
    // Bob's socket never carried the text; only a summary without it.
    alice_events.send(&ClientMessage::Ping { nonce: 1 }).await;
    bob_events.send(&ClientMessage::Ping { nonce: 9 }).await;
    bob_events
        .wait_for("pong", |e| matches!(e, ServerEvent::Pong { nonce: 9 }))
        .await;
    for e in &bob_events.seen {
        let text = serde_json::to_string(e).unwrap();
        assert!(!text.contains("4111"), "bob's socket carried {text}");
        if let ServerEvent::ChatMessage { message } = e {
            assert_ne!(message.conversation_id, id, "bob got a message of {id}");
        }
    }
    // Transferred to Bob, he reads it; handed on, Alice still reads what
    // she served.
    let bob_id = bob_events
        .seen
        .iter()
        .find_map(|e| match e {
            ServerEvent::Hello { user_id, .. } => Some(*user_id),
            _ => None,
        })
        .unwrap();
    let body = json!({"status": "online", "capacity": 5});
    server
        .send_json("PUT", "/api/chat/status", &bob, &body)
        .await;
    server
        .post_ok(
            &format!("/api/chat/conversations/{id}/transfer"),
            &alice,
            &json!({"to_agent": bob_id, "note": ""}),
        )
        .await;
    assert_eq!(server.get(&history, &bob).await.status(), 200);
    assert_eq!(server.get(&history, &alice).await.status(), 200);
    // Read marks never move past the last message.
    let res = server
        .send_json("POST", &read, &bob, &json!({"up_to": i64::MAX}))
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let rows = list(&server, &bob, "mine").await;
    let row = rows.iter().find(|r| r["id"] == id).expect("bob serves it");
    let last = server
        .get(&history, &bob)
        .await
        .json::<Vec<ChatMessage>>()
        .await
        .unwrap()
        .last()
        .unwrap()
        .id;
    assert_eq!(row["unread"], 0);
    let v_read = v
        .wait_for("read mark", |e| matches!(e, VisitorEvent::Read { .. }))
        .await;
    assert_eq!(v_read, VisitorEvent::Read { up_to: last });
}

#[tokio::test]
async fn one_client_cannot_flood_the_desk_with_new_visitors() {
    let server = TestServer::start_with(
        bin(),
        &["--new-visitor-burst", "5", "--new-visitors-per-min", "1"],
        true,
    );
    let url = server.visitor_ws_url("acme");
    let mut first = None;
    for _ in 0..5 {
        let (v, _) = Visitor::connect(&url, None, 0, Some("en")).await.unwrap();
        first.get_or_insert(v);
    }
    for _ in 0..20 {
        let refused = Visitor::connect(&url, None, 0, Some("en")).await.err();
        assert_eq!(refused.as_deref(), Some("rate_limited"));
    }
    // A returning visitor is no new visitor.
    let token = first.unwrap().token.clone();
    assert!(
        Visitor::connect(&url, Some(&token), 0, Some("en"))
            .await
            .is_ok()
    );
    // Neither the refused ones nor the page views (no one wrote) left
    // anything for the desk.
    let sam = server.login("acme", "sam").await.token;
    assert_eq!(list(&server, &sam, "all").await.len(), 0);
}
