//! Dispatch use cases over `/api/dispatch` and `/api/work-orders`: the
//! configuration screens (skill catalog, providers, profiles, regions,
//! rules), the dispatch board's commands and a provider admin's crew (the
//! division picker works on the table shipped in `core`). Server errors come back localized (the client sends
//! the app's language), including what a group lacks for an order.

use fieldesk_core::endpoint::{
    AutoDispatch, CreateProvider, CreateRule, CreateWorkOrder, DeleteRule, GetDispatchSettings,
    ListGroups, ListProfiles, ListProviders, ListRegions, ListRules, ListUsers, SaveRegion,
    SetCrew, SetDispatchSettings, SetProfile, SetTarget, UpdateProvider, UpdateRule,
    UpdateWorkOrder,
};
use fieldesk_core::ipc::{ConfigChange, DispatchConfig, OrderCommand};
use fieldesk_core::work_order::{CrewBody, TargetBody, WorkOrderView};
use fieldesk_core::{ErrorCode, Role};

use crate::error::{AppError, AppResult};
use crate::session::{call, fetch};
use crate::state::Shell;

/// Everything the dispatch screens show; a provider admin gets the
/// settings and their own providers only.
pub async fn config(shell: &Shell) -> AppResult<DispatchConfig> {
    let role = shell
        .store
        .session()?
        .map(|s| s.me.role)
        .ok_or_else(|| AppError::new(ErrorCode::SessionExpired, "no session"))?;
    let settings = fetch(shell, &GetDispatchSettings).await?;
    let providers = fetch(shell, &ListProviders).await?;
    if role == Role::ProviderAdmin {
        return Ok(DispatchConfig {
            settings,
            providers,
            ..DispatchConfig::default()
        });
    }
    Ok(DispatchConfig {
        settings,
        providers,
        groups: fetch(shell, &ListGroups).await?,
        profiles: fetch(shell, &ListProfiles).await?,
        regions: fetch(shell, &ListRegions).await?,
        rules: fetch(shell, &ListRules).await?,
        users: fetch(shell, &ListUsers).await?,
    })
}

/// Saves one change (checked by the server) and answers the new config.
pub async fn save(shell: &Shell, change: ConfigChange) -> AppResult<DispatchConfig> {
    match change {
        ConfigChange::Settings(settings) => {
            call(shell, &SetDispatchSettings, &settings).await?;
        }
        ConfigChange::Provider { id, input } => {
            match id {
                Some(id) => call(shell, &UpdateProvider { id }, &input).await?,
                None => call(shell, &CreateProvider, &input).await?,
            };
        }
        ConfigChange::Profile { kind, id, profile } => {
            call(shell, &SetProfile { kind, id }, &profile).await?;
        }
        ConfigChange::Region(region) => {
            call(shell, &SaveRegion, &region).await?;
        }
        ConfigChange::Rule { id, rule } => {
            match id {
                Some(id) => call(shell, &UpdateRule { id }, &rule).await?,
                None => call(shell, &CreateRule, &rule).await?,
            };
        }
        ConfigChange::DeleteRule { id } => fetch(shell, &DeleteRule { id }).await?,
    }
    config(shell).await
}

/// Creates, changes, re-dispatches or crews a work order.
pub async fn order(shell: &Shell, command: OrderCommand) -> AppResult<WorkOrderView> {
    match command {
        OrderCommand::Create(input) => call(shell, &CreateWorkOrder, &input).await,
        OrderCommand::Update { id, change } => call(shell, &UpdateWorkOrder { id }, &change).await,
        OrderCommand::Rerun { id } => fetch(shell, &AutoDispatch { id }).await,
        OrderCommand::Target { id, kind, target } => {
            call(shell, &SetTarget { id }, &TargetBody { kind, id: target }).await
        }
        OrderCommand::Crew {
            id,
            lead,
            collaborators,
        } => {
            let body = CrewBody {
                lead,
                collaborators,
            };
            call(shell, &SetCrew { id }, &body).await
        }
    }
}
