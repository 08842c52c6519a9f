//! Mail the service sends on its own behalf outside any conversation —
//! the parts mall's sign-up codes and order updates: built here, queued
//! once per key in the mall's mail queue, sent by the outbox sender.

use fieldesk_core::ErrorCode;
use fieldesk_core::email::{address, outgoing};
use lettre::Message;
use lettre::message::MultiPart;

use super::send::{AutoSubmitted, named, unique};
use super::{MailResult, MailService};
use crate::clock::now;
use crate::error::ApiError;
use crate::store::mall::OutNotice;

/// A mail to one person.
pub struct Notice<'a> {
    /// Queued once per key.
    pub key: String,
    pub to: &'a str,
    pub subject: String,
    pub text: String,
}

impl MailService {
    /// Queues `notice` from the tenant's mailbox `mailbox_id` (it must be
    /// enabled); false when its key was queued before.
    pub async fn queue_notice(
        &self,
        tenant_id: i64,
        mailbox_id: i64,
        notice: Notice<'_>,
    ) -> MailResult<bool> {
        let unavailable = || ApiError::new(ErrorCode::MallMailUnavailable);
        let mailbox = self
            .store
            .mailbox(tenant_id, mailbox_id)
            .await?
            .map(|m| m.mailbox)
            .filter(|m| m.enabled)
            .ok_or_else(unavailable)?;
        let from = address::normalize(&mailbox.address);
        let to = address::normalize(notice.to);
        let display = Some(mailbox.display_name.clone()).filter(|n| !n.trim().is_empty());
        let html = outgoing::text_to_html(&notice.text);
        let header_id = format!("notice.{}@{}", unique(), address::domain(&from));
        let built = (|| -> Result<Message, String> {
            Message::builder()
                .from(named(&from, display)?)
                .to(named(&to, None)?)
                .subject(notice.subject)
                .message_id(Some(format!("<{header_id}>")))
                .date_now()
                .user_agent("Fieldesk".to_owned())
                .header(AutoSubmitted)
                .multipart(MultiPart::alternative_plain_html(notice.text, html))
                .map_err(|e| e.to_string())
        })()
        .map_err(|e| {
            tracing::warn!(%e, "a notice could not be built");
            ApiError::new(ErrorCode::InvalidEmail)
        })?;
        let new = self
            .store
            .queue_notice(
                tenant_id,
                OutNotice {
                    mailbox_id,
                    client_key: notice.key,
                    envelope_from: from,
                    recipients: vec![to],
                    raw: built.formatted(),
                },
                now(),
            )
            .await?;
        if new {
            self.wake_sender();
        }
        Ok(new)
    }
}
