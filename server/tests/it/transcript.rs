//! A chat's transcript by email, over the real server and the loopback
//! Postfix + Dovecot: offered only once an admin chooses a mailbox, the
//! visitor's address checked, mailed once per client id, at most three
//! times a conversation, and a reply to it never joins the chat.

use fieldesk_core::ErrorCode;
use fieldesk_core::channel::Channel;
use fieldesk_core::chat::{Author, ChatMessage, ConversationSummary, Notice};
use fieldesk_core::chat::{VisitorCommand, VisitorEvent};
use fieldesk_core::email::mailbox::Mailbox;
use fieldesk_testkit::chat::Visitor;
use fieldesk_testkit::mail::{self, HOST, IMAP_PORT, SUBMISSION_PORT, SUPPORT_DOMAIN};
use fieldesk_testkit::server::{TestServer, expect_error};
use serde_json::{Value, json};

use crate::bin;

fn ready_offers_transcript(ready: &VisitorEvent) -> bool {
    match ready {
        VisitorEvent::Ready { transcript, .. } => *transcript,
        other => panic!("not ready: {other:?}"),
    }
}

/// Asks for the transcript; the answer (an ack or an error).
async fn ask(v: &mut Visitor, client_id: &str, to: &str) -> VisitorEvent {
    v.send(&VisitorCommand::EmailTranscript {
        client_id: client_id.into(),
        to: to.into(),
    })
    .await;
    v.wait_for("the transcript's answer", |e| {
        matches!(e, VisitorEvent::Ack { client_id: c, .. } if c == client_id)
            || matches!(e, VisitorEvent::Error { .. })
    })
    .await
}

fn refused(e: &VisitorEvent) -> (ErrorCode, String) {
    match e {
        VisitorEvent::Error { code, message } => (*code, message.clone()),
        other => panic!("not refused: {other:?}"),
    }
}

fn acked(e: &VisitorEvent) -> i64 {
    match e {
        VisitorEvent::Ack { message_id, .. } => *message_id,
        other => panic!("not acknowledged: {other:?}"),
    }
}

/// The admin's settings with `id` as the transcript mailbox, saved by `by`.
async fn set_transcript_mailbox(
    server: &TestServer,
    admin: &str,
    by: &str,
    id: Value,
) -> reqwest::Response {
    server
        .put_chat_settings(admin, by, json!({ "transcript_mailbox_id": id }))
        .await
}

/// The messages of a conversation as the staff read them.
async fn staff_messages(server: &TestServer, token: &str, id: i64) -> Vec<ChatMessage> {
    server
        .get(&format!("/api/chat/conversations/{id}/messages"), token)
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn visitors_get_their_chat_by_mail_once_per_ask_and_a_reply_starts_an_email_thread() {
    let support = mail::account("chat", SUPPORT_DOMAIN);
    let customer = mail::account("wu", mail::CUSTOMER_DOMAIN);
    let server = TestServer::start_with(bin(), &["--allow-private-outbound"], true);
    let ada = server.login("acme", "ada").await.token;
    let alice = server.login("acme", "alice").await.token;
    let url = server.visitor_ws_url("acme");

    // Not offered before an admin chooses a mailbox; asking is refused in
    // the visitor's language.
    let (mut v, ready) = Visitor::connect(&url, None, 0, Some("en")).await.unwrap();
    assert!(!ready_offers_transcript(&ready));
    v.say("m1", "My printer 打印机 will not start").await;
    v.wait_message("the AI's answer", |m| m.author == Author::Bot)
        .await;
    let (code, message) = refused(&ask(&mut v, "t0", &customer.address).await);
    assert_eq!(code, ErrorCode::TranscriptUnavailable);
    assert_eq!(message, "Transcripts cannot be emailed from this chat.");

    // An admin chooses the mailbox (only one of the tenant's own).
    let server_settings = |port: u16| json!({"host": HOST, "port": port, "security": "none", "user": support.address});
    let mailbox: Mailbox = server
        .send_json(
            "POST",
            "/api/mail/mailboxes",
            &ada,
            &json!({
                "address": support.address,
                "display_name": "Acme Service",
                "aliases": [],
                "smtp": server_settings(SUBMISSION_PORT),
                "smtp_password": support.password,
                "imap": server_settings(IMAP_PORT),
                "imap_password": support.password,
                "imap_folder": "INBOX",
                "max_message_bytes": 1_048_576,
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    expect_error(
        set_transcript_mailbox(&server, &ada, &ada, json!(mailbox.id + 1000)).await,
        400,
        "invalid_mailbox",
    )
    .await;
    expect_error(
        set_transcript_mailbox(&server, &ada, &alice, json!(mailbox.id)).await,
        403,
        "forbidden",
    )
    .await;
    let res = set_transcript_mailbox(&server, &ada, &ada, json!(mailbox.id)).await;
    assert_eq!(res.status(), 200);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["transcript_mailbox_id"], json!(mailbox.id));

    // The window offers it now; a page view without a conversation has
    // nothing to send.
    let token = v.token.clone();
    v.close().await;
    let (mut v, ready) = Visitor::connect(&url, Some(&token), 0, None).await.unwrap();
    assert!(ready_offers_transcript(&ready));
    let (mut fresh, _) = Visitor::connect(&url, None, 0, Some("zh-TW"))
        .await
        .unwrap();
    assert_eq!(
        refused(&ask(&mut fresh, "t0", &customer.address).await).0,
        ErrorCode::NotFound
    );

    // A bad address is refused in the visitor's language; nothing is sent.
    let (code, message) = refused(&ask(&mut v, "t1", "wu@").await);
    assert_eq!(code, ErrorCode::InvalidEmail);
    assert_eq!(message, "Enter a valid email address.");

    // Mailed once, whatever the retries; the chat says where it went.
    let shouted = customer.address.to_uppercase();
    let first = acked(&ask(&mut v, "t1", &shouted).await);
    let notice = v
        .wait_message("the transcript notice", |m| {
            m.notice == Some(Notice::TranscriptSent)
        })
        .await;
    assert_eq!(notice.id, first);
    assert!(notice.body.contains(&customer.address), "{}", notice.body);
    assert_eq!(acked(&ask(&mut v, "t1", &shouted).await), first, "a retry");
    let got = mail::wait_inbox(&customer, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(mail::inbox(&customer).await.len(), 1, "mailed once");
    let raw = &got[0];
    assert!(raw.header("From").unwrap().contains(&support.address));
    assert_eq!(
        raw.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let message_id = raw.header("Message-ID").unwrap();
    assert!(message_id.starts_with("<transcript."), "{message_id}");
    assert_eq!(raw.header("Reply-To"), None, "no reply token");
    let parsed = mail_parser::MessageParser::default()
        .parse(&raw.raw)
        .unwrap();
    let subject = parsed.subject().unwrap().to_owned();
    assert_eq!(subject, "Transcript of your conversation with Acme Service");
    let text = parsed.body_text(0).unwrap().into_owned();
    assert!(
        text.contains("You: My printer 打印机 will not start"),
        "{text}"
    );
    assert!(text.contains("AI assistant: "), "{text}");
    assert!(
        !text.contains("on its way"),
        "earlier notices left out: {text}"
    );
    assert!(parsed.body_html(0).is_some(), "an HTML part too");

    // The agent sees the notice in the conversation.
    let staff_view = staff_messages(&server, &ada, notice.conversation_id).await;
    assert!(staff_view.iter().any(|m| m.id == first), "{staff_view:?}");

    // Three a conversation: the fourth is refused.
    for n in 2..=3 {
        acked(&ask(&mut v, &format!("t{n}"), &customer.address).await);
    }
    let (code, _) = refused(&ask(&mut v, "t4", &customer.address).await);
    assert_eq!(code, ErrorCode::TranscriptLimit);
    mail::wait_inbox(&customer, 3).await;

    // The customer answers the transcript: a new email conversation, the
    // chat untouched.
    let answer = format!(
        "From: {}\r\nTo: {}\r\nSubject: Re: {subject}\r\nMessage-ID: <wu-1@customer.test>\r\n\
         In-Reply-To: {message_id}\r\nReferences: {message_id}\r\n\r\nThanks, one more question\r\n",
        customer.address, support.address
    );
    mail::deliver(&customer.address, &[&support.address], answer.as_bytes()).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let email = loop {
        let all: Vec<ConversationSummary> = server
            .get("/api/chat/conversations?tab=all", &ada)
            .await
            .json()
            .await
            .unwrap();
        if let Some(c) = all.into_iter().find(|c| c.channel == Channel::Email) {
            break c;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the reply never arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_ne!(email.id, notice.conversation_id);
    assert_eq!(email.contact.as_deref(), Some(customer.address.as_str()));
    let chat_now = staff_messages(&server, &ada, notice.conversation_id).await;
    assert!(
        !chat_now
            .iter()
            .any(|m| m.body.contains("one more question")),
        "the reply joined the chat"
    );
}
