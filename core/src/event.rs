//! The WebSocket protocol of `GET /api/ws`: typed events from the server and
//! messages from the client, JSON with a `type` tag.

use serde::{Deserialize, Serialize};

use crate::chat::{ChatMessage, ConversationSummary};

/// What the server sends on the WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// First message after the upgrade: the connection is authenticated.
    Hello {
        user_id: i64,
        /// Seconds between heartbeats; the client may consider the link dead
        /// after two missed ones.
        heartbeat_secs: u64,
        server_time: i64,
    },
    /// Periodic liveness signal with a sequence number.
    Heartbeat { seq: u64, server_time: i64 },
    /// The answer to [`ClientMessage::Ping`].
    Pong { nonce: u64 },
    /// The session behind this connection was revoked (logout elsewhere or
    /// expiry); the server closes the connection after sending it.
    SessionRevoked,
    /// The client sent something the server could not use; the connection
    /// stays open.
    Error {
        code: crate::ErrorCode,
        message: String,
    },
    /// A conversation was created or changed (queue, assignment, language,
    /// end); sent to everyone who serves chat in the tenant.
    ConversationChanged { conversation: ConversationSummary },
    /// A new message in a conversation.
    ChatMessage { message: ChatMessage },
    /// The visitor is typing.
    VisitorTyping { conversation_id: i64 },
    /// How far the visitor has received and read (message ids).
    VisitorMarks {
        conversation_id: i64,
        delivered_up_to: i64,
        read_up_to: i64,
    },
    /// There are field-service changes to pull (`GET /api/sync/pull`).
    SyncAvailable { cursor: u64 },
    /// A work order was dispatched (or re-dispatched, or got its crew):
    /// dispatchers and the target provider's admins refresh.
    WorkOrderDispatched { work_order: i64 },
    /// Workbench layouts or their assignments changed: agents fetch the
    /// layouts they see again (`GET /api/workbench`).
    LayoutsChanged,
    /// Quick replies the receiver sees changed (`GET /api/quick-replies`).
    QuickRepliesChanged,
    /// A conversation was transferred to the receiving agent, with a note.
    Transferred {
        conversation_id: i64,
        from_agent: String,
        note: String,
    },
}

/// What the client sends on the WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Round-trip check; the server answers [`ServerEvent::Pong`].
    Ping { nonce: u64 },
    /// The agent is typing in a conversation they serve.
    Typing { conversation_id: i64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_json() {
        let json = serde_json::to_value(ServerEvent::Heartbeat {
            seq: 3,
            server_time: 10,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "heartbeat", "seq": 3, "server_time": 10})
        );
        let msg: ClientMessage = serde_json::from_str(r#"{"type":"ping","nonce":7}"#).unwrap();
        assert_eq!(msg, ClientMessage::Ping { nonce: 7 });
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"shout"}"#).is_err());
    }
}
