//! Mail that could not be read: kept whole, shown to admins with why,
//! and read again on "retry" — never dropped, never fetched again.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A mail waiting in the quarantine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuarantinedMail {
    pub id: i64,
    pub mailbox_id: i64,
    /// Why it could not be read.
    pub error: String,
    pub size: u64,
    pub created_at: i64,
}

/// What a retry did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RetryOutcome {
    /// The conversation it is now in; none if it is still unreadable.
    pub conversation_id: Option<i64>,
    /// Why it still cannot be read.
    pub error: Option<String>,
}
