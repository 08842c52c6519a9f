//! A conversation's life in the chat window: it starts with the first
//! message (not a page view), the pre-chat form and where the visit came
//! from, the visitor ends and rates it, idle ones are resolved and
//! reopen, and a rate-limited message is kept for a retry.

use std::time::{Duration, Instant};

use fieldesk_core::chat::{Author, Notice, VisitorCommand, VisitorEvent};
use fieldesk_core::handoff::HandoffState;
use fieldesk_core::i18n::Catalog;
use fieldesk_core::visit::VisitContext;
use fieldesk_core::{ErrorCode, Locale};
use fieldesk_testkit::chat::{StaffEvents, Visitor};
use fieldesk_testkit::server::TestServer;
use serde_json::{Value, json};

use crate::bin;

async fn all(server: &TestServer, token: &str) -> Vec<Value> {
    let res = server.get("/api/chat/conversations?tab=all", token).await;
    assert_eq!(res.status(), 200);
    res.json::<Vec<Value>>().await.unwrap()
}

async fn set_settings(server: &TestServer, tenant: &str, admin: &str, change: Value) {
    let token = server.login(tenant, admin).await.token;
    let res = server.put_chat_settings(&token, &token, change).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

fn resume(locale: &str, context: VisitContext) -> VisitorCommand {
    VisitorCommand::Resume {
        token: None,
        after: 0,
        locale: Some(locale.into()),
        identity: None,
        context,
    }
}

fn error_code(e: &VisitorEvent) -> Option<ErrorCode> {
    match e {
        VisitorEvent::Error { code, .. } => Some(*code),
        _ => None,
    }
}

#[tokio::test]
async fn a_page_view_starts_nothing_and_the_pre_chat_form_records_who_and_where() {
    let server = TestServer::start(bin());
    let sam = server.login("acme", "sam").await.token;
    let before = all(&server, &sam).await.len();
    // Fifteen page views with the snippet: no conversation for anyone.
    let mut views = Vec::new();
    for _ in 0..15 {
        let (v, ready) = Visitor::connect(&server.visitor_ws_url("acme"), None, 0, Some("en"))
            .await
            .unwrap();
        let VisitorEvent::Ready {
            conversation_id,
            pre_chat,
            history,
            ..
        } = ready
        else {
            unreachable!()
        };
        assert_eq!((conversation_id, pre_chat, history.len()), (None, false, 0));
        views.push(v);
    }
    assert_eq!(all(&server, &sam).await.len(), before, "page views listed");
    // The first message starts it; the same window, reloaded, resumes it.
    let mut v = views.pop().unwrap();
    v.say("first", "Hello, my pump is leaking").await;
    let ack = v
        .wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
        .await;
    let VisitorEvent::Ack {
        conversation_id, ..
    } = ack
    else {
        unreachable!()
    };
    assert!(conversation_id > 0);
    v.wait_message("AI answer", |m| m.author == Author::Bot)
        .await;
    let listed = all(&server, &sam).await;
    assert_eq!(listed.len(), before + 1);
    assert_eq!(listed[0]["id"], conversation_id);
    let token = v.token.clone();
    v.close().await;
    let (_, again) = Visitor::connect(&server.visitor_ws_url("acme"), Some(&token), 0, None)
        .await
        .unwrap();
    let VisitorEvent::Ready {
        conversation_id: resumed,
        history,
        ..
    } = again
    else {
        unreachable!()
    };
    assert_eq!(resumed, Some(conversation_id));
    assert!(
        history
            .iter()
            .any(|m| m.body == "Hello, my pump is leaking")
    );

    // The tenant switches the pre-chat form on.
    set_settings(&server, "acme", "ada", json!({"pre_chat": true})).await;
    let catalog = Catalog::new();
    let context = VisitContext {
        page_url: Some("https://shop.example.com/pumps/p-200?ref=mail".into()),
        referrer: Some("https://search.example.com/?q=pump+leak".into()),
        user_agent: Some("forged by the page".into()),
        language: Some("en-GB".into()),
    };
    let browser = "Mozilla/5.0 (X11; Linux x86_64) Fieldesk-Test/1.0";
    let (mut v, ready) = Visitor::connect_with(
        &server.visitor_ws_url("acme"),
        resume("en", context),
        Some(browser),
    )
    .await
    .unwrap();
    assert!(matches!(
        ready,
        VisitorEvent::Ready {
            pre_chat: true,
            conversation_id: None,
            ..
        }
    ));
    // Without the form: refused, in English, nothing stored.
    v.say("early", "Hi").await;
    let e = v.wait_for("error", |e| error_code(e).is_some()).await;
    assert_eq!(
        e,
        VisitorEvent::Error {
            code: ErrorCode::PreChatRequired,
            message: catalog.message(Locale::En, "error-pre-chat-required")
        }
    );
    for (name, contact) in [
        ("", "wang@example.cn"),
        ("Wang Wei", "not-a-contact"),
        ("Wang Wei", "12"),
    ] {
        v.send(&VisitorCommand::PreChat {
            name: name.into(),
            contact: contact.into(),
        })
        .await;
        let e = v.wait_for("error", |e| error_code(e).is_some()).await;
        assert_eq!(
            e,
            VisitorEvent::Error {
                code: ErrorCode::InvalidContact,
                message: catalog.message(Locale::En, "error-invalid-contact")
            },
            "{name:?} {contact:?}"
        );
    }
    assert_eq!(
        all(&server, &sam).await.len(),
        before + 1,
        "refused forms listed"
    );
    v.send(&VisitorCommand::PreChat {
        name: " Wang Wei ".into(),
        contact: "+86 138-0013-8000".into(),
    })
    .await;
    let started = v
        .wait_for("started", |e| matches!(e, VisitorEvent::Started { .. }))
        .await;
    let VisitorEvent::Started { conversation_id } = started else {
        unreachable!()
    };
    v.say("early", "Hi").await;
    v.wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
        .await;
    let listed = all(&server, &sam).await;
    let c = listed
        .iter()
        .find(|c| c["id"] == conversation_id)
        .expect("the conversation is listed");
    assert_eq!(c["visitor_name"], "Wang Wei");
    assert_eq!(c["contact"], "+8613800138000");
    assert_eq!(
        c["context"],
        json!({
            "page_url": "https://shop.example.com/pumps/p-200?ref=mail",
            "referrer": "https://search.example.com/?q=pump+leak",
            "user_agent": browser,
            "language": "en-GB",
        }),
        "the user agent is the connection's, not what the page says"
    );
    // The pre-chat form does not stand in the way of the first visitor,
    // whose conversation had started.
    let (mut back, _) = Visitor::connect(&server.visitor_ws_url("acme"), Some(&token), 0, None)
        .await
        .unwrap();
    back.say("later", "Still leaking").await;
    back.wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
        .await;
}

#[tokio::test]
async fn the_visitor_ends_and_rates_and_a_rate_limited_message_waits_for_its_retry() {
    let server = TestServer::start_with(
        bin(),
        &["--visitor-burst", "3", "--visitor-per-sec", "2"],
        true,
    );
    let ws = server.visitor_ws_url("acme");
    let mut v = Visitor::waiting_for_a_human(&ws, "my pump leaks", "en").await;
    let alice = server.login("acme", "alice").await.token;
    let events = StaffEvents::connect(&server.ws_url(), &alice).await;
    let res = server
        .send_json(
            "PUT",
            "/api/chat/status",
            &alice,
            &json!({"status": "online", "capacity": 1}),
        )
        .await;
    assert_eq!(res.status(), 200);
    v.wait_message("assigned", |m| m.notice == Some(Notice::Assigned))
        .await;
    // A burst beyond the limit: the rest is refused for now, not lost,
    // and goes through when the window sends it again.
    let burst: Vec<String> = (0..6).map(|n| format!("burst-{n}")).collect();
    for id in &burst {
        v.say(id, id).await;
    }
    let mut acked = std::collections::BTreeMap::new();
    let mut refused = 0;
    while acked.len() < burst.len() {
        match v
            .wait_for("ack or not sent", |e| {
                matches!(e, VisitorEvent::Ack { .. } | VisitorEvent::NotSent { .. })
            })
            .await
        {
            VisitorEvent::Ack {
                client_id,
                message_id,
                ..
            } => {
                acked.insert(client_id, message_id);
            }
            VisitorEvent::NotSent {
                client_id,
                code,
                retry_after_ms,
            } => {
                assert_eq!(code, ErrorCode::RateLimited);
                refused += 1;
                tokio::time::sleep(Duration::from_millis(u64::from(retry_after_ms))).await;
                v.say(&client_id, &client_id).await;
            }
            _ => unreachable!(),
        }
    }
    assert!(
        refused > 0,
        "a burst of 6 over a limit of 3 was refused somewhere"
    );
    let res = server
        .get(
            &format!("/api/chat/conversations/{}/messages", v.conversation_id),
            &alice,
        )
        .await;
    let messages: Vec<Value> = res.json().await.unwrap();
    let mut stored: Vec<(String, i64)> = messages
        .iter()
        .filter(|m| m["body"].as_str().is_some_and(|b| b.starts_with("burst")))
        .map(|m| {
            (
                m["body"].as_str().unwrap().to_owned(),
                m["id"].as_i64().unwrap(),
            )
        })
        .collect();
    stored.sort();
    assert_eq!(
        stored,
        acked.into_iter().collect::<Vec<_>>(),
        "each once, as acknowledged"
    );

    // A second visitor waits while alice (capacity 1) serves the first.
    let mut next = Visitor::waiting_for_a_human(&ws, "my valve is stuck", "en").await;
    // The first visitor ends the chat: the survey, then alice is free.
    v.send(&VisitorCommand::End).await;
    v.wait_for("closed", |e| {
        matches!(
            e,
            VisitorEvent::State {
                state: HandoffState::Closed,
                ..
            }
        )
    })
    .await;
    v.wait_for("survey", |e| {
        matches!(e, VisitorEvent::SurveyRequested { .. })
    })
    .await;
    next.wait_message("assigned", |m| m.notice == Some(Notice::Assigned))
        .await;
    v.send(&VisitorCommand::Survey {
        rating: 4,
        comment: "quick".into(),
    })
    .await;
    v.wait_message("thanks", |m| m.notice == Some(Notice::SurveyThanks))
        .await;
    let res = server
        .get(
            &format!("/api/chat/conversations/{}/survey", v.conversation_id),
            &alice,
        )
        .await;
    let survey: Value = res.json().await.unwrap();
    assert_eq!(
        (survey["rating"].as_u64(), survey["comment"].as_str()),
        (Some(4), Some("quick"))
    );
    // Ending again is no error; writing now is refused.
    v.send(&VisitorCommand::End).await;
    v.say("after", "one more thing").await;
    let e = v.wait_for("error", |e| error_code(e).is_some()).await;
    assert_eq!(error_code(&e), Some(ErrorCode::ConversationClosed));
    events.close().await;

    // A conversation with the AI agent alone ends without a survey.
    let (mut bot_only, _) = Visitor::connect(&ws, None, 0, Some("en")).await.unwrap();
    bot_only.say("q", "opening hours?").await;
    bot_only
        .wait_message("AI answer", |m| m.author == Author::Bot)
        .await;
    bot_only.send(&VisitorCommand::End).await;
    bot_only
        .wait_message("ended", |m| m.notice == Some(Notice::Ended))
        .await;
    bot_only
        .wait_for("closed", |e| {
            matches!(
                e,
                VisitorEvent::State {
                    state: HandoffState::Closed,
                    ..
                }
            )
        })
        .await;
    assert!(
        !bot_only
            .seen
            .iter()
            .any(|e| matches!(e, VisitorEvent::SurveyRequested { .. }))
    );
}

/// Waits up to the tenant's minute and a few sweeps for the resolution.
#[tokio::test]
async fn an_idle_conversation_is_resolved_after_the_tenants_time_and_reopens() {
    let server = TestServer::start_with(bin(), &["--hours-check-secs", "1"], true);
    set_settings(&server, "acme", "ada", json!({"auto_resolve_minutes": 1})).await;
    // Bad values are refused.
    let ada = server.login("acme", "ada").await.token;
    let mut settings: Value = server
        .get("/api/chat/settings", &ada)
        .await
        .json()
        .await
        .unwrap();
    for bad in [json!(0), json!(43_201)] {
        settings["auto_resolve_minutes"] = bad;
        let res = server
            .send_json("PUT", "/api/chat/settings", &ada, &settings)
            .await;
        assert_eq!(res.status(), 400);
    }
    let ws = server.visitor_ws_url("acme");
    let (mut idle, _) = Visitor::connect(&ws, None, 0, Some("en")).await.unwrap();
    idle.say("q", "is anyone there?").await;
    idle.wait_message("AI answer", |m| m.author == Author::Bot)
        .await;
    let asked = Instant::now();
    // A visitor who keeps talking is not resolved.
    let (mut busy, _) = Visitor::connect(&ws, None, 0, Some("zh-TW")).await.unwrap();
    let busy_task = tokio::spawn(async move {
        for n in 0..9 {
            busy.say(&format!("b{n}"), "還在嗎").await;
            busy.wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
                .await;
            tokio::time::sleep(Duration::from_secs(8)).await;
        }
        busy
    });
    // Events come at most 10 s apart in the test client's patience.
    tokio::time::sleep(Duration::from_secs(57)).await;
    let resolved = idle
        .wait_message("resolved", |m| m.notice == Some(Notice::Resolved))
        .await;
    let waited = asked.elapsed();
    assert!(
        waited >= Duration::from_secs(59) && waited < Duration::from_secs(75),
        "resolved after {waited:?}"
    );
    assert_eq!(
        resolved.body,
        Catalog::new().message_args(
            Locale::En,
            "chat-resolved",
            Some(&{
                let mut a = fieldesk_core::i18n::FluentArgs::new();
                a.set("minutes", "1");
                a
            })
        )
    );
    idle.wait_for("resolved state", |e| {
        matches!(
            e,
            VisitorEvent::State {
                state: HandoffState::Resolved,
                ..
            }
        )
    })
    .await;
    let sam = server.login("acme", "sam").await.token;
    let listed = all(&server, &sam).await;
    let row = |listed: &[Value], id: i64| {
        listed
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["state"]["state"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        row(&listed, idle.conversation_id).as_deref(),
        Some("resolved")
    );
    let busy = busy_task.await.unwrap();
    assert_eq!(row(&listed, busy.conversation_id).as_deref(), Some("bot"));
    // Writing again reopens it, with the AI agent answering.
    idle.say("q2", "hello again").await;
    idle.wait_message("reopened", |m| m.notice == Some(Notice::Reopened))
        .await;
    idle.wait_for("bot state", |e| {
        matches!(
            e,
            VisitorEvent::State {
                state: HandoffState::Bot,
                ..
            }
        )
    })
    .await;
    idle.wait_message("AI answer", |m| m.author == Author::Bot)
        .await;
    assert_eq!(
        row(&all(&server, &sam).await, idle.conversation_id).as_deref(),
        Some("bot")
    );
}

/// More conversations than a page: the supervisor pages through all of
/// them, each once, newest first (the store contract pages too).
#[tokio::test]
async fn workbench_lists_page_through_every_conversation() {
    let flags = [
        "--new-visitor-burst",
        "1000",
        "--tenant-new-visitor-burst",
        "1000",
    ];
    let server = TestServer::start_with(bin(), &flags, true);
    let ws = server.visitor_ws_url("acme");
    let started: Vec<i64> = futures_util::future::join_all((0..10).map(|task| {
        let ws = ws.clone();
        async move {
            let mut ids = Vec::new();
            for n in 0..13 {
                let (mut v, _) = Visitor::connect(&ws, None, 0, Some("en")).await.unwrap();
                v.say("first", &format!("visitor {task}-{n}")).await;
                v.wait_for("ack", |e| matches!(e, VisitorEvent::Ack { .. }))
                    .await;
                ids.push(v.conversation_id);
                v.close().await;
            }
            ids
        }
    }))
    .await
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(started.len(), 130);
    let sam = server.login("acme", "sam").await.token;
    let mut seen: Vec<i64> = Vec::new();
    let mut before: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = "/api/chat/conversations?tab=all&limit=60".to_owned();
        if let Some(cursor) = &before {
            path.push_str(&format!("&before={cursor}"));
        }
        let page: Vec<fieldesk_core::chat::ConversationSummary> =
            server.get(&path, &sam).await.json().await.unwrap();
        pages += 1;
        seen.extend(page.iter().map(|c| c.id));
        match page.last() {
            Some(last) if page.len() == 60 => before = Some(last.cursor().to_string()),
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no conversation twice");
    let mut all = started.clone();
    all.sort_unstable();
    assert_eq!(unique, all, "every conversation");
    // The default page is 50; bad pages are refused clearly.
    let first: Vec<Value> = server
        .get("/api/chat/conversations?tab=all", &sam)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first.len(), 50);
    for bad in ["limit=0", "limit=201", "before=yesterday", "before=1.x"] {
        let res = server
            .get(&format!("/api/chat/conversations?tab=all&{bad}"), &sam)
            .await;
        assert_eq!(res.status(), 400, "{bad}");
    }
}
