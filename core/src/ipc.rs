//! Types the app shell and the UI exchange over Tauri's IPC that are not
//! the server's API, defined once for both: the settings before sign-in,
//! the connection indicator, the event names, and the supervisor's
//! dispatch screens with the commands they send.

use serde::{Deserialize, Serialize};

use crate::dispatch::*;

/// The event the UI listens to for the connection indicator.
pub const CONNECTION_EVENT: &str = "connection";
/// The server ended the session.
pub const SESSION_ENDED_EVENT: &str = "session-ended";
/// Chat events from the server (conversation changes, messages, typing,
/// read marks, transfers), passed to the UI as they are.
pub const CHAT_EVENT: &str = "chat";
/// A work order's dispatch changed (payload: its id): boards refresh.
pub const DISPATCH_EVENT: &str = "dispatch";
/// Layouts or quick replies changed: the workbench fetches them again.
pub const WORKBENCH_EVENT: &str = "workbench";
/// A parts-mall order changed (payload: its id; 0 after a resync).
pub const MALL_EVENT: &str = "mall";
/// The sync state changed, and maybe the orders; the payload is a
/// [`FieldNews`].
pub const FIELD_EVENT: &str = "field";

/// The `field` event's payload: the sync bar's state, and whether the
/// shown orders may have changed (then the desk reads them again; after
/// an action the answer already carries the order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldNews {
    pub state: crate::offline::SyncState,
    pub orders_changed: bool,
}

/// What the UI needs before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSettings {
    pub locale: crate::Locale,
    pub server_url: String,
    pub tenant: String,
    pub username: String,
}

/// The live link to the server, as the indicator shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    #[default]
    Offline,
    Connecting,
    Online,
}

impl ConnectionState {
    /// The value of the indicator's `data-state`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Offline => "offline",
            ConnectionState::Connecting => "connecting",
            ConnectionState::Online => "online",
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            ConnectionState::Offline => "connection-offline",
            ConnectionState::Connecting => "connection-connecting",
            ConnectionState::Online => "connection-online",
        }
    }
}

/// The dispatch configuration as the app's screens show it (a provider
/// admin gets only the settings and their own providers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DispatchConfig {
    pub settings: DispatchSettings,
    pub groups: Vec<crate::group::ServiceGroup>,
    pub providers: Vec<ProviderView>,
    pub profiles: Vec<ProfileEntry>,
    pub regions: Vec<NamedRegion>,
    pub rules: Vec<Rule>,
    pub users: Vec<crate::api::UserSummary>,
}

impl DispatchConfig {
    /// Every group, then every provider: (kind, id, name).
    pub fn targets(&self) -> Vec<(TargetKind, i64, String)> {
        let groups = self
            .groups
            .iter()
            .map(|g| (TargetKind::ServiceGroup, g.id, g.name.clone()));
        let providers = self
            .providers
            .iter()
            .map(|p| (TargetKind::ServiceProvider, p.id, p.name.clone()));
        groups.chain(providers).collect()
    }
}

/// One change to the dispatch configuration (app → shell → REST).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ConfigChange {
    Settings(DispatchSettings),
    Provider {
        id: Option<i64>,
        input: crate::group::ServiceGroupInput,
    },
    Profile {
        kind: TargetKind,
        id: i64,
        profile: DispatchProfile,
    },
    Region(NamedRegion),
    Rule {
        id: Option<i64>,
        rule: Rule,
    },
    DeleteRule {
        id: i64,
    },
}

/// What a dispatcher or provider admin does to a work order from the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum OrderCommand {
    Create(crate::work_order::WorkOrderInput),
    Update {
        id: i64,
        change: crate::work_order::WorkOrderChange,
    },
    /// Run auto-dispatch again.
    Rerun {
        id: i64,
    },
    /// Dispatch by hand (the skill check applies).
    Target {
        id: i64,
        kind: TargetKind,
        target: i64,
    },
    /// A provider admin names the lead and collaborators.
    Crew {
        id: i64,
        lead: i64,
        collaborators: Vec<i64>,
    },
}
