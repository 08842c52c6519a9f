//! The channels a conversation comes in on.

use serde::{Deserialize, Serialize};

/// How a conversation reaches the service: the web chat window or email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    WebChat,
    Email,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::WebChat, Channel::Email];

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WebChat => "web_chat",
            Channel::Email => "email",
        }
    }
}
