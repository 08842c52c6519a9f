//! The email channel's service: it owns the use cases of service
//! mailboxes (set up, change, delete, test the connection). Routes only
//! extract, check the role and call. Passwords are sealed with the server
//! key before the store sees them and opened only to connect; no answer
//! carries one.

pub mod imap;
mod probe;

use probe::IntoCheck;

use std::sync::Arc;

use fieldesk_core::email::mailbox::{ConnectionCheck, Mailbox, MailboxBody, validate};
use fieldesk_core::i18n::Catalog;
use fieldesk_core::security::SecurityEventKind;
use fieldesk_core::{ErrorCode, Locale};

use crate::clock::now;
use crate::error::ApiError;
use crate::outbound::Outbound;
use crate::secret_box::SecretBox;
use crate::security::SecurityService;
use crate::store::mail::StoredMailbox;
use crate::store::{Store, User};

pub type MailResult<T> = Result<T, ApiError>;

pub struct MailService {
    store: Arc<dyn Store>,
    secrets: Arc<SecretBox>,
    catalog: Arc<Catalog>,
    security: Arc<SecurityService>,
    outbound: Outbound,
}

impl MailService {
    pub fn new(
        store: Arc<dyn Store>,
        secrets: Arc<SecretBox>,
        catalog: Arc<Catalog>,
        security: Arc<SecurityService>,
        outbound: Outbound,
    ) -> Self {
        MailService {
            store,
            secrets,
            catalog,
            security,
            outbound,
        }
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
