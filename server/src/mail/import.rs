//! Importing one received mail: read it, decide its conversation with
//! `core::email::threading`, keep it in one store write, tell the staff.

use fieldesk_core::Locale;
use fieldesk_core::email::address;
use fieldesk_core::email::auto::Origin;
use fieldesk_core::email::mailbox::Mailbox;
use fieldesk_core::email::quarantine::{QuarantineReason, Unreadable};
use fieldesk_core::email::threading::{self, Threading, clean_id};
use fieldesk_core::email::token::MailKey;

use super::parse::{self, ParsedMail};
use super::{MailResult, MailService};
use crate::clock::now;
use crate::store::inbox::{
    Import, ImportContent, Imported, MailAttachment, MailPosition, NewMail, Placement, RawMail,
};

/// Where a mail came from in its mailbox.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    pub tenant_id: i64,
    pub mailbox: &'a Mailbox,
    pub folder: &'a str,
    /// The position once this mail is kept (its UID).
    pub position: MailPosition,
}

/// Whether `candidate` is one of the mailbox's own addresses (the
/// mailbox, its aliases, and their `+token` forms).
fn is_ours(mailbox: &Mailbox, candidate: &str) -> bool {
    let candidate = address::normalize(candidate);
    mailbox.from_addresses().any(|own| {
        let own = address::normalize(own);
        if own == candidate {
            return true;
        }
        let (Some((own_local, own_domain)), Some((local, domain))) =
            (own.split_once('@'), candidate.split_once('@'))
        else {
            return false;
        };
        own_domain == domain && local.starts_with(&format!("{own_local}+"))
    })
}

/// The language a new conversation is in: Chinese text is, else English.
fn guess_locale(mail: &ParsedMail) -> Locale {
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if cjk(&mail.subject) || cjk(&mail.text) {
        Locale::ZhCn
    } else {
        Locale::En
    }
}

impl MailService {
    /// What becomes of a readable mail: its conversation by threading,
    /// the thread's addresses, the mail's parts.
    pub(super) async fn content(
        &self,
        source: &Source<'_>,
        mut parsed: ParsedMail,
        too_large: Option<u64>,
    ) -> MailResult<ImportContent> {
        let key: MailKey = self.mail_key(source.tenant_id).await?;
        // A bounce threads by the mail of ours it reports on.
        if let Some(bounced) = &parsed.bounce_of {
            parsed.in_reply_to.insert(0, bounced.clone());
        }
        let incoming = parsed.incoming();
        let lookups = threading::lookups(&incoming, &key);
        let known = self.store.known_threads(source.tenant_id, lookups).await?;
        let decision = threading::decide(&incoming, &known, &key);
        tracing::debug!(mailbox = source.mailbox.id, ?decision, "threading");
        let placement = match decision {
            Threading::Join {
                conversation_id, ..
            } => Placement::Join { conversation_id },
            Threading::New { linked_to, .. } => Placement::New {
                linked_to,
                group_id: source.mailbox.group_ids.first().copied(),
                locale: guess_locale(&parsed),
                // Mail nobody wrote starts nothing: kept, closed.
                open: parsed.origin == Origin::Person,
            },
        };
        let mut participants: Vec<String> = Vec::new();
        for a in std::iter::once(&parsed.from)
            .chain(&parsed.to)
            .chain(&parsed.cc)
        {
            if !is_ours(source.mailbox, a) && !participants.contains(a) {
                participants.push(a.clone());
            }
        }
        let mail = NewMail {
            header_id: parsed.message_id.clone(),
            from: parsed.from,
            from_name: parsed.from_name,
            to: parsed.to,
            cc: parsed.cc,
            subject: parsed.subject,
            text: parsed.text,
            html: parsed.html,
            origin: parsed.origin,
            too_large,
            attachments: parsed
                .attachments
                .into_iter()
                .map(|a| MailAttachment {
                    filename: a.filename,
                    content_type: a.content_type,
                    content_id: a.content_id,
                    sha256: a.sha256,
                    bytes: a.bytes,
                })
                .collect(),
        };
        Ok(ImportContent::Mail {
            mail: Box::new(mail),
            placement,
            participants,
        })
    }

    async fn keep(
        &self,
        source: &Source<'_>,
        raw: RawMail,
        content: ImportContent,
    ) -> MailResult<Imported> {
        let imported = self
            .store
            .import_mail(
                source.tenant_id,
                Import {
                    mailbox_id: source.mailbox.id,
                    folder: source.folder.to_owned(),
                    position: source.position,
                    raw,
                    content,
                    at: now(),
                },
            )
            .await?;
        self.tell(source.tenant_id, &imported).await;
        Ok(imported)
    }

    /// Tells the staff who may see it (as a chat message is told).
    pub(super) async fn tell(&self, tenant_id: i64, imported: &Imported) {
        if let Imported::Added {
            conversation_id,
            message,
            ..
        } = imported
            && let Err(e) = self
                .chat
                .mail_arrived(tenant_id, *conversation_id, message)
                .await
        {
            tracing::error!(%e, "telling the staff of a mail");
        }
    }

    /// Imports a whole raw mail (stored once per mailbox whatever
    /// happens; unreadable mail goes to the quarantine).
    /// A bounce fails the mail of ours it reports on, for the agent to see.
    async fn bounced(&self, tenant_id: i64, parsed: &ParsedMail) -> MailResult<()> {
        let (Origin::Bounce, Some(ours)) = (parsed.origin, &parsed.bounce_of) else {
            return Ok(());
        };
        let detail = parsed
            .text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("bounced")
            .chars()
            .take(300)
            .collect::<String>();
        if let Some((conversation_id, message_id)) =
            self.store.mark_bounced(tenant_id, ours, &detail).await?
        {
            self.chat
                .mail_status(
                    tenant_id,
                    conversation_id,
                    message_id,
                    fieldesk_core::email::outgoing::SendStatus::Failed,
                    detail,
                )
                .await;
        }
        Ok(())
    }

    pub async fn import_raw(&self, source: &Source<'_>, bytes: Vec<u8>) -> MailResult<Imported> {
        let limit = usize::try_from(source.mailbox.max_message_bytes).unwrap_or(usize::MAX);
        let parsed = parse::parse(&bytes, limit);
        let sha256 = parse::sha256(&bytes);
        let dedup_key = match &parsed {
            Ok(p) => p.message_id.clone(),
            Err(_) => None,
        }
        .unwrap_or_else(|| format!("sha256:{sha256}"));
        let content = match parsed {
            Ok(p) => {
                self.bounced(source.tenant_id, &p).await?;
                self.content(source, p, None).await?
            }
            Err(e) => ImportContent::Quarantine(e.unreadable(&bytes)),
        };
        let raw = RawMail {
            dedup_key,
            sha256,
            size: bytes.len() as u64,
            bytes: Some(bytes),
        };
        self.keep(source, raw, content).await
    }

    /// Sets aside a mail the IMAP server failed to hand over, session
    /// after session: admins see it in the quarantine with the server's
    /// error, and reading goes on after it.
    pub async fn import_unfetchable(
        &self,
        source: &Source<'_>,
        size: u64,
        error: &str,
    ) -> MailResult<Imported> {
        let key = format!(
            "uid:{}:{}",
            source.position.uid_validity, source.position.last_uid
        );
        let raw = RawMail {
            sha256: parse::sha256(key.as_bytes()),
            dedup_key: key,
            size,
            bytes: None,
        };
        let content = ImportContent::Quarantine(Unreadable {
            reason: QuarantineReason::NotHandedOver,
            error: format!(
                "the mail server did not hand this mail over (UID {}, {size} bytes) in {} tries: {error}",
                source.position.last_uid,
                super::receive::MAX_FETCH_TRIES
            ),
            from: None,
            subject: None,
        });
        self.keep(source, raw, content).await
    }

    /// Imports a mail over the mailbox's limit from its headers only: a
    /// visible "too large" item in its conversation, never a retry.
    pub async fn import_too_large(
        &self,
        source: &Source<'_>,
        size: u64,
        header: Vec<u8>,
    ) -> MailResult<Imported> {
        let sha256 = parse::sha256(&header);
        let parsed = parse::parse(&header, 0);
        let dedup_key = parsed
            .as_ref()
            .ok()
            .and_then(|p| p.message_id.clone())
            .map(|id| clean_id(&id))
            .unwrap_or_else(|| format!("sha256:{sha256}"));
        let content = match parsed {
            Ok(mut p) => {
                p.text = String::new();
                p.html = None;
                self.content(source, p, Some(size)).await?
            }
            Err(e) => ImportContent::Quarantine(Unreadable {
                reason: QuarantineReason::TooLarge,
                error: format!("{e} (too large to import: {size} bytes)"),
                ..e.unreadable(&header)
            }),
        };
        let raw = RawMail {
            dedup_key,
            sha256,
            size,
            bytes: None,
        };
        self.keep(source, raw, content).await
    }
}
