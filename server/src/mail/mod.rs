//! The email channel's service: it owns the use cases of service
//! mailboxes (set up, change, delete, test the connection). Routes only
//! extract, check the role and call. Passwords are sealed with the server
//! key before the store sees them and opened only to connect; no answer
//! carries one.

pub mod imap;
mod import;
mod notice;
pub mod parse;
mod probe;
pub mod receive;
pub mod send;
mod transcript;

pub use notice::Notice;

use probe::IntoCheck;

use std::collections::HashMap;
use std::sync::Arc;

use fieldesk_core::email::html::{self, MailHtml};
use fieldesk_core::email::mailbox::{ConnectionCheck, Mailbox, MailboxBody, validate};
use fieldesk_core::email::part::{MailPart, Sender};
use fieldesk_core::email::quarantine::{QuarantinedMail, RetryOutcome};
use fieldesk_core::email::token::MailKey;
use fieldesk_core::i18n::Catalog;
use fieldesk_core::security::SecurityEventKind;
use fieldesk_core::{ErrorCode, Locale};

use crate::chat::ChatService;
use crate::clock::now;
use crate::error::ApiError;
use crate::outbound::Outbound;
use crate::secret_box::SecretBox;
use crate::security::SecurityService;
use crate::store::inbox::{ImportContent, Imported};
use crate::store::mail::StoredMailbox;
use crate::store::{Store, User};

pub type MailResult<T> = Result<T, ApiError>;

/// The bytes of `cid:` images one mail's HTML inlines, at most.
pub const INLINE_IMAGES_MAX: u64 = 8 * 1024 * 1024;

pub struct MailService {
    store: Arc<dyn Store>,
    secrets: Arc<SecretBox>,
    catalog: Arc<Catalog>,
    security: Arc<SecurityService>,
    outbound: Outbound,
    /// Received mail is told to the staff as chat messages are.
    chat: Arc<ChatService>,
    /// Each tenant's key for reply tokens and Message-IDs, once opened.
    keys: std::sync::Mutex<HashMap<i64, MailKey>>,
    /// Signalled when a mailbox is set up, changed or deleted.
    changed: tokio::sync::Notify,
    receivers: receive::Receivers,
    /// Signalled when a mail is queued.
    outbox: tokio::sync::Notify,
}

/// What a service mailbox needs besides the store.
pub struct MailParts {
    pub secrets: Arc<SecretBox>,
    pub catalog: Arc<Catalog>,
    pub security: Arc<SecurityService>,
    pub outbound: Outbound,
    pub chat: Arc<ChatService>,
}

impl MailService {
    pub fn new(store: Arc<dyn Store>, parts: MailParts) -> Self {
        MailService {
            store,
            secrets: parts.secrets,
            catalog: parts.catalog,
            security: parts.security,
            outbound: parts.outbound,
            chat: parts.chat,
            keys: Default::default(),
            changed: tokio::sync::Notify::new(),
            receivers: Default::default(),
            outbox: tokio::sync::Notify::new(),
        }
    }

    /// The tenant's mail key, made (random, sealed) on first use.
    pub async fn mail_key(&self, tenant_id: i64) -> MailResult<MailKey> {
        if let Some(key) = self.keys.lock().expect("mail keys").get(&tenant_id) {
            return Ok(key.clone());
        }
        let fresh = self.secrets.seal(&crate::auth::random_bytes::<32>());
        let sealed = self.store.mail_key(tenant_id, fresh, now()).await?;
        let secret = self.secrets.open(&sealed).map_err(|e| {
            tracing::error!(%e, tenant_id, "the mail key does not open");
            ApiError::new(ErrorCode::Internal)
        })?;
        let key = MailKey::new(&secret);
        self.keys
            .lock()
            .expect("mail keys")
            .insert(tenant_id, key.clone());
        Ok(key)
    }

    pub async fn mailboxes(&self, tenant_id: i64) -> MailResult<Vec<Mailbox>> {
        Ok(self
            .store
            .mailboxes(tenant_id)
            .await?
            .into_iter()
            .map(|m| m.mailbox)
            .collect())
    }

    async fn stored(&self, tenant_id: i64, id: i64) -> MailResult<StoredMailbox> {
        self.store
            .mailbox(tenant_id, id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))
    }

    pub async fn mailbox(&self, tenant_id: i64, id: i64) -> MailResult<Mailbox> {
        Ok(self.stored(tenant_id, id).await?.mailbox)
    }

    /// Validates, checks the groups are the tenant's, seals the passwords.
    async fn prepare(
        &self,
        tenant_id: i64,
        body: &MailboxBody,
        creating: bool,
    ) -> MailResult<MailboxBody> {
        let mut body = validate(body, creating)?;
        let groups = self.store.groups(tenant_id).await?;
        if body
            .group_ids
            .iter()
            .any(|id| !groups.iter().any(|g| g.id == *id))
        {
            return Err(ApiError::new(ErrorCode::InvalidMailbox));
        }
        let seal = |p: &Option<String>| p.as_ref().map(|p| self.secrets.seal(p.as_bytes()));
        body.smtp_password = seal(&body.smtp_password);
        body.imap_password = seal(&body.imap_password);
        Ok(body)
    }

    /// Sets up a mailbox (both passwords needed); 409 if the tenant has
    /// the address already.
    pub async fn create(
        &self,
        admin: &User,
        body: &MailboxBody,
        client: &str,
    ) -> MailResult<Mailbox> {
        let body = self.prepare(admin.tenant_id, body, true).await?;
        let saved = self
            .store
            .save_mailbox(admin.tenant_id, None, body, now())
            .await?;
        self.log(
            admin,
            client,
            format!("mailbox {} set up", saved.mailbox.address),
        )
        .await;
        self.changed.notify_one();
        Ok(saved.mailbox)
    }

    /// Changes a mailbox; a password left out stays as it was.
    pub async fn update(
        &self,
        admin: &User,
        id: i64,
        body: &MailboxBody,
        client: &str,
    ) -> MailResult<Mailbox> {
        let body = self.prepare(admin.tenant_id, body, false).await?;
        let saved = self
            .store
            .save_mailbox(admin.tenant_id, Some(id), body, now())
            .await?;
        self.log(
            admin,
            client,
            format!("mailbox {} changed", saved.mailbox.address),
        )
        .await;
        self.changed.notify_one();
        // Mail waiting for this mailbox's server is tried again at once.
        self.store.wake_outbox(saved.mailbox.id, now()).await?;
        self.outbox.notify_one();
        Ok(saved.mailbox)
    }

    /// Deletes a mailbox; the mail it received stays.
    pub async fn delete(&self, admin: &User, id: i64, client: &str) -> MailResult<()> {
        let gone = self.stored(admin.tenant_id, id).await?;
        self.store
            .delete_mailbox(admin.tenant_id, id, now())
            .await?;
        self.log(
            admin,
            client,
            format!("mailbox {} deleted", gone.mailbox.address),
        )
        .await;
        self.changed.notify_one();
        Ok(())
    }

    /// Connects to both servers with `body`'s settings, each on its own.
    /// With `id`, a password left out is the saved mailbox's.
    pub async fn test_connection(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        body: &MailboxBody,
        locale: Locale,
    ) -> MailResult<ConnectionCheck> {
        let body = validate(body, id.is_none())?;
        let saved = match id {
            Some(id) => Some(self.stored(tenant_id, id).await?),
            None => None,
        };
        let password = |given: &Option<String>, sealed: Option<&String>| -> MailResult<String> {
            match (given, sealed) {
                (Some(p), _) => Ok(p.clone()),
                (None, Some(sealed)) => {
                    let plain = self.secrets.open(sealed).map_err(|e| {
                        tracing::error!(%e, "a mailbox password does not open");
                        ApiError::new(ErrorCode::Internal)
                    })?;
                    String::from_utf8(plain).map_err(|_| ApiError::new(ErrorCode::Internal))
                }
                (None, None) => Err(ApiError::new(ErrorCode::InvalidMailbox)),
            }
        };
        let smtp_password = password(
            &body.smtp_password,
            saved.as_ref().map(|s| &s.smtp_password),
        )?;
        let imap_password = password(
            &body.imap_password,
            saved.as_ref().map(|s| &s.imap_password),
        )?;
        let smtp = async {
            let addrs = probe::resolve(&self.outbound, &body.smtp).await?;
            probe::smtp(&body.smtp, &addrs, &smtp_password).await
        };
        let imap = async {
            let addrs = probe::resolve(&self.outbound, &body.imap).await?;
            probe::imap(&body.imap, &addrs, &imap_password, &body.imap_folder).await
        };
        let (smtp, imap) = tokio::join!(smtp, imap);
        let localize = |r: probe::Outcome| r.into_check(&self.catalog, locale);
        Ok(ConnectionCheck {
            smtp: localize(smtp),
            imap: localize(imap),
        })
    }

    /// The enabled mailboxes an agent may send from, with their addresses.
    pub async fn senders(&self, tenant_id: i64) -> MailResult<Vec<Sender>> {
        Ok(self
            .store
            .mailboxes(tenant_id)
            .await?
            .into_iter()
            .filter(|m| m.mailbox.enabled)
            .map(|m| Sender {
                mailbox_id: m.mailbox.id,
                display_name: m.mailbox.display_name.clone(),
                addresses: m.mailbox.from_addresses().map(str::to_owned).collect(),
            })
            .collect())
    }

    /// The mails of an email conversation the user may read.
    pub async fn parts(&self, user: &User, conversation_id: i64) -> MailResult<Vec<MailPart>> {
        self.chat.readable(user, conversation_id).await?;
        Ok(self
            .store
            .mail_parts(user.tenant_id, conversation_id)
            .await?)
    }

    /// A mail's sanitized HTML (for a sandboxed frame), its `cid:` images
    /// inline from the stored attachments (up to [`INLINE_IMAGES_MAX`]
    /// bytes in all) and its remote images counted, not loaded.
    pub async fn html(
        &self,
        user: &User,
        conversation_id: i64,
        message_id: i64,
    ) -> MailResult<MailHtml> {
        self.chat.readable(user, conversation_id).await?;
        let tenant_id = user.tenant_id;
        let html = self
            .store
            .mail_html(tenant_id, conversation_id, message_id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))?;
        let inline: Vec<_> = self
            .store
            .mail_parts(tenant_id, conversation_id)
            .await?
            .into_iter()
            .filter(|p| p.message_id == message_id)
            .flat_map(|p| p.attachments)
            .filter(|a| a.content_id.is_some() && a.content_type.starts_with("image/"))
            .collect();
        let mut images = HashMap::new();
        let mut budget = INLINE_IMAGES_MAX;
        for a in inline {
            if a.size > budget {
                continue;
            }
            let Some((_, content_type, bytes)) = self
                .store
                .mail_attachment(tenant_id, conversation_id, message_id, &a.sha256)
                .await?
            else {
                continue;
            };
            if let Some(uri) = html::data_uri(&content_type, &bytes) {
                budget -= a.size;
                let cid = a.content_id.unwrap_or_default();
                images.insert(cid.trim_matches(['<', '>']).to_owned(), uri);
            }
        }
        let html = html::with_cid_images(&html, |cid| images.get(cid).cloned());
        let remote_images = html::remote_images(&html).len() as u32;
        Ok(MailHtml {
            html,
            remote_images,
        })
    }

    /// An attachment: name, type and bytes.
    pub async fn attachment(
        &self,
        user: &User,
        conversation_id: i64,
        message_id: i64,
        sha256: &str,
    ) -> MailResult<(String, String, Vec<u8>)> {
        self.chat.readable(user, conversation_id).await?;
        self.store
            .mail_attachment(user.tenant_id, conversation_id, message_id, sha256)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))
    }

    /// The tenant's mail that could not be read, oldest first.
    pub async fn quarantine(&self, tenant_id: i64) -> MailResult<Vec<QuarantinedMail>> {
        Ok(self.store.quarantine(tenant_id).await?)
    }

    /// Reads a quarantined mail again (after a fix): imported into its
    /// conversation and out of the quarantine, or kept there with the new
    /// reason.
    pub async fn retry(&self, tenant_id: i64, id: i64) -> MailResult<RetryOutcome> {
        let (mailbox_id, bytes) = self
            .store
            .quarantined_raw(tenant_id, id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))?;
        if bytes.is_empty() {
            // Nothing of it was kept (the IMAP server never handed it over,
            // or only its unreadable head of a too-large mail was read):
            // reading again cannot change it, so it stays as it was.
            let held = self
                .store
                .quarantine(tenant_id)
                .await?
                .into_iter()
                .find(|q| q.id == id)
                .ok_or(ApiError::new(ErrorCode::NotFound))?;
            return Ok(RetryOutcome {
                conversation_id: None,
                reason: Some(held.reason),
                error: Some(held.error),
            });
        }
        let mailbox = self.stored(tenant_id, mailbox_id).await?.mailbox;
        let source = import::Source {
            tenant_id,
            mailbox: &mailbox,
            folder: &mailbox.imap_folder,
            position: Default::default(),
        };
        let limit = usize::try_from(mailbox.max_message_bytes).unwrap_or(usize::MAX);
        let content = match parse::parse(&bytes, limit) {
            Ok(parsed) => self.content(&source, parsed, None).await?,
            Err(e) => ImportContent::Quarantine(e.unreadable(&bytes)),
        };
        let still = match &content {
            ImportContent::Quarantine(u) => Some((u.reason, u.error.clone())),
            ImportContent::Mail { .. } => None,
        };
        let imported = self
            .store
            .retry_quarantined(tenant_id, id, content, now())
            .await?;
        self.tell(tenant_id, &imported).await;
        Ok(RetryOutcome {
            conversation_id: match imported {
                Imported::Added {
                    conversation_id, ..
                } => Some(conversation_id),
                _ => None,
            },
            reason: still.as_ref().map(|(r, _)| *r),
            error: still.map(|(_, e)| e),
        })
    }

    async fn log(&self, admin: &User, client: &str, what: String) {
        self.security
            .record(
                admin.tenant_id,
                SecurityEventKind::SettingsChanged,
                &admin.username,
                client,
                what,
            )
            .await;
    }
}
