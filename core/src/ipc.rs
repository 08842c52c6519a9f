//! Types the app shell and the UI exchange over Tauri's IPC that are not
//! the server's API: the supervisor's dispatch screens and the commands
//! they send.

use serde::{Deserialize, Serialize};

use crate::dispatch::*;

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
