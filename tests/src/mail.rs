//! The loopback mail server `cargo xtask setup` starts (Postfix + Dovecot,
//! see `xtask/src/mail.rs`): accounts made on the fly, mail delivered as a
//! customer's mail server would (SMTP on :2525, no login), and a mailbox
//! read back over IMAP to see what the service sent.

use std::io::Write;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

pub const HOST: &str = "127.0.0.1";
/// Customer-side SMTP: mail for our domains, from anyone, no login.
pub const SMTP_PORT: u16 = 2525;
/// Submission: login required, relays anywhere on the machine.
pub const SUBMISSION_PORT: u16 = 1587;
/// IMAP with IDLE.
pub const IMAP_PORT: u16 = 1143;
const USERS_FILE: &str = "/etc/dovecot/fieldesk-users";
/// The domain service mailboxes live in; customers write from another.
pub const SUPPORT_DOMAIN: &str = "support.test";
pub const CUSTOMER_DOMAIN: &str = "customer.test";

/// A mailbox on the server.
#[derive(Debug, Clone)]
pub struct Account {
    pub address: String,
    pub password: String,
}

/// Fails with what to run when the server is not there.
pub fn require() {
    for port in [SMTP_PORT, SUBMISSION_PORT, IMAP_PORT] {
        let up = std::net::TcpStream::connect_timeout(
            &([127, 0, 0, 1], port).into(),
            Duration::from_secs(1),
        )
        .is_ok();
        assert!(
            up,
            "no mail server on 127.0.0.1:{port}: run `cargo xtask setup` (as root)"
        );
    }
}

/// A new mailbox `<name>-<random>@<domain>` (each test its own).
pub fn account(name: &str, domain: &str) -> Account {
    require();
    let unique: u64 = rand_u64();
    let address = format!("{name}-{unique:x}@{domain}");
    let password = format!("pw-{:x}", rand_u64());
    add_user(&format!("{address}:{{PLAIN}}{password}\n"));
    Account { address, password }
}

/// Appends a line to Dovecot's users file and waits until Dovecot will
/// read it. Dovecot looks at the file at most once a second (its loop's
/// clock): a login in the second of the append may still be checked
/// against what it read before ("unknown user"), so this returns only
/// once that second has passed.
fn add_user(line: &str) {
    // One short append per line: concurrent tests do not interleave.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(USERS_FILE)
        .unwrap_or_else(|e| panic!("{USERS_FILE}: {e} (run `cargo xtask setup` as root)"));
    file.write_all(line.as_bytes()).expect("adding a mailbox");
    let into_second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    std::thread::sleep(
        Duration::from_nanos(u64::from(1_000_000_000 - into_second)) + Duration::from_millis(20),
    );
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

/// Delivers `raw` as the customer's mail server would: to our domains over
/// :2525, envelope from `from` to `to`.
pub async fn deliver(from: &str, to: &[&str], raw: &[u8]) {
    let envelope = Envelope::new(
        Some(from.parse().expect("a sender address")),
        to.iter()
            .map(|t| t.parse().expect("a recipient address"))
            .collect(),
    )
    .expect("an envelope");
    let smtp = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(HOST)
        .port(SMTP_PORT)
        .build();
    smtp.send_raw(&envelope, raw)
        .await
        .expect("the mail server takes the mail");
}

/// One mail in a mailbox.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub uid: u32,
    pub raw: Vec<u8>,
}

impl Fetched {
    /// A header's value (unfolded), first occurrence.
    pub fn header(&self, name: &str) -> Option<String> {
        let text = String::from_utf8_lossy(&self.raw);
        let head = text.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_owned());
            }
        }
        value
    }
}

/// An IMAP session signed in as the account.
pub async fn sign_in(account: &Account) -> async_imap::Session<tokio::net::TcpStream> {
    let stream = tokio::net::TcpStream::connect((HOST, IMAP_PORT))
        .await
        .expect("IMAP connects");
    let mut client = async_imap::Client::new(stream);
    client
        .read_response()
        .await
        .expect("a greeting")
        .expect("a greeting");
    client
        .login(&account.address, &account.password)
        .await
        .map_err(|(e, _)| e)
        .expect("IMAP login")
}

/// Puts `raw` into the account's INBOX as it is, past Postfix (which
/// would mend a mail's missing headers): mail as a broken sender or
/// another server may leave it.
pub async fn append(account: &Account, raw: &[u8]) {
    let mut session = sign_in(account).await;
    session
        .append("INBOX", None, None, raw)
        .await
        .expect("IMAP APPEND");
    let _ = session.logout().await;
}

/// Puts many mails into the account's INBOX over one session.
pub async fn append_all(account: &Account, raws: impl IntoIterator<Item = Vec<u8>>) {
    let mut session = sign_in(account).await;
    for raw in raws {
        session
            .append("INBOX", None, None, &raw)
            .await
            .expect("IMAP APPEND");
    }
    let _ = session.logout().await;
}

/// Everything in the account's INBOX now.
pub async fn inbox(account: &Account) -> Vec<Fetched> {
    let mut session = sign_in(account).await;
    let mailbox = session.select("INBOX").await.expect("INBOX");
    let mut out = Vec::new();
    if mailbox.exists > 0 {
        let mut fetches = session
            .uid_fetch("1:*", "(UID BODY.PEEK[])")
            .await
            .expect("fetch");
        while let Some(fetch) = fetches.next().await {
            let fetch = fetch.expect("a message");
            if let (Some(uid), Some(body)) = (fetch.uid, fetch.body()) {
                out.push(Fetched {
                    uid,
                    raw: body.to_vec(),
                });
            }
        }
    }
    let _ = session.logout().await;
    out
}

/// Waits until the INBOX holds at least `count` mails; returns them.
pub async fn wait_inbox(account: &Account, count: usize) -> Vec<Fetched> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mails = inbox(account).await;
        if mails.len() >= count {
            return mails;
        }
        assert!(
            Instant::now() < deadline,
            "{} holds {} mails, expected {count}",
            account.address,
            mails.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
