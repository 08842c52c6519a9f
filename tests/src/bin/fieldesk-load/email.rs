//! The email scenario, against the loopback Postfix + Dovecot:
//!
//! - ingest: 10 000 customer mails (500 threads of 20) put in a service
//!   mailbox, then the real server imports them into conversations (from
//!   the mailbox's set-up to the last message told on a supervisor's
//!   socket, every message checked once through the API); the baseline is
//!   a raw IMAP fetch of the same mails in the same run;
//! - delivery: mails submitted one at a time over SMTP to the supervisor's
//!   WebSocket event (IMAP IDLE), p50/p99;
//! - threading: `core`'s decision for a reply among many stored threads.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use fieldesk_core::chat::ChatMessage;
use fieldesk_core::email::{Incoming, Known, KnownConversation, MailKey, threading};
use fieldesk_core::event::ServerEvent;
use fieldesk_testkit::chat::StaffEvents;
use fieldesk_testkit::mail::{
    self, CUSTOMER_DOMAIN, HOST, IMAP_PORT, SUBMISSION_PORT, SUPPORT_DOMAIN,
};
use fieldesk_testkit::server::TestServer;
use futures_util::StreamExt;
use serde_json::json;

use crate::percentile;

const THREADS: usize = 500;
const PER_THREAD: usize = 20;
const DELIVERIES: usize = 50;

fn customer_mail(thread: usize, n: usize) -> Vec<u8> {
    let from = format!("customer{thread}@{CUSTOMER_DOMAIN}");
    let mut headers = vec![
        format!("From: Customer {thread} <{from}>"),
        format!(
            "Subject: {}Pump {thread} broken",
            if n > 0 { "Re: " } else { "" }
        ),
        format!("Message-ID: <t{thread}-m{n}@{CUSTOMER_DOMAIN}>"),
        "MIME-Version: 1.0".to_owned(),
        "Content-Type: text/plain; charset=utf-8".to_owned(),
    ];
    if n > 0 {
        headers.push(format!(
            "In-Reply-To: <t{thread}-m{}@{CUSTOMER_DOMAIN}>",
            n - 1
        ));
    }
    format!(
        "{}\r\n\r\n您好，第 {thread} 台水泵第 {n} 封邮件。\r\nThe pump still stops after a minute.\r\n",
        headers.join("\r\n")
    )
    .into_bytes()
}

/// Raw IMAP: every mail's bytes in one session (the floor for ingest).
async fn raw_fetch(account: &mail::Account) -> (usize, Duration) {
    let started = Instant::now();
    let mut session = mail::sign_in(account).await;
    session.select("INBOX").await.expect("INBOX");
    let mut fetches = session
        .uid_fetch("1:*", "(UID RFC822.SIZE BODY.PEEK[])")
        .await
        .expect("fetch");
    let mut n = 0;
    while let Some(f) = fetches.next().await {
        if f.expect("a message").body().is_some() {
            n += 1;
        }
    }
    drop(fetches);
    let _ = session.logout().await;
    (n, started.elapsed())
}

async fn staff_messages(events: &mut StaffEvents, until: usize, seen: &mut HashSet<i64>) -> bool {
    let quiet = Duration::from_secs(30);
    while seen.len() < until {
        match tokio::time::timeout(
            quiet,
            events.wait_for("a message", |e| {
                matches!(e, ServerEvent::ChatMessage { .. } | ServerEvent::Resync)
            }),
        )
        .await
        {
            Ok(ServerEvent::ChatMessage { message }) => {
                seen.insert(message.id);
            }
            Ok(_) => return false,
            Err(_) => return false,
        }
        events.seen.clear();
    }
    true
}

/// Every message of every email conversation, through the API.
async fn stored_messages(server: &TestServer, token: &str) -> usize {
    let mut total = 0;
    let mut before: Option<String> = None;
    loop {
        let mut url = "/api/chat/conversations?tab=all&limit=200".to_owned();
        if let Some(b) = &before {
            url.push_str(&format!("&before={b}"));
        }
        let page: Vec<fieldesk_core::chat::ConversationSummary> =
            server.get(&url, token).await.json().await.expect("a page");
        for c in &page {
            let messages: Vec<ChatMessage> = server
                .get(
                    &format!("/api/chat/conversations/{}/messages?after=0", c.id),
                    token,
                )
                .await
                .json()
                .await
                .expect("messages");
            total += messages.len();
        }
        match page.last() {
            Some(last) if page.len() == 200 => before = Some(last.cursor().to_string()),
            _ => return total,
        }
    }
}

fn threading_decisions() {
    let key = MailKey::new(b"bench key of one tenant");
    let mut known = Known::default();
    for t in 0..THREADS as i64 {
        for n in 0..PER_THREAD {
            known
                .message_ids
                .insert(format!("t{t}-m{n}@{CUSTOMER_DOMAIN}"), t + 1);
        }
        known.conversations.push(KnownConversation {
            id: t + 1,
            contact: format!("customer{t}@{CUSTOMER_DOMAIN}"),
            participants: vec![],
            open: true,
            linked_to: None,
        });
    }
    let mut samples = Vec::with_capacity(100_000);
    let started = Instant::now();
    let mut joined = 0;
    for i in 0..100_000usize {
        let t = i % THREADS;
        let mail = Incoming {
            from: format!("Customer@{CUSTOMER_DOMAIN}")
                .replace("Customer", &format!("customer{t}")),
            recipients: vec![format!("support@{SUPPORT_DOMAIN}")],
            subject: format!("RE: 回复: Pump {t} broken [#{}]", t + 1),
            in_reply_to: vec![format!("<t{t}-m{}@{CUSTOMER_DOMAIN}>", i % PER_THREAD)],
            references: (0..PER_THREAD)
                .map(|n| format!("<t{t}-m{n}@{CUSTOMER_DOMAIN}>"))
                .collect(),
        };
        let at = Instant::now();
        let _ = threading::lookups(&mail, &key);
        if matches!(
            threading::decide(&mail, &known, &key),
            threading::Threading::Join { .. }
        ) {
            joined += 1;
        }
        samples.push(at.elapsed());
    }
    let wall = started.elapsed();
    assert_eq!(joined, 100_000, "every reply joins its thread");
    samples.sort();
    println!(
        "threading decision (core)    {:>7} mails {:>9.0} /s  p50 {:>7.4} ms  p99 {:>7.4} ms  ({THREADS} threads, {} stored ids)",
        samples.len(),
        samples.len() as f64 / wall.as_secs_f64(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        known.message_ids.len(),
    );
}

pub async fn run(bin: &Path) {
    mail::require();
    let support = mail::account("bench", SUPPORT_DOMAIN);
    let total = THREADS * PER_THREAD;
    println!(
        "email: {total} mails ({THREADS} threads of {PER_THREAD}) into {}",
        support.address
    );
    let started = Instant::now();
    // Thread by thread in rounds, as customers write: mail n of every
    // thread before mail n + 1.
    let mails = (0..PER_THREAD).flat_map(|n| (0..THREADS).map(move |t| customer_mail(t, n)));
    mail::append_all(&support, mails).await;
    println!(
        "  (appended over IMAP in {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let (fetched, raw) = raw_fetch(&support).await;
    assert_eq!(fetched, total);
    let raw_rate = total as f64 / raw.as_secs_f64();
    println!(
        "raw IMAP fetch (baseline)    {total:>7} mails {raw_rate:>9.0} /s  {:>7.2} s",
        raw.as_secs_f64()
    );

    let server = TestServer::start_with(bin, &["--allow-private-outbound"], true);
    let ada = server.login("acme", "ada").await.token;
    let sam = server.login("acme", "sam").await.token;
    let mut events = StaffEvents::connect(&server.ws_url(), &sam).await;
    let settings = |port: u16| json!({"host": HOST, "port": port, "security": "none", "user": support.address});
    let started = Instant::now();
    let res = server
        .send_json(
            "POST",
            "/api/mail/mailboxes",
            &ada,
            &json!({
                "address": support.address, "display_name": "Bench", "aliases": [],
                "smtp": settings(SUBMISSION_PORT), "smtp_password": support.password,
                "imap": settings(IMAP_PORT), "imap_password": support.password,
            }),
        )
        .await;
    assert_eq!(res.status(), 201, "the mailbox is set up");
    let mut seen = HashSet::new();
    let live = staff_messages(&mut events, total, &mut seen).await;
    let mut ingest = started.elapsed();
    if !live {
        // Events were dropped for this slow reader: wait for the store.
        while stored_messages(&server, &sam).await < total {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        ingest = started.elapsed();
    }
    let stored = stored_messages(&server, &sam).await;
    assert_eq!(stored, total, "every mail imported once");
    let rate = total as f64 / ingest.as_secs_f64();
    println!(
        "server import into threads   {total:>7} mails {rate:>9.0} /s  {:>7.2} s  = {:.2}x raw fetch{}",
        ingest.as_secs_f64(),
        rate / raw_rate,
        if live {
            ""
        } else {
            " (completion read from the store)"
        }
    );

    // Delivery latency with IDLE: customer SMTP → the supervisor's socket.
    let mut samples = Vec::with_capacity(DELIVERIES);
    let mut marks: HashMap<String, Instant> = HashMap::new();
    for n in 0..DELIVERIES {
        let marker = format!("latency-probe-{n}");
        let raw = format!(
            "From: probe@{CUSTOMER_DOMAIN}\r\nTo: {}\r\nSubject: {marker}\r\nMessage-ID: <{marker}@{CUSTOMER_DOMAIN}>\r\n\r\n{marker}\r\n",
            support.address
        );
        let at = Instant::now();
        mail::deliver(
            &format!("probe@{CUSTOMER_DOMAIN}"),
            &[&support.address],
            raw.as_bytes(),
        )
        .await;
        marks.insert(marker.clone(), at);
        let got = tokio::time::timeout(
            Duration::from_secs(30),
            events.wait_for("the probe", |e| {
                matches!(e, ServerEvent::ChatMessage { message } if message.body.contains(&marker))
            }),
        )
        .await
        .expect("the probe arrives");
        drop(got);
        samples.push(at.elapsed());
        events.seen.clear();
    }
    samples.sort();
    println!(
        "delivery SMTP → agent event  {DELIVERIES:>7} mails  p50 {:>7.1} ms  p99 {:>7.1} ms  (IMAP IDLE; Chatwoot polls once a minute)",
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
    );
    events.close().await;
    threading_decisions();
}
