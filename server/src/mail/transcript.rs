//! A chat's transcript by email: the visitor asks in the window, the
//! conversation so far is mailed from the tenant's transcript mailbox
//! through the outbox (queued with the chat's notice in one transaction,
//! once per client id, retried like every outgoing mail).
//!
//! The mail carries no reply token, ticket tag or Message-ID of ours
//! ([`fieldesk_core::transcript`]): a reply starts a new email
//! conversation and never joins the chat.

use fieldesk_core::ErrorCode;
use fieldesk_core::Locale;
use fieldesk_core::chat::{Author, ChatMessage, MessagePage, Notice, RESUME_PAGE};
use fieldesk_core::email::{address, outgoing};
use fieldesk_core::i18n::FluentArgs;
use fieldesk_core::transcript::{self, Labels};
use lettre::Message;
use lettre::message::MultiPart;

use super::send::{AutoSubmitted, named, unique};
use super::{MailResult, MailService};
use crate::chat::VisitorSession;
use crate::clock::now;
use crate::error::ApiError;
use crate::store::StoreError;
use crate::store::chat::NewMessage;
use crate::store::outbox::{MailBuilder, OutMail, OutTarget};

/// What the transcript mail is made of.
struct TranscriptMail {
    mailbox_id: i64,
    from: String,
    display_name: String,
    to: String,
    subject: String,
    text: String,
}

fn build(m: TranscriptMail) -> Result<OutMail, String> {
    // Not one of ours (no MAC): replies do not thread into the chat.
    let header_id = format!("transcript.{}@{}", unique(), address::domain(&m.from));
    let display = Some(m.display_name.clone()).filter(|n| !n.is_empty());
    let from = named(&m.from, display.clone())?;
    let to = named(&m.to, None)?;
    let html = outgoing::text_to_html(&m.text);
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(format!("<{header_id}>")))
        .date_now()
        .user_agent("Fieldesk".to_owned())
        .header(AutoSubmitted)
        .multipart(MultiPart::alternative_plain_html(m.text, html.clone()))
        .map_err(|e| e.to_string())?;
    Ok(OutMail {
        mailbox_id: m.mailbox_id,
        header_id,
        from: m.from,
        from_name: display,
        to: vec![m.to],
        cc: vec![],
        subject: m.subject,
        html: Some(html),
        raw: message.formatted(),
        attachments: vec![],
    })
}

impl MailService {
    fn text(&self, locale: Locale, key: &str, args: &[(&str, String)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, value.clone());
        }
        self.catalog.message_args(locale, key, Some(&fluent))
    }

    /// Mails the visitor's conversation so far to `to` (at most
    /// [`transcript::MAX_PER_CONVERSATION`] times; the same `client_id`
    /// again answers the first). The chat gets a notice that says where
    /// it went.
    pub async fn transcript(
        &self,
        session: &VisitorSession,
        client_id: &str,
        to: &str,
    ) -> MailResult<ChatMessage> {
        fieldesk_core::chat::validate_client_id(client_id)?;
        let tenant_id = session.tenant_id;
        let conversation_id = session
            .conversation_id
            .ok_or(ApiError::new(ErrorCode::NotFound))?;
        let settings = self.store.chat_settings(tenant_id).await?;
        let mailbox = match settings.transcript_mailbox_id {
            Some(id) => self.store.mailbox(tenant_id, id).await?,
            None => None,
        }
        .map(|m| m.mailbox)
        .filter(|m| m.enabled)
        .ok_or(ApiError::new(ErrorCode::TranscriptUnavailable))?;
        let to = transcript::check(to)?;
        let locale = session.locale;
        let tenant = self
            .store
            .tenant(tenant_id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))?;
        let mut messages = Vec::new();
        loop {
            let after = messages.last().map_or(0, |m: &ChatMessage| m.id);
            let page = self
                .store
                .messages(
                    tenant_id,
                    conversation_id,
                    MessagePage::After(after),
                    RESUME_PAGE,
                )
                .await?;
            if page.is_empty() {
                break;
            }
            messages.extend(page);
        }
        // Earlier transcripts' notices are not part of the conversation.
        messages.retain(|m| m.notice != Some(Notice::TranscriptSent));
        let offset = settings
            .business_hours
            .as_ref()
            .map_or(0, |h| h.utc_offset_minutes);
        let labels = Labels {
            visitor: self.catalog.message(locale, "transcript-you"),
            bot: self.catalog.message(locale, "transcript-ai"),
            utc_offset_minutes: offset,
        };
        let name = Some(mailbox.display_name.clone())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(tenant.name);
        let text = format!(
            "{}\n\n{}\n-- \n{}\n",
            self.text(
                locale,
                "transcript-intro",
                &[("name", name.clone()), ("zone", transcript::zone(offset))]
            ),
            transcript::render(&messages, &labels),
            self.catalog.message(locale, "transcript-footer"),
        );
        let mail = TranscriptMail {
            mailbox_id: mailbox.id,
            from: address::normalize(&mailbox.address),
            display_name: mailbox.display_name.clone(),
            to: to.clone(),
            subject: self.text(locale, "transcript-subject", &[("name", name)]),
            text,
        };
        let notice = NewMessage {
            client_id: Some(client_id.to_owned()),
            author: Author::System,
            body: self.text(locale, "chat-transcript-sent", &[("address", to)]),
            locale,
            references: vec![],
            ai_generated: false,
            notice: Some(Notice::TranscriptSent),
        };
        let build: MailBuilder = Box::new(move |_| build(mail));
        let (stored, new) = self
            .store
            .queue_mail(
                tenant_id,
                OutTarget::Transcript {
                    conversation_id,
                    max: transcript::MAX_PER_CONVERSATION,
                },
                format!("t{conversation_id}:{client_id}"),
                notice,
                build,
                now(),
            )
            .await
            .map_err(|e| match e {
                // Past the limit: a retry of one queued answers the first.
                StoreError::Conflict(_) => ApiError::new(ErrorCode::TranscriptLimit),
                e => e.into(),
            })?;
        if new {
            self.chat
                .mail_arrived(tenant_id, conversation_id, &stored)
                .await?;
            self.outbox.notify_one();
        }
        Ok(stored)
    }
}
