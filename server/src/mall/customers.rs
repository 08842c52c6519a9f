//! Customer accounts of the portal: sign up with email and password, the
//! address verified by a code mailed from the tenant's mall mailbox, sign
//! in (throttled as staff sign-ins are), sign out. A customer is never a
//! staff user: their tokens open only the shop's routes.

use std::net::IpAddr;

use fieldesk_core::ErrorCode;
use fieldesk_core::Locale;
use fieldesk_core::email::address;
use fieldesk_core::mall::customer::{
    self, CODE_ATTEMPTS, CODE_SECONDS, CODES_PER_HOUR, Customer, CustomerSession, SigninBody,
    SignupBody, SignupError, VerifyBody,
};

use super::{CUSTOMER_SESSION_SECONDS, MallResult, MallService};
use crate::auth::{DUMMY_HASH, check_new_password, new_token, random_bytes, token_hash};
use crate::clock::now;
use crate::error::ApiError;
use crate::mail::Notice;
use crate::store::StoreError;
use crate::store::mall::CodeCheck;
use crate::throttle::{LoginThrottle, account_key};

/// A signed-in customer.
#[derive(Debug, Clone)]
pub struct Shopper {
    pub tenant_id: i64,
    pub customer: Customer,
    pub token_hash: String,
}

fn code_hash(tenant_id: i64, customer_id: i64, code: &str) -> String {
    token_hash(&format!("{tenant_id}:{customer_id}:{code}"))
}

impl MallService {
    /// Signs a customer up and mails them a code. An address with an
    /// account already is a conflict (sign in, or ask for a new code).
    pub async fn signup(
        &self,
        tenant_id: i64,
        body: SignupBody,
        locale: Locale,
    ) -> MallResult<Customer> {
        let settings = self.enabled(tenant_id).await?;
        let (email, name) = customer::check_signup(&body).map_err(|e| match e {
            SignupError::Email => ApiError::new(ErrorCode::InvalidEmail),
            SignupError::Name => ApiError::new(ErrorCode::BadRequest),
        })?;
        check_new_password(&body.password, &email)
            .map_err(|_| ApiError::new(ErrorCode::WeakPassword))?;
        if settings.mailbox_id.is_none() {
            return Err(ApiError::new(ErrorCode::MallMailUnavailable));
        }
        let hash = self
            .hasher
            .hash(body.password)
            .await
            .map_err(|_| ApiError::retry_after(ErrorCode::RateLimited, 1))?;
        let locale = body.locale.unwrap_or(locale);
        let created = self
            .store
            .create_customer(tenant_id, email, name, locale, hash, now())
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ApiError::new(ErrorCode::EmailTaken),
                e => e.into(),
            })?;
        self.send_code(tenant_id, &created).await?;
        Ok(created)
    }

    /// Mails a new code to an unverified customer. Answers the same
    /// whether or not the address has an account (nobody learns which
    /// addresses do).
    pub async fn resend_code(&self, tenant_id: i64, email: &str) -> MallResult<()> {
        self.enabled(tenant_id).await?;
        let email = address::normalize(email);
        if let Some(c) = self.store.customer_credentials(tenant_id, email).await?
            && !c.customer.verified
        {
            self.send_code(tenant_id, &c.customer).await?;
        }
        Ok(())
    }

    async fn send_code(&self, tenant_id: i64, c: &Customer) -> MallResult<()> {
        let settings = self.enabled(tenant_id).await?;
        let mailbox = settings
            .mailbox_id
            .ok_or(ApiError::new(ErrorCode::MallMailUnavailable))?;
        let random = u32::from_le_bytes(random_bytes::<4>());
        let code = customer::code_from(random);
        let at = now();
        let kept = self
            .store
            .put_code(
                tenant_id,
                c.id,
                code_hash(tenant_id, c.id, &code),
                at + CODE_SECONDS,
                CODES_PER_HOUR,
                at,
            )
            .await?;
        if !kept {
            return Err(ApiError::retry_after(ErrorCode::RateLimited, 3600));
        }
        let tenant = self
            .store
            .tenant(tenant_id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))?;
        let minutes = (CODE_SECONDS / 60).to_string();
        self.mail
            .queue_notice(
                tenant_id,
                mailbox,
                Notice {
                    key: format!("code:{}:{at}:{random}", c.id),
                    to: &c.email,
                    subject: self.text(
                        c.locale,
                        "mall-code-subject",
                        &[("shop", tenant.name.clone()), ("code", code.clone())],
                    ),
                    text: self.text(
                        c.locale,
                        "mall-code-text",
                        &[
                            ("name", c.name.clone()),
                            ("shop", tenant.name),
                            ("code", code),
                            ("minutes", minutes),
                        ],
                    ),
                },
            )
            .await?;
        Ok(())
    }

    /// The code from the mail: right and fresh verifies the address and
    /// signs the customer in.
    pub async fn verify(&self, tenant_id: i64, body: VerifyBody) -> MallResult<CustomerSession> {
        self.enabled(tenant_id).await?;
        let refused = || ApiError::new(ErrorCode::VerificationFailed);
        let email = address::normalize(&body.email);
        let c = self
            .store
            .customer_credentials(tenant_id, email)
            .await?
            .ok_or_else(refused)?
            .customer;
        let code = customer::typed_code(&body.code);
        let check = self
            .store
            .check_code(
                tenant_id,
                c.id,
                code_hash(tenant_id, c.id, &code),
                CODE_ATTEMPTS,
                now(),
            )
            .await?;
        if check != CodeCheck::Verified {
            return Err(refused());
        }
        let customer = Customer {
            verified: true,
            ..c
        };
        self.session(tenant_id, customer).await
    }

    /// Email and password; a verified account only.
    pub async fn signin(
        &self,
        tenant_id: i64,
        tenant_slug: &str,
        body: SigninBody,
        client: IpAddr,
        throttle: &LoginThrottle,
    ) -> MallResult<CustomerSession> {
        self.enabled(tenant_id).await?;
        let email = address::normalize(&body.email);
        let account = account_key(tenant_slug, &format!("customer:{email}"));
        if let Err(wait) = throttle.check(&account, client, now()) {
            return Err(ApiError::retry_after(
                ErrorCode::TooManyAttempts,
                wait.unsigned_abs(),
            ));
        }
        if body.password.len() > fieldesk_core::password_policy::MAX_CHARS * 4 {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
        let found = self.store.customer_credentials(tenant_id, email).await?;
        let hash = found
            .as_ref()
            .map_or_else(|| DUMMY_HASH.clone(), |c| c.password_hash.clone());
        let ok = self
            .hasher
            .verify(body.password, hash)
            .await
            .map_err(|_| ApiError::retry_after(ErrorCode::RateLimited, 1))?;
        let (Some(found), true) = (found, ok) else {
            throttle.failed(&account, client, now());
            return Err(ApiError::new(ErrorCode::InvalidCredentials));
        };
        throttle.succeeded(&account);
        if !found.customer.verified {
            return Err(ApiError::new(ErrorCode::EmailNotVerified));
        }
        self.session(tenant_id, found.customer).await
    }

    async fn session(&self, tenant_id: i64, customer: Customer) -> MallResult<CustomerSession> {
        let (token, hash) = new_token();
        let at = now();
        self.store
            .create_customer_session(
                tenant_id,
                customer.id,
                hash,
                at,
                at + CUSTOMER_SESSION_SECONDS,
            )
            .await?;
        Ok(CustomerSession { token, customer })
    }

    /// The customer a bearer token signs in, if it is alive.
    pub async fn shopper(&self, token: &str) -> MallResult<Option<Shopper>> {
        let hash = token_hash(token);
        Ok(self
            .store
            .customer_session(hash.clone(), now())
            .await?
            .map(|(tenant_id, customer)| Shopper {
                tenant_id,
                customer,
                token_hash: hash,
            }))
    }

    pub async fn signout(&self, shopper: &Shopper) -> MallResult<()> {
        Ok(self
            .store
            .end_customer_session(shopper.token_hash.clone(), now())
            .await?)
    }
}
