//! Verified visitor identity: the tenant's identity secret (made and
//! sealed here, shown once), the embedding site's signature checked at
//! resume ([`fieldesk_core::identity`] decides), an agent's explicit link,
//! and the sidebar's customer context, which only a linked visitor has.

use std::net::IpAddr;

use fieldesk_core::ErrorCode;
use fieldesk_core::identity::{
    CustomerLink, IdentitySecret, IdentityStatus, SignedIdentity, Verification, valid_name, verify,
};
use fieldesk_core::security::SecurityEventKind;
use fieldesk_core::work_order::RelatedWorkOrder;

use super::{ChatResult, ChatService, fail};
use crate::clock::now;
use crate::store::User;

/// Work orders the sidebar lists.
const RELATED_LIMIT: usize = 20;

/// How a presented identity fared.
pub(super) enum Presented {
    None,
    Verified(CustomerLink),
    Rejected,
}

impl ChatService {
    pub async fn identity_status(&self, tenant_id: i64) -> ChatResult<IdentityStatus> {
        let secret = self.store.identity_secret(tenant_id).await?;
        Ok(IdentityStatus {
            enabled: secret.is_some(),
            created_at: secret.map(|(_, at)| at),
        })
    }

    /// Makes a new identity secret (the old one stops verifying) and
    /// returns it this once.
    pub async fn new_identity_secret(
        &self,
        admin: &User,
        client: &str,
    ) -> ChatResult<IdentitySecret> {
        // 32 random bytes, as a sign-in token is made.
        let (secret, _) = crate::auth::new_token();
        let at = now();
        let sealed = self.secrets.seal(secret.as_bytes());
        self.store
            .set_identity_secret(admin.tenant_id, Some(sealed), at)
            .await?;
        self.log_setting(admin, client, "new chat identity secret")
            .await;
        Ok(IdentitySecret {
            secret,
            created_at: at,
        })
    }

    /// Stops verifying identities; linked visitors stay linked.
    pub async fn remove_identity_secret(&self, admin: &User, client: &str) -> ChatResult<()> {
        self.store
            .set_identity_secret(admin.tenant_id, None, now())
            .await?;
        self.log_setting(admin, client, "chat identity verification off")
            .await;
        Ok(())
    }

    async fn log_setting(&self, admin: &User, client: &str, what: &str) {
        let kind = SecurityEventKind::SettingsChanged;
        self.security
            .record(admin.tenant_id, kind, &admin.username, client, what)
            .await;
    }

    /// Checks what the chat window presents against the tenant's secret;
    /// a rejection is logged for the admins (a forged or stale hash, or a
    /// site that signs without a secret set up), at most 5 from one
    /// address, then one a minute.
    pub(super) async fn presented(
        &self,
        tenant_id: i64,
        identity: Option<&SignedIdentity>,
        client: IpAddr,
    ) -> ChatResult<Presented> {
        let Some(identity) = identity else {
            return Ok(Presented::None);
        };
        let secret = match self.store.identity_secret(tenant_id).await? {
            Some((sealed, _)) => self.secrets.open(&sealed).ok(),
            None => None,
        };
        let checked = match &secret {
            Some(secret) => verify(secret, identity).map_err(|e| e.to_string()),
            None => Err("no identity secret is set up".to_owned()),
        };
        match checked {
            Ok(link) => Ok(Presented::Verified(link)),
            Err(why) => {
                if self.identity_log.allow((tenant_id, client)) {
                    let shown: String = identity.customer_id.chars().take(64).collect();
                    self.security
                        .record(
                            tenant_id,
                            SecurityEventKind::IdentityRejected,
                            "",
                            &client.to_string(),
                            format!("customer id {shown:?}: {why}"),
                        )
                        .await;
                }
                Ok(Presented::Rejected)
            }
        }
    }

    /// An agent who may read the conversation links its visitor to the
    /// customer `name` (which a work order must name), or unlinks them
    /// (`None`). A visitor the site verified keeps that identity.
    pub async fn link_customer(
        &self,
        user: &User,
        conversation_id: i64,
        name: Option<&str>,
        client: &str,
    ) -> ChatResult<()> {
        let c = self.readable(user, conversation_id).await?;
        if c.customer
            .as_ref()
            .is_some_and(|l| l.verified == Verification::Signed)
        {
            return fail(ErrorCode::IdentitySigned);
        }
        let link = match name {
            Some(name) => {
                if !valid_name(name) {
                    return fail(ErrorCode::BadRequest);
                }
                let name = name.trim().to_owned();
                let orders = self
                    .store
                    .customer_orders(user.tenant_id, name.clone(), 1)
                    .await?;
                if orders.is_empty() {
                    return fail(ErrorCode::UnknownCustomer);
                }
                Some(CustomerLink {
                    name,
                    external_id: None,
                    verified: Verification::Agent { user_id: user.id },
                })
            }
            None => None,
        };
        let detail = match &link {
            Some(l) => format!("conversation {conversation_id} linked to {:?}", l.name),
            None => format!("conversation {conversation_id} unlinked"),
        };
        self.store
            .link_customer(user.tenant_id, c.visitor_id, link)
            .await?;
        self.security
            .record(
                user.tenant_id,
                SecurityEventKind::CustomerLinked,
                &user.username,
                client,
                detail,
            )
            .await;
        self.announce(user.tenant_id, conversation_id).await
    }

    /// The work orders of the conversation's verified customer, newest
    /// first; none for a visitor nobody verified, whatever name they typed.
    pub async fn related_work_orders(
        &self,
        user: &User,
        conversation_id: i64,
    ) -> ChatResult<Vec<RelatedWorkOrder>> {
        let c = self.readable(user, conversation_id).await?;
        let Some(customer) = c.customer else {
            return Ok(Vec::new());
        };
        Ok(self
            .store
            .customer_orders(user.tenant_id, customer.name, RELATED_LIMIT)
            .await?)
    }
}
