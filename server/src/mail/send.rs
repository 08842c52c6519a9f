//! Sending: an agent's reply or new mail is built once — Message-ID of
//! ours, In-Reply-To and the whole References chain, Reply-To with the
//! conversation's reply token, the ticket tag in the subject, a text and
//! an HTML part, the agent's files — and queued with the message in one transaction (once
//! per client id). The outbox task sends what is due over the mailbox's
//! SMTP with lettre: a refusal for good fails it with the server's answer,
//! anything else is retried with a growing pause.

use std::sync::Arc;
use std::time::Duration;

use fieldesk_core::chat::{Author, ChatMessage};
use fieldesk_core::email::mailbox::Mailbox;
use fieldesk_core::email::outgoing::{
    self, ComposeBody, OutgoingAttachment, ReplyBody, SendStatus,
};
use fieldesk_core::email::token::MailKey;
use fieldesk_core::email::{address, subject};
use fieldesk_core::handoff::HandoffState;
use fieldesk_core::{ErrorCode, Locale};
use lettre::AsyncTransport;
use lettre::Message;
use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox as Named, MultiPart};
use tokio::sync::watch;

use super::{MailResult, MailService, probe};
use crate::auth::random_bytes;
use crate::clock::now;
use crate::error::ApiError;
use crate::store::User;
use crate::store::chat::NewMessage;
use crate::store::inbox::MailAttachment;
use crate::store::outbox::{DueMail, MailBuilder, OutMail, OutTarget, SendResult};

/// Tries before a mail that cannot reach its server is failed.
const MAX_ATTEMPTS: u32 = 10;
/// The pause after the n-th failed try: 15 s doubling, at most an hour.
fn backoff(attempts: u32) -> i64 {
    (15i64 << attempts.min(8)).min(3600)
}

fn invalid() -> ApiError {
    ApiError::new(ErrorCode::InvalidMail)
}

/// A mail's subject: a reply's (`Re: ` and the tag) or a new thread's.
enum Subject {
    Reply(String),
    New(String),
}

/// What a mail is made of before it is built (once its conversation's
/// id is known: Message-ID, Reply-To and tag carry it).
struct Draft {
    key: MailKey,
    mailbox_id: i64,
    /// The address the mailbox reads: replies come back to it.
    mailbox_address: String,
    display_name: String,
    from: String,
    to: Vec<String>,
    cc: Vec<String>,
    subject: Subject,
    text: String,
    in_reply_to: Option<String>,
    references: Vec<String>,
    attachments: Vec<MailAttachment>,
}

/// The agent's files, checked against the mailbox's limit and decoded.
fn attachments(files: &[OutgoingAttachment], mailbox: &Mailbox) -> MailResult<Vec<MailAttachment>> {
    use base64::Engine;
    outgoing::check_attachments(files, mailbox.max_message_bytes)?;
    files
        .iter()
        .map(|f| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(f.data.as_bytes())
                .map_err(|_| invalid())?;
            let content_type = Some(f.content_type.trim())
                .filter(|t| ContentType::parse(t).is_ok())
                .unwrap_or("application/octet-stream")
                .to_owned();
            Ok(MailAttachment {
                filename: f.filename.trim().to_owned(),
                content_type,
                content_id: None,
                sha256: super::parse::sha256(&bytes),
                bytes,
            })
        })
        .collect()
}

/// 16 random hex digits, for the unique part of a Message-ID.
pub(crate) fn unique() -> String {
    random_bytes::<8>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `address` with its display name, as a header wants it.
pub(crate) fn named(address: &str, name: Option<String>) -> Result<Named, String> {
    Ok(Named::new(
        name,
        address.parse().map_err(|e| format!("{address}: {e}"))?,
    ))
}

/// Builds the mail of conversation `conversation_id`.
fn build(d: Draft, conversation_id: i64) -> Result<OutMail, String> {
    let header_id = d
        .key
        .message_id(conversation_id, &unique(), address::domain(&d.from));
    let reply_to = d.key.reply_address(&d.mailbox_address, conversation_id);
    let display = Some(d.display_name.clone()).filter(|n| !n.is_empty());
    let subject = match &d.subject {
        Subject::Reply(original) => subject::reply(original, conversation_id),
        Subject::New(s) => subject::tagged(s, conversation_id),
    };
    let mut builder = Message::builder()
        .from(named(&d.from, display.clone())?)
        .reply_to(named(&reply_to, display.clone())?)
        .subject(subject.clone())
        .message_id(Some(format!("<{header_id}>")))
        .date_now()
        .user_agent("Fieldesk".to_owned());
    for to in &d.to {
        builder = builder.to(named(to, None)?);
    }
    for cc in &d.cc {
        builder = builder.cc(named(cc, None)?);
    }
    if let Some(parent) = &d.in_reply_to {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !d.references.is_empty() {
        let chain: Vec<String> = d.references.iter().map(|r| format!("<{r}>")).collect();
        builder = builder.references(chain.join(" "));
    }
    let html = outgoing::text_to_html(&d.text);
    let text = MultiPart::alternative_plain_html(d.text.clone(), html.clone());
    let body =
        if d.attachments.is_empty() {
            text
        } else {
            d.attachments
                .iter()
                .try_fold(MultiPart::mixed().multipart(text), |mixed, a| {
                    let kind = ContentType::parse(&a.content_type).map_err(|e| e.to_string())?;
                    Ok::<_, String>(mixed.singlepart(
                        Attachment::new(a.filename.clone()).body(a.bytes.clone(), kind),
                    ))
                })?
        };
    let message = builder.multipart(body).map_err(|e| e.to_string())?;
    Ok(OutMail {
        mailbox_id: d.mailbox_id,
        header_id,
        from: d.from,
        from_name: display,
        to: d.to,
        cc: d.cc,
        subject,
        html: Some(html),
        raw: message.formatted(),
        attachments: d.attachments,
    })
}

impl MailService {
    /// The sender address: `asked` if the mailbox may send as it, else the
    /// first of the mailbox's addresses the customer wrote to, else the
    /// mailbox's own.
    fn from_address(
        mailbox: &Mailbox,
        asked: Option<&str>,
        wrote_to: &[String],
    ) -> MailResult<String> {
        let ours: Vec<String> = mailbox.from_addresses().map(address::normalize).collect();
        if let Some(asked) = asked.filter(|a| !a.trim().is_empty()) {
            let asked = address::normalize(asked);
            return ours.contains(&asked).then_some(asked).ok_or_else(invalid);
        }
        Ok(wrote_to
            .iter()
            .map(|a| address::normalize(a))
            .find(|a| ours.contains(a))
            .unwrap_or_else(|| address::normalize(&mailbox.address)))
    }

    fn agent_message(agent: &User, client_id: &str, text: &str, locale: Locale) -> NewMessage {
        NewMessage {
            client_id: Some(client_id.to_owned()),
            author: Author::Agent {
                user_id: agent.id,
                name: agent.display_name.clone(),
            },
            body: text.to_owned(),
            locale,
            references: vec![],
            ai_generated: false,
            notice: None,
        }
    }

    fn client_key(agent: &User, client_id: &str) -> MailResult<String> {
        let ok = !client_id.is_empty()
            && client_id.len() <= 64
            && client_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        ok.then(|| format!("u{}:{client_id}", agent.id))
            .ok_or(ApiError::new(ErrorCode::BadRequest))
    }

    /// The serving agent's reply in an email conversation, to its contact.
    pub async fn reply(
        &self,
        agent: &User,
        conversation_id: i64,
        body: &ReplyBody,
    ) -> MailResult<ChatMessage> {
        let key = Self::client_key(agent, &body.client_id)?;
        let c = self.chat.readable(agent, conversation_id).await?;
        if c.state.is_over() {
            return Err(ApiError::new(ErrorCode::ConversationClosed));
        }
        if c.state != (HandoffState::Human { agent_id: agent.id }) {
            return Err(ApiError::new(ErrorCode::Forbidden));
        }
        let (Some(mailbox_id), Some(contact)) = (c.mailbox_id, c.contact.as_deref()) else {
            return Err(invalid());
        };
        let mailbox = self.stored(agent.tenant_id, mailbox_id).await?.mailbox;
        let thread = self
            .store
            .mail_thread(agent.tenant_id, conversation_id)
            .await?;
        let checked = outgoing::validate(contact, &body.cc, "-", &body.text)?;
        let from = Self::from_address(&mailbox, body.from.as_deref(), &thread.wrote_to)?;
        let draft = Draft {
            key: self.mail_key(agent.tenant_id).await?,
            mailbox_id,
            mailbox_address: mailbox.address.clone(),
            display_name: mailbox.display_name.clone(),
            from,
            to: checked.to,
            cc: checked.cc,
            subject: Subject::Reply(c.subject.clone().unwrap_or_default()),
            text: checked.text,
            in_reply_to: thread.last_id,
            references: thread.header_ids,
            attachments: attachments(&body.attachments, &mailbox)?,
        };
        self.queue(
            agent,
            OutTarget::Conversation { conversation_id },
            key,
            draft,
            c.locale,
        )
        .await
    }

    /// A new email conversation the agent starts, served by them.
    pub async fn compose(&self, agent: &User, body: &ComposeBody) -> MailResult<ChatMessage> {
        if !agent.role.serves_chat() {
            return Err(ApiError::new(ErrorCode::Forbidden));
        }
        let key = Self::client_key(agent, &body.client_id)?;
        let mailbox = self.stored(agent.tenant_id, body.mailbox_id).await?.mailbox;
        if !mailbox.enabled {
            return Err(invalid());
        }
        let checked = outgoing::validate(&body.to, &body.cc, &body.subject, &body.text)?;
        if checked.subject.is_empty() {
            return Err(invalid());
        }
        let from = Self::from_address(&mailbox, body.from.as_deref(), &[])?;
        let contact = checked.to[0].clone();
        let locale = agent_locale(&checked.text);
        let draft = Draft {
            key: self.mail_key(agent.tenant_id).await?,
            mailbox_id: mailbox.id,
            mailbox_address: mailbox.address.clone(),
            display_name: mailbox.display_name.clone(),
            from,
            to: checked.to,
            cc: checked.cc,
            subject: Subject::New(checked.subject.clone()),
            text: checked.text,
            in_reply_to: None,
            references: vec![],
            attachments: attachments(&body.attachments, &mailbox)?,
        };
        let target = OutTarget::New {
            mailbox_id: mailbox.id,
            contact,
            subject: checked.subject,
            agent_id: agent.id,
            locale,
        };
        self.queue(agent, target, key, draft, locale).await
    }

    async fn queue(
        &self,
        agent: &User,
        target: OutTarget,
        key: String,
        draft: Draft,
        locale: Locale,
    ) -> MailResult<ChatMessage> {
        let client_id = key.split_once(':').map_or("", |(_, c)| c).to_owned();
        let message = Self::agent_message(agent, &client_id, &draft.text, locale);
        let build: MailBuilder = Box::new(move |conversation_id| build(draft, conversation_id));
        let (stored, new) = self
            .store
            .queue_mail(agent.tenant_id, target, key, message, build, now())
            .await?;
        if new {
            self.chat
                .mail_arrived(agent.tenant_id, stored.conversation_id, &stored)
                .await?;
            self.outbox.notify_one();
        }
        Ok(stored)
    }

    /// Sends what is due until `stop`.
    pub async fn run_sender(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.send_due().await {
                tracing::error!(%e, "sending mail");
            }
            if let Err(e) = self.send_due_notices().await {
                tracing::error!(%e, "sending mall mail");
            }
            let next = match (
                self.store.next_due().await,
                self.store.next_notice_due().await,
            ) {
                (Ok(a), Ok(b)) => a.into_iter().chain(b).min(),
                _ => None,
            };
            let wait = next.map_or(60, |at| (at - now()).clamp(0, 60));
            let wait = Duration::from_secs(u64::try_from(wait).unwrap_or(60));
            tokio::select! {
                _ = self.outbox.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
        }
    }

    async fn send_due(&self) -> Result<(), crate::store::StoreError> {
        loop {
            let due = self.store.due_mail(now(), 20).await?;
            if due.is_empty() {
                return Ok(());
            }
            for mail in due {
                let result = self.send_one(&mail).await;
                tracing::info!(message = mail.message_id, ?result, "outgoing mail");
                self.store
                    .record_send(mail.message_id, result.clone(), now())
                    .await?;
                let (status, detail) = match result {
                    SendResult::Sent { answer } => (SendStatus::Sent, answer),
                    SendResult::Retry { error, .. } => (SendStatus::Queued, error),
                    SendResult::Failed { error } => (SendStatus::Failed, error),
                };
                self.chat
                    .mail_status(
                        mail.tenant_id,
                        mail.conversation_id,
                        mail.message_id,
                        status,
                        detail,
                    )
                    .await;
            }
        }
    }

    async fn send_one(&self, mail: &DueMail) -> SendResult {
        self.deliver(
            mail.tenant_id,
            mail.mailbox_id,
            &mail.envelope_from,
            &mail.recipients,
            &mail.raw,
            mail.attempts,
        )
        .await
    }

    /// Sends the mall's queued mail (codes, order updates) that is due.
    async fn send_due_notices(&self) -> Result<(), crate::store::StoreError> {
        loop {
            let due = self.store.due_notices(now(), 20).await?;
            if due.is_empty() {
                return Ok(());
            }
            for n in due {
                let result = self
                    .deliver(
                        n.tenant_id,
                        n.mailbox_id,
                        &n.envelope_from,
                        &n.recipients,
                        &n.raw,
                        n.attempts,
                    )
                    .await;
                tracing::info!(notice = n.id, ?result, "mall mail");
                self.store.record_notice(n.id, result, now()).await?;
            }
        }
    }

    /// Wakes the sender: a mail was queued.
    pub fn wake_sender(&self) {
        self.outbox.notify_one();
    }

    /// Hands one built mail to the mailbox's SMTP server; what to do next
    /// (sent, again later, failed for good) by the answer and `attempts`.
    async fn deliver(
        &self,
        tenant_id: i64,
        mailbox_id: i64,
        envelope_from: &str,
        recipients: &[String],
        raw: &[u8],
        attempts: u32,
    ) -> SendResult {
        let retry_or_fail = |error: String| {
            if attempts + 1 >= MAX_ATTEMPTS {
                SendResult::Failed { error }
            } else {
                SendResult::Retry {
                    error,
                    next_at: now() + backoff(attempts),
                }
            }
        };
        let stored = match self.store.mailbox(tenant_id, mailbox_id).await {
            Ok(Some(m)) => m,
            Ok(None) => {
                return SendResult::Failed {
                    error: "the mailbox was deleted".into(),
                };
            }
            Err(e) => return retry_or_fail(e.to_string()),
        };
        let Some(password) = self
            .secrets
            .open(&stored.smtp_password)
            .ok()
            .and_then(|p| String::from_utf8(p).ok())
        else {
            return SendResult::Failed {
                error: "the SMTP password does not open with the server key".into(),
            };
        };
        let smtp = &stored.mailbox.smtp;
        let addrs = match probe::resolve(&self.outbound, smtp).await {
            Ok(a) => a,
            Err(f) => return retry_or_fail(f.detail),
        };
        let transport = match probe::smtp_transport(smtp, addrs[0], &password) {
            Ok(t) => t,
            Err(f) => return SendResult::Failed { error: f.detail },
        };
        let parse = |a: &str| a.parse::<lettre::Address>().ok();
        let recipients: Vec<lettre::Address> = recipients.iter().filter_map(|r| parse(r)).collect();
        let Ok(envelope) = Envelope::new(parse(envelope_from), recipients) else {
            return SendResult::Failed {
                error: "no valid sender or recipient".into(),
            };
        };
        match transport.send_raw(&envelope, raw).await {
            Ok(response) => SendResult::Sent {
                answer: format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                ),
            },
            Err(e) if e.is_permanent() => SendResult::Failed {
                error: e.to_string(),
            },
            Err(e) => retry_or_fail(e.to_string()),
        }
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): the transcript is sent by
/// the service, so mail robots do not answer it.
#[derive(Clone)]
pub(crate) struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// A new conversation's language, from what the agent wrote.
fn agent_locale(text: &str) -> Locale {
    if text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        Locale::ZhCn
    } else {
        Locale::En
    }
}
