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
    /// Periodic liveness signal, numbered (`beat`) from 1.
    Heartbeat { beat: u64, server_time: i64 },
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
    ConversationChanged {
        conversation: Box<ConversationSummary>,
    },
    /// A new message in a conversation.
    ChatMessage { message: ChatMessage },
    /// Where an agent's mail is: queued (with the last try's error),
    /// sent (the server's answer) or failed.
    MailStatus {
        conversation_id: i64,
        message_id: i64,
        status: crate::email::outgoing::SendStatus,
        detail: String,
    },
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
    /// A parts-mall order changed (admins and the buying provider's
    /// people refresh it).
    MallOrderChanged {
        order_id: i64,
        status: crate::mall::order::OrderStatus,
    },
    /// A work order's parts changed (a proposal sent or decided, one of
    /// its orders moved): its engineers refresh the parts they show.
    MallPartsChanged { work_order: i64 },
    /// Events for this connection were dropped (it could not keep up):
    /// fetch the conversation lists and the open conversation's messages
    /// again. Live events resume after it.
    Resync,
}

/// A frame of the staff socket: an event and, for events from the hub,
/// its place in this connection's stream (`seq`, from 1, one per event
/// addressed to it; 0 and absent for the connection's own frames —
/// hello, heartbeats, pongs, errors). A gap in `seq` means events were
/// lost: the client resyncs ([`StreamPosition`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequenced {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seq: u64,
    #[serde(flatten)]
    pub event: ServerEvent,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The client's side of a connection's stream: whether each sequenced
/// frame follows the last one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamPosition {
    last: u64,
}

impl StreamPosition {
    /// Takes a frame's `seq`; `false` when events before it were lost
    /// (resync). Unsequenced frames (0) are always in order.
    pub fn follows(&mut self, seq: u64) -> bool {
        if seq == 0 {
            return true;
        }
        let in_order = seq == self.last + 1;
        self.last = self.last.max(seq);
        in_order
    }
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
    fn sequenced_frames_carry_their_place_and_gaps_show() {
        let frame = Sequenced {
            seq: 3,
            event: ServerEvent::LayoutsChanged,
        };
        let json = serde_json::to_string(&frame).unwrap();
        assert_eq!(json, r#"{"seq":3,"type":"layouts_changed"}"#);
        assert_eq!(serde_json::from_str::<Sequenced>(&json).unwrap(), frame);
        // The connection's own frames have no number.
        let pong = Sequenced {
            seq: 0,
            event: ServerEvent::Pong { nonce: 1 },
        };
        let json = serde_json::to_string(&pong).unwrap();
        assert_eq!(json, r#"{"type":"pong","nonce":1}"#);
        assert_eq!(serde_json::from_str::<Sequenced>(&json).unwrap(), pong);
        assert_eq!(
            serde_json::from_str::<ServerEvent>(r#"{"seq":9,"type":"resync"}"#).unwrap(),
            ServerEvent::Resync
        );
        let mut position = StreamPosition::default();
        assert!(position.follows(1));
        assert!(position.follows(0));
        assert!(position.follows(2));
        assert!(!position.follows(4), "3 was lost");
        assert!(position.follows(5));
        assert!(!position.follows(5), "a repeat is not in order either");
    }

    #[test]
    fn events_are_tagged_json() {
        let json = serde_json::to_value(ServerEvent::Heartbeat {
            beat: 3,
            server_time: 10,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "heartbeat", "beat": 3, "server_time": 10})
        );
        let msg: ClientMessage = serde_json::from_str(r#"{"type":"ping","nonce":7}"#).unwrap();
        assert_eq!(msg, ClientMessage::Ping { nonce: 7 });
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"shout"}"#).is_err());
    }
}
