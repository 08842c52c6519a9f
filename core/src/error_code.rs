//! Stable error codes shared by the server's JSON errors, the app's IPC
//! errors and the UI. Clients match on the code, never on the text; each
//! code has a localized message in `locales/`.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request was malformed (bad JSON, missing or invalid fields).
    BadRequest,
    /// Tenant, user name or password is wrong.
    InvalidCredentials,
    /// No bearer token was sent.
    Unauthorized,
    /// The token expired or was revoked: log in again.
    SessionExpired,
    /// The caller's role does not allow this.
    Forbidden,
    /// Nothing there (or not in the caller's tenant).
    NotFound,
    /// The thing already exists.
    Conflict,
    /// The request body is larger than the server accepts.
    PayloadTooLarge,
    /// The server failed; nothing the caller can fix.
    Internal,
    /// App side: the server could not be reached.
    ServerUnreachable,
    /// App side: the server URL is not a valid http(s) URL.
    InvalidServerUrl,
    /// App side: the OS keychain could not be used.
    KeychainUnavailable,
    /// App side: the local store failed.
    LocalStore,
    /// App side: the server answered something the app does not understand.
    UnexpectedResponse,
    /// No tenant by that name (visitor chat).
    UnknownTenant,
    /// The language is not one the tenant offers.
    InvalidLanguage,
    /// The visitor token is unknown or forged.
    InvalidVisitorToken,
    /// The conversation has ended; start a new one.
    ConversationClosed,
    /// Too many requests in a short time.
    RateLimited,
    /// A chat message is longer than the limit.
    MessageTooLong,
    /// The work order's status does not allow that action now.
    IllegalTransition,
    /// Only single-line text and number device fields can be matched by a scan.
    ScanFieldNotMatchable,
    /// Every required step on every device needs a result before completing.
    StepsMissing,
    /// A step result does not fit the step (kind, choices).
    InvalidStepValue,
    /// A measured number is outside the step's allowed range.
    ValueOutOfRange,
    /// No barcode or QR code could be read from the image.
    NoCodeFound,
    /// The code holds binary data; only text codes identify devices.
    ScanNotText,
    /// The file is not an image that can be read (PNG or JPEG).
    UnreadableImage,
    /// A dispatch rule, skill catalog, region or profile cannot be saved.
    InvalidRule,
    /// The group or provider lacks skills or qualifications the order needs.
    MissingSkills,
    /// Collaborating engineers are switched off in the dispatch settings.
    CollaboratorsOff,
    /// A workbench layout or its assignments cannot be saved.
    InvalidLayout,
    /// A quick reply or its group cannot be saved.
    InvalidQuickReply,
    /// The request (its body, or the answer) took longer than allowed.
    RequestTimeout,
    /// Sign-in is paused after too many failures (429 with `Retry-After`).
    TooManyAttempts,
    /// An outbound address (e.g. an LLM endpoint) is loopback, private or
    /// link-local.
    EndpointNotAllowed,
    /// A new password is too short or too common.
    WeakPassword,
    /// The account was disabled by an administrator.
    AccountDisabled,
    /// The OS keychain did not answer in time (locked, waiting for a prompt).
    KeychainLocked,
    /// The tenant's photo storage is full.
    PhotoQuotaExceeded,
    /// The embedding site's signed identity of a visitor does not verify
    /// (the visitor chats on as a guest).
    InvalidIdentity,
    /// An agent linked a visitor to a customer no work order names.
    UnknownCustomer,
    /// The embedding site verified this visitor: agents cannot relink them.
    IdentitySigned,
    /// The pre-chat form's name is empty, or its contact is neither an
    /// email address nor a phone number.
    InvalidContact,
    /// The tenant asks for name and contact before the first message.
    PreChatRequired,
    /// A mailbox's settings are incomplete or malformed (address, servers, folder, size limit, or a password when creating).
    InvalidMailbox,
    /// An outgoing mail's recipients, sender, subject or text are invalid.
    InvalidMail,
    /// The mail server refused the user name or password.
    MailAuthFailed,
    /// The mail server could not be reached (host, port, firewall).
    MailUnreachable,
    /// The secure connection to the mail server failed (STARTTLS or TLS setting, certificate).
    MailTlsFailed,
    /// The IMAP folder does not exist on the mail server.
    MailFolderMissing,
    /// The mail server answered with an error.
    MailServerRefused,
    /// An email address is not valid (e.g. for a chat transcript).
    InvalidEmail,
    /// The tenant sends no chat transcripts (no mailbox chosen, or it is
    /// disabled).
    TranscriptUnavailable,
    /// This conversation has had as many transcripts mailed as allowed.
    TranscriptLimit,
    /// The tenant has not enabled the parts mall.
    MallNotEnabled,
    /// A part or service is unknown or no longer sold.
    ItemUnavailable,
    /// A quantity is not 1 to 999, or the cart is empty or too long.
    InvalidQuantity,
    /// A price changed since the buyer saw it: the answer lists the new prices.
    PriceChanged,
    /// Not enough stock for a part.
    OutOfStock,
    /// The unpaid order's reservation ran out; it was cancelled.
    ReservationExpired,
    /// A checkout needs an Idempotency-Key header (8 to 200 visible characters).
    IdempotencyKeyRequired,
    /// The Idempotency-Key was used with another request body.
    IdempotencyKeyReused,
    /// A payment webhook is unsigned, forged or stale.
    InvalidWebhook,
    /// The card was declined.
    PaymentDeclined,
    /// The payment provider failed; nothing was charged.
    PaymentFailed,
    /// The payment method is not offered (or not for this order).
    PaymentUnavailable,
    /// The order's status does not allow that now, or not for this caller.
    OrderNotAllowed,
    /// A catalog item's fields are invalid.
    InvalidCatalogItem,
    /// An item names a photo that was never uploaded.
    PhotoMissing,
    /// A price list's fields are invalid.
    InvalidPriceList,
    /// The delivery address or depot is invalid.
    InvalidDelivery,
    /// Carrier, tracking number or URL is invalid, or the shipment is not possible.
    InvalidTracking,
    /// The email code is wrong, expired or used up.
    VerificationFailed,
    /// An account with that email exists already.
    EmailTaken,
    /// The customer has not verified their email yet.
    EmailNotVerified,
    /// No service mailbox is set for the mall's mail.
    MallMailUnavailable,
    /// The parts proposal was approved, declined or withdrawn already.
    ProposalClosed,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 78] = [
        ErrorCode::BadRequest,
        ErrorCode::InvalidCredentials,
        ErrorCode::Unauthorized,
        ErrorCode::SessionExpired,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::Internal,
        ErrorCode::ServerUnreachable,
        ErrorCode::InvalidServerUrl,
        ErrorCode::KeychainUnavailable,
        ErrorCode::LocalStore,
        ErrorCode::UnexpectedResponse,
        ErrorCode::UnknownTenant,
        ErrorCode::InvalidLanguage,
        ErrorCode::InvalidVisitorToken,
        ErrorCode::ConversationClosed,
        ErrorCode::RateLimited,
        ErrorCode::MessageTooLong,
        ErrorCode::IllegalTransition,
        ErrorCode::ScanFieldNotMatchable,
        ErrorCode::StepsMissing,
        ErrorCode::InvalidStepValue,
        ErrorCode::ValueOutOfRange,
        ErrorCode::NoCodeFound,
        ErrorCode::ScanNotText,
        ErrorCode::UnreadableImage,
        ErrorCode::InvalidRule,
        ErrorCode::MissingSkills,
        ErrorCode::CollaboratorsOff,
        ErrorCode::InvalidLayout,
        ErrorCode::InvalidQuickReply,
        ErrorCode::RequestTimeout,
        ErrorCode::TooManyAttempts,
        ErrorCode::EndpointNotAllowed,
        ErrorCode::WeakPassword,
        ErrorCode::AccountDisabled,
        ErrorCode::KeychainLocked,
        ErrorCode::PhotoQuotaExceeded,
        ErrorCode::InvalidIdentity,
        ErrorCode::UnknownCustomer,
        ErrorCode::IdentitySigned,
        ErrorCode::InvalidContact,
        ErrorCode::PreChatRequired,
        ErrorCode::InvalidMailbox,
        ErrorCode::InvalidMail,
        ErrorCode::MailAuthFailed,
        ErrorCode::MailUnreachable,
        ErrorCode::MailTlsFailed,
        ErrorCode::MailFolderMissing,
        ErrorCode::MailServerRefused,
        ErrorCode::InvalidEmail,
        ErrorCode::TranscriptUnavailable,
        ErrorCode::TranscriptLimit,
        ErrorCode::MallNotEnabled,
        ErrorCode::ItemUnavailable,
        ErrorCode::InvalidQuantity,
        ErrorCode::PriceChanged,
        ErrorCode::OutOfStock,
        ErrorCode::ReservationExpired,
        ErrorCode::IdempotencyKeyRequired,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::InvalidWebhook,
        ErrorCode::PaymentDeclined,
        ErrorCode::PaymentFailed,
        ErrorCode::PaymentUnavailable,
        ErrorCode::OrderNotAllowed,
        ErrorCode::InvalidCatalogItem,
        ErrorCode::PhotoMissing,
        ErrorCode::InvalidPriceList,
        ErrorCode::InvalidDelivery,
        ErrorCode::InvalidTracking,
        ErrorCode::VerificationFailed,
        ErrorCode::EmailTaken,
        ErrorCode::EmailNotVerified,
        ErrorCode::MallMailUnavailable,
        ErrorCode::ProposalClosed,
    ];

    /// The HTTP status the server answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::InvalidServerUrl => 400,
            ErrorCode::InvalidCredentials | ErrorCode::Unauthorized | ErrorCode::SessionExpired => {
                401
            }
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound | ErrorCode::UnknownTenant => 404,
            ErrorCode::Conflict | ErrorCode::ConversationClosed | ErrorCode::IllegalTransition => {
                409
            }
            ErrorCode::PayloadTooLarge | ErrorCode::MessageTooLong => 413,
            ErrorCode::InvalidLanguage
            | ErrorCode::ScanFieldNotMatchable
            | ErrorCode::InvalidStepValue
            | ErrorCode::ValueOutOfRange => 400,
            ErrorCode::StepsMissing | ErrorCode::CollaboratorsOff => 409,
            ErrorCode::InvalidRule | ErrorCode::InvalidLayout | ErrorCode::InvalidQuickReply => 400,
            ErrorCode::MissingSkills => 422,
            ErrorCode::NoCodeFound | ErrorCode::ScanNotText | ErrorCode::UnreadableImage => 422,
            ErrorCode::InvalidVisitorToken => 401,
            ErrorCode::RateLimited => 429,
            ErrorCode::RequestTimeout => 408,
            ErrorCode::TooManyAttempts => 429,
            ErrorCode::EndpointNotAllowed => 400,
            ErrorCode::WeakPassword => 400,
            ErrorCode::AccountDisabled => 403,
            ErrorCode::PhotoQuotaExceeded => 413,
            ErrorCode::InvalidIdentity => 400,
            ErrorCode::UnknownCustomer => 404,
            ErrorCode::IdentitySigned => 409,
            ErrorCode::InvalidContact => 400,
            ErrorCode::PreChatRequired => 409,
            ErrorCode::InvalidMailbox | ErrorCode::InvalidMail => 400,
            ErrorCode::MailAuthFailed
            | ErrorCode::MailUnreachable
            | ErrorCode::MailTlsFailed
            | ErrorCode::MailFolderMissing
            | ErrorCode::MailServerRefused => 502,
            ErrorCode::InvalidEmail => 400,
            ErrorCode::TranscriptUnavailable => 409,
            ErrorCode::TranscriptLimit => 429,
            ErrorCode::MallNotEnabled => 404,
            ErrorCode::ItemUnavailable => 422,
            ErrorCode::InvalidQuantity => 400,
            ErrorCode::PriceChanged => 409,
            ErrorCode::OutOfStock => 409,
            ErrorCode::ReservationExpired => 409,
            ErrorCode::IdempotencyKeyRequired => 400,
            ErrorCode::IdempotencyKeyReused => 422,
            ErrorCode::InvalidWebhook => 401,
            ErrorCode::PaymentDeclined => 402,
            ErrorCode::PaymentFailed => 502,
            ErrorCode::PaymentUnavailable => 400,
            ErrorCode::OrderNotAllowed => 409,
            ErrorCode::InvalidCatalogItem => 400,
            ErrorCode::PhotoMissing => 422,
            ErrorCode::InvalidPriceList => 400,
            ErrorCode::InvalidDelivery => 400,
            ErrorCode::InvalidTracking => 400,
            ErrorCode::VerificationFailed => 400,
            ErrorCode::EmailTaken => 409,
            ErrorCode::EmailNotVerified => 403,
            ErrorCode::MallMailUnavailable => 409,
            ErrorCode::ProposalClosed => 409,
            ErrorCode::ServerUnreachable => 503,
            ErrorCode::Internal
            | ErrorCode::KeychainUnavailable
            | ErrorCode::KeychainLocked
            | ErrorCode::LocalStore
            | ErrorCode::UnexpectedResponse => 500,
        }
    }

    /// The Fluent key of the localized message.
    pub fn message_key(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "error-bad-request",
            ErrorCode::InvalidCredentials => "error-invalid-credentials",
            ErrorCode::Unauthorized => "error-unauthorized",
            ErrorCode::SessionExpired => "error-session-expired",
            ErrorCode::Forbidden => "error-forbidden",
            ErrorCode::NotFound => "error-not-found",
            ErrorCode::Conflict => "error-conflict",
            ErrorCode::PayloadTooLarge => "error-payload-too-large",
            ErrorCode::Internal => "error-internal",
            ErrorCode::ServerUnreachable => "error-server-unreachable",
            ErrorCode::InvalidServerUrl => "error-invalid-server-url",
            ErrorCode::KeychainUnavailable => "error-keychain-unavailable",
            ErrorCode::LocalStore => "error-local-store",
            ErrorCode::UnexpectedResponse => "error-unexpected-response",
            ErrorCode::UnknownTenant => "error-unknown-tenant",
            ErrorCode::InvalidLanguage => "error-invalid-language",
            ErrorCode::InvalidVisitorToken => "error-invalid-visitor-token",
            ErrorCode::ConversationClosed => "error-conversation-closed",
            ErrorCode::RateLimited => "error-rate-limited",
            ErrorCode::MessageTooLong => "error-message-too-long",
            ErrorCode::IllegalTransition => "error-illegal-transition",
            ErrorCode::ScanFieldNotMatchable => "error-scan-field-not-matchable",
            ErrorCode::StepsMissing => "error-steps-missing",
            ErrorCode::InvalidStepValue => "error-invalid-step-value",
            ErrorCode::ValueOutOfRange => "error-value-out-of-range",
            ErrorCode::NoCodeFound => "error-no-code-found",
            ErrorCode::ScanNotText => "error-scan-not-text",
            ErrorCode::UnreadableImage => "error-unreadable-image",
            ErrorCode::InvalidRule => "error-invalid-rule",
            ErrorCode::MissingSkills => "error-missing-skills",
            ErrorCode::CollaboratorsOff => "error-collaborators-off",
            ErrorCode::InvalidLayout => "error-invalid-layout",
            ErrorCode::InvalidQuickReply => "error-invalid-quick-reply",
            ErrorCode::IdentitySigned => "error-identity-signed",
            ErrorCode::InvalidContact => "error-invalid-contact",
            ErrorCode::PreChatRequired => "error-pre-chat-required",
            ErrorCode::InvalidMailbox => "error-invalid-mailbox",
            ErrorCode::InvalidMail => "error-invalid-mail",
            ErrorCode::MailAuthFailed => "error-mail-auth-failed",
            ErrorCode::MailUnreachable => "error-mail-unreachable",
            ErrorCode::MailTlsFailed => "error-mail-tls-failed",
            ErrorCode::MailFolderMissing => "error-mail-folder-missing",
            ErrorCode::MailServerRefused => "error-mail-server-refused",
            ErrorCode::InvalidEmail => "error-invalid-email",
            ErrorCode::TranscriptUnavailable => "error-transcript-unavailable",
            ErrorCode::TranscriptLimit => "error-transcript-limit",
            ErrorCode::MallNotEnabled => "error-mall-not-enabled",
            ErrorCode::ItemUnavailable => "error-item-unavailable",
            ErrorCode::InvalidQuantity => "error-invalid-quantity",
            ErrorCode::PriceChanged => "error-price-changed",
            ErrorCode::OutOfStock => "error-out-of-stock",
            ErrorCode::ReservationExpired => "error-reservation-expired",
            ErrorCode::IdempotencyKeyRequired => "error-idempotency-key-required",
            ErrorCode::IdempotencyKeyReused => "error-idempotency-key-reused",
            ErrorCode::InvalidWebhook => "error-invalid-webhook",
            ErrorCode::PaymentDeclined => "error-payment-declined",
            ErrorCode::PaymentFailed => "error-payment-failed",
            ErrorCode::PaymentUnavailable => "error-payment-unavailable",
            ErrorCode::OrderNotAllowed => "error-order-not-allowed",
            ErrorCode::InvalidCatalogItem => "error-invalid-catalog-item",
            ErrorCode::PhotoMissing => "error-photo-missing",
            ErrorCode::InvalidPriceList => "error-invalid-price-list",
            ErrorCode::InvalidDelivery => "error-invalid-delivery",
            ErrorCode::InvalidTracking => "error-invalid-tracking",
            ErrorCode::VerificationFailed => "error-verification-failed",
            ErrorCode::EmailTaken => "error-email-taken",
            ErrorCode::EmailNotVerified => "error-email-not-verified",
            ErrorCode::MallMailUnavailable => "error-mall-mail-unavailable",
            ErrorCode::ProposalClosed => "error-proposal-closed",
            ErrorCode::UnknownCustomer => "error-unknown-customer",
            ErrorCode::InvalidIdentity => "error-invalid-identity",
            ErrorCode::PhotoQuotaExceeded => "error-photo-quota-exceeded",
            ErrorCode::KeychainLocked => "error-keychain-locked",
            ErrorCode::AccountDisabled => "error-account-disabled",
            ErrorCode::WeakPassword => "error-weak-password",
            ErrorCode::EndpointNotAllowed => "error-endpoint-not-allowed",
            ErrorCode::TooManyAttempts => "error-too-many-attempts",
            ErrorCode::RequestTimeout => "error-request-timeout",
        }
    }

    /// The wire form, e.g. `invalid_credentials`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::Internal => "internal",
            ErrorCode::ServerUnreachable => "server_unreachable",
            ErrorCode::InvalidServerUrl => "invalid_server_url",
            ErrorCode::KeychainUnavailable => "keychain_unavailable",
            ErrorCode::LocalStore => "local_store",
            ErrorCode::UnexpectedResponse => "unexpected_response",
            ErrorCode::UnknownTenant => "unknown_tenant",
            ErrorCode::InvalidLanguage => "invalid_language",
            ErrorCode::InvalidVisitorToken => "invalid_visitor_token",
            ErrorCode::ConversationClosed => "conversation_closed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::MessageTooLong => "message_too_long",
            ErrorCode::IllegalTransition => "illegal_transition",
            ErrorCode::ScanFieldNotMatchable => "scan_field_not_matchable",
            ErrorCode::StepsMissing => "steps_missing",
            ErrorCode::InvalidStepValue => "invalid_step_value",
            ErrorCode::ValueOutOfRange => "value_out_of_range",
            ErrorCode::NoCodeFound => "no_code_found",
            ErrorCode::ScanNotText => "scan_not_text",
            ErrorCode::UnreadableImage => "unreadable_image",
            ErrorCode::InvalidRule => "invalid_rule",
            ErrorCode::MissingSkills => "missing_skills",
            ErrorCode::CollaboratorsOff => "collaborators_off",
            ErrorCode::InvalidLayout => "invalid_layout",
            ErrorCode::InvalidQuickReply => "invalid_quick_reply",
            ErrorCode::IdentitySigned => "identity_signed",
            ErrorCode::InvalidContact => "invalid_contact",
            ErrorCode::PreChatRequired => "pre_chat_required",
            ErrorCode::InvalidMailbox => "invalid_mailbox",
            ErrorCode::InvalidMail => "invalid_mail",
            ErrorCode::MailAuthFailed => "mail_auth_failed",
            ErrorCode::MailUnreachable => "mail_unreachable",
            ErrorCode::MailTlsFailed => "mail_tls_failed",
            ErrorCode::MailFolderMissing => "mail_folder_missing",
            ErrorCode::MailServerRefused => "mail_server_refused",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::TranscriptUnavailable => "transcript_unavailable",
            ErrorCode::TranscriptLimit => "transcript_limit",
            ErrorCode::MallNotEnabled => "mall_not_enabled",
            ErrorCode::ItemUnavailable => "item_unavailable",
            ErrorCode::InvalidQuantity => "invalid_quantity",
            ErrorCode::PriceChanged => "price_changed",
            ErrorCode::OutOfStock => "out_of_stock",
            ErrorCode::ReservationExpired => "reservation_expired",
            ErrorCode::IdempotencyKeyRequired => "idempotency_key_required",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::InvalidWebhook => "invalid_webhook",
            ErrorCode::PaymentDeclined => "payment_declined",
            ErrorCode::PaymentFailed => "payment_failed",
            ErrorCode::PaymentUnavailable => "payment_unavailable",
            ErrorCode::OrderNotAllowed => "order_not_allowed",
            ErrorCode::InvalidCatalogItem => "invalid_catalog_item",
            ErrorCode::PhotoMissing => "photo_missing",
            ErrorCode::InvalidPriceList => "invalid_price_list",
            ErrorCode::InvalidDelivery => "invalid_delivery",
            ErrorCode::InvalidTracking => "invalid_tracking",
            ErrorCode::VerificationFailed => "verification_failed",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::EmailNotVerified => "email_not_verified",
            ErrorCode::MallMailUnavailable => "mall_mail_unavailable",
            ErrorCode::ProposalClosed => "proposal_closed",
            ErrorCode::UnknownCustomer => "unknown_customer",
            ErrorCode::InvalidIdentity => "invalid_identity",
            ErrorCode::PhotoQuotaExceeded => "photo_quota_exceeded",
            ErrorCode::KeychainLocked => "keychain_locked",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::WeakPassword => "weak_password",
            ErrorCode::EndpointNotAllowed => "endpoint_not_allowed",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::RequestTimeout => "request_timeout",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_matches_serde() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn every_code_has_a_distinct_message_key() {
        let mut keys: Vec<_> = ErrorCode::ALL.iter().map(|c| c.message_key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ErrorCode::ALL.len());
    }
}
