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

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::WebChat, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WebChat => "web_chat",
            Channel::Email => "email",
        }
    }
}
