//! Payment providers behind one trait: open, confirm, capture, cancel,
//! refund, verify a webhook. Two ship, since no real gateway is reachable
//! here: `manual` (bank transfer or cash on delivery, pending until an
//! admin marks it paid) and `test` (the card decides; its confirmation
//! also arrives by a signed webhook to the server's own endpoint, as real
//! gateways send one beside the buyer's return — so the race of the two
//! is exercised on every test payment).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use fieldesk_core::ErrorCode;
use fieldesk_core::mall::PaymentMethod;
use fieldesk_core::mall::money::Money;
use fieldesk_core::mall::payment::{PaymentStatus, TestCard, sign_webhook, verify_webhook};
use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::error::ApiError;

/// The header a payment webhook is signed in.
pub const SIGNATURE_HEADER: &str = "fieldesk-signature";

/// What the buyer's confirmation gave, now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    Captured,
    /// Not decided yet: a webhook will tell.
    Pending,
    Declined,
    Failed,
}

/// Where a provider sends its webhooks for one tenant.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: Vec<u8>,
}

/// A verified webhook: the payment it is about and its new status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub reference: String,
    pub status: WebhookStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookStatus {
    Captured,
    Declined,
    Failed,
    Refunded,
}

impl WebhookStatus {
    pub fn payment(self) -> PaymentStatus {
        match self {
            WebhookStatus::Captured => PaymentStatus::Captured,
            WebhookStatus::Declined => PaymentStatus::Declined,
            WebhookStatus::Failed => PaymentStatus::Failed,
            WebhookStatus::Refunded => PaymentStatus::Refunded,
        }
    }
}

#[async_trait]
pub trait PaymentProvider: Send + Sync {
    fn method(&self) -> PaymentMethod;
    /// A new payment's reference (unique; the webhook names it).
    fn open(&self) -> String {
        format!(
            "{}_{}",
            self.method().as_str(),
            crate::auth::new_token().1.get(..24).unwrap_or_default()
        )
    }
    /// The buyer pays.
    async fn confirm(
        &self,
        reference: &str,
        amount: Money,
        card: Option<&str>,
        webhooks: WebhookTarget,
    ) -> Result<Confirmation, ApiError>;
    /// Captures an authorized payment (both providers capture on confirm).
    async fn capture(&self, _reference: &str) -> Result<(), ApiError> {
        Ok(())
    }
    /// Voids an open payment.
    async fn cancel(&self, reference: &str) -> Result<(), ApiError>;
    /// Gives a captured amount back.
    async fn refund(&self, reference: &str, amount: Money) -> Result<(), ApiError>;
    /// Checks a webhook's signature and reads it.
    fn verify(
        &self,
        secret: &[u8],
        signature: &str,
        body: &[u8],
    ) -> Result<WebhookEvent, ApiError> {
        verify_webhook(secret, signature, body, now())
            .map_err(|_| ApiError::new(ErrorCode::InvalidWebhook))?;
        serde_json::from_slice(body).map_err(|_| ApiError::new(ErrorCode::InvalidWebhook))
    }
}

/// Bank transfer or cash on delivery: nothing happens online; an admin
/// marks the order paid when the money is there.
pub struct Manual;

#[async_trait]
impl PaymentProvider for Manual {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Manual
    }

    async fn confirm(
        &self,
        _reference: &str,
        _amount: Money,
        _card: Option<&str>,
        _webhooks: WebhookTarget,
    ) -> Result<Confirmation, ApiError> {
        Ok(Confirmation::Pending)
    }

    async fn cancel(&self, _reference: &str) -> Result<(), ApiError> {
        Ok(())
    }

    async fn refund(&self, reference: &str, amount: Money) -> Result<(), ApiError> {
        tracing::info!(reference, amount = %amount.display(), "manual refund to be paid out");
        Ok(())
    }

    fn verify(&self, _: &[u8], _: &str, _: &[u8]) -> Result<WebhookEvent, ApiError> {
        // A manual payment has no webhooks.
        Err(ApiError::new(ErrorCode::InvalidWebhook))
    }
}

/// The test gateway. Its webhook goes to this server's own endpoint
/// over HTTP, signed with the tenant's webhook secret.
pub struct TestGateway {
    http: reqwest::Client,
    /// How long before the webhook is sent.
    pub webhook_delay: Duration,
}

impl Default for TestGateway {
    fn default() -> Self {
        TestGateway {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("an HTTP client"),
            webhook_delay: Duration::from_millis(300),
        }
    }
}

impl TestGateway {
    /// Posts the signed webhook after the delay, retried until answered
    /// 2xx — and then once more: gateways deliver at least once, so the
    /// test gateway always delivers twice and the repeat is exercised.
    fn send_webhook(&self, target: WebhookTarget, event: WebhookEvent) {
        let http = self.http.clone();
        let delay = self.webhook_delay;
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let body = serde_json::to_vec(&event).expect("serializes");
            let mut delivered = 0;
            for attempt in 0..6u32 {
                let signature = sign_webhook(&target.secret, now(), &body);
                let sent = http
                    .post(&target.url)
                    .header(SIGNATURE_HEADER, signature)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        delivered += 1;
                        if delivered == 2 {
                            return;
                        }
                        continue;
                    }
                    Ok(r) => tracing::warn!(status = %r.status(), attempt, "test webhook refused"),
                    Err(e) => tracing::warn!(%e, attempt, "test webhook not delivered"),
                }
                tokio::time::sleep(Duration::from_millis(500) * (attempt + 1)).await;
            }
        });
    }
}

#[async_trait]
impl PaymentProvider for TestGateway {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Test
    }

    async fn confirm(
        &self,
        reference: &str,
        _amount: Money,
        card: Option<&str>,
        webhooks: WebhookTarget,
    ) -> Result<Confirmation, ApiError> {
        let event = |status| WebhookEvent {
            reference: reference.to_owned(),
            status,
        };
        match card.and_then(TestCard::of) {
            Some(TestCard::Succeeds) => {
                self.send_webhook(webhooks, event(WebhookStatus::Captured));
                Ok(Confirmation::Captured)
            }
            Some(TestCard::PendingThenSucceeds) => {
                self.send_webhook(webhooks, event(WebhookStatus::Captured));
                Ok(Confirmation::Pending)
            }
            Some(TestCard::Declined) | None => Ok(Confirmation::Declined),
            Some(TestCard::Errors) => Ok(Confirmation::Failed),
        }
    }

    async fn cancel(&self, _reference: &str) -> Result<(), ApiError> {
        Ok(())
    }

    async fn refund(&self, _reference: &str, _amount: Money) -> Result<(), ApiError> {
        Ok(())
    }
}

/// The providers by method.
#[derive(Clone)]
pub struct Payments {
    manual: Arc<Manual>,
    test: Arc<TestGateway>,
    /// This server's own base URL (`http://127.0.0.1:port`), known once
    /// it listens.
    pub base_url: Arc<OnceLock<String>>,
}

impl Default for Payments {
    fn default() -> Self {
        Payments {
            manual: Arc::new(Manual),
            test: Arc::new(TestGateway::default()),
            base_url: Arc::default(),
        }
    }
}

impl Payments {
    pub fn provider(&self, method: PaymentMethod) -> &dyn PaymentProvider {
        match method {
            PaymentMethod::Manual => &*self.manual,
            PaymentMethod::Test => &*self.test,
        }
    }

    /// Where the test gateway posts its webhooks.
    pub fn webhook_url(&self) -> String {
        format!(
            "{}/api/shop/webhooks/test",
            self.base_url
                .get()
                .map_or("http://127.0.0.1", String::as_str)
        )
    }
}
