//! The channels a conversation comes in on.

use serde::{Deserialize, Serialize};

/// How a conversation reaches the service: the web chat window or email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    WebChat,
    Email,
}
