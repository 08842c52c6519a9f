//! A payment's own states, the test card's outcomes, and the signature of
//! payment webhooks. Confirming twice (a webhook racing the buyer's
//! return, a webhook delivered again) is a no-op, never a second capture.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Where a payment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Opened; waiting for the buyer, the bank transfer or a webhook.
    Pending,
    Captured,
    Declined,
    /// The provider failed (an error, not a decline): the buyer may try
    /// again.
    Failed,
    Cancelled,
    Refunded,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 6] = [
        PaymentStatus::Pending,
        PaymentStatus::Captured,
        PaymentStatus::Declined,
        PaymentStatus::Failed,
        PaymentStatus::Cancelled,
        PaymentStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Captured => "captured",
            PaymentStatus::Declined => "declined",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The next status of a payment told `to`: `Ok(None)` when it is there
/// already (a duplicate: nothing to do), an error when it cannot get
/// there (a capture after a refund, a refund of nothing).
pub fn advance(
    from: PaymentStatus,
    to: PaymentStatus,
) -> Result<Option<PaymentStatus>, (PaymentStatus, PaymentStatus)> {
    use PaymentStatus::*;
    if from == to {
        return Ok(None);
    }
    let ok = match (from, to) {
        (Pending, Captured | Declined | Failed | Cancelled) => true,
        // A failed attempt may be tried again; a late success wins.
        (Failed | Declined, Pending | Captured) => true,
        (Failed | Declined, Cancelled) => true,
        (Captured, Refunded) => true,
        _ => false,
    };
    if ok { Ok(Some(to)) } else { Err((from, to)) }
}

/// What the `test` provider does with a card number (the digits; spaces
/// ignored): the numbers payment providers document for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TestCard {
    /// 4242 4242 4242 4242: captured at once.
    Succeeds,
    /// 4000 0000 0000 0002: declined.
    Declined,
    /// 4000 0000 0000 3220: pending; captured later by a webhook.
    PendingThenSucceeds,
    /// 4000 0000 0000 0119: the provider errs.
    Errors,
}

impl TestCard {
    pub fn of(number: &str) -> Option<TestCard> {
        let digits: String = number
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        match digits.as_str() {
            "4242424242424242" => Some(TestCard::Succeeds),
            "4000000000000002" => Some(TestCard::Declined),
            "4000000000003220" => Some(TestCard::PendingThenSucceeds),
            "4000000000000119" => Some(TestCard::Errors),
            _ => None,
        }
    }
}

/// How old a webhook's timestamp may be (seconds, either way).
pub const WEBHOOK_TOLERANCE: i64 = 300;

fn mac(secret: &[u8], at: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(at.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Fieldesk-Signature` header of a webhook body sent at `at`:
/// `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn sign_webhook(secret: &[u8], at: i64, body: &[u8]) -> String {
    let tag = mac(secret, at, body).finalize().into_bytes();
    format!("t={at},v1={}", crate::hex::encode(&tag))
}

/// Why a webhook is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signature does not match")]
    Forged,
    #[error("the timestamp is too old or in the future")]
    Stale,
}

/// Checks a webhook's signature header against its body at `now`
/// (constant-time comparison; a replay outside the tolerance is stale,
/// a replay inside it is caught by the provider reference's idempotency).
pub fn verify_webhook(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: i64,
) -> Result<(), WebhookError> {
    let mut at = None;
    let mut tag = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => at = v.parse::<i64>().ok(),
            Some(("v1", v)) if v.len() <= 128 => tag = crate::hex::decode(v),
            _ => {}
        }
    }
    let (Some(at), Some(tag)) = (at, tag) else {
        return Err(WebhookError::Malformed);
    };
    mac(secret, at, body)
        .verify_slice(&tag)
        .map_err(|_| WebhookError::Forged)?;
    if (now - at).abs() > WEBHOOK_TOLERANCE {
        return Err(WebhookError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentStatus::*;

    #[test]
    fn confirming_twice_is_a_no_op_and_refunds_need_a_capture() {
        assert_eq!(advance(Pending, Captured), Ok(Some(Captured)));
        assert_eq!(advance(Captured, Captured), Ok(None));
        assert_eq!(advance(Captured, Refunded), Ok(Some(Refunded)));
        assert_eq!(advance(Refunded, Refunded), Ok(None));
        assert!(advance(Refunded, Captured).is_err());
        assert!(advance(Pending, Refunded).is_err());
        assert!(advance(Cancelled, Captured).is_err());
        assert!(advance(Captured, Cancelled).is_err());
        assert_eq!(advance(Failed, Captured), Ok(Some(Captured)));
        for from in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(from.as_str()), Some(from));
            assert_eq!(advance(from, from), Ok(None));
        }
    }

    #[test]
    fn test_cards_decide_the_outcome() {
        assert_eq!(
            TestCard::of("4242 4242 4242 4242"),
            Some(TestCard::Succeeds)
        );
        assert_eq!(
            TestCard::of("4000-0000-0000-0002"),
            Some(TestCard::Declined)
        );
        assert_eq!(
            TestCard::of("4000000000003220"),
            Some(TestCard::PendingThenSucceeds)
        );
        assert_eq!(TestCard::of("4000000000000119"), Some(TestCard::Errors));
        assert_eq!(TestCard::of("4111111111111111"), None);
    }

    #[test]
    fn webhooks_are_signed_and_checked() {
        let body = br#"{"reference":"pay_1","status":"captured"}"#;
        let header = sign_webhook(b"secret", 1_000, body);
        assert_eq!(verify_webhook(b"secret", &header, body, 1_100), Ok(()));
        assert_eq!(
            verify_webhook(b"other", &header, body, 1_100),
            Err(WebhookError::Forged)
        );
        assert_eq!(
            verify_webhook(
                b"secret",
                &header,
                br#"{"reference":"pay_2","status":"captured"}"#,
                1_100
            ),
            Err(WebhookError::Forged)
        );
        assert_eq!(
            verify_webhook(b"secret", &header, body, 2_000),
            Err(WebhookError::Stale)
        );
        assert_eq!(
            verify_webhook(b"secret", "v1=00", body, 1_000),
            Err(WebhookError::Malformed)
        );
        assert_eq!(
            verify_webhook(b"secret", "", body, 1_000),
            Err(WebhookError::Malformed)
        );
        // A timestamp moved forward breaks the signature.
        let moved = header.replace("t=1000", "t=1999");
        assert_eq!(
            verify_webhook(b"secret", &moved, body, 1_999),
            Err(WebhookError::Forged)
        );
    }
}
