//! Dispatch use cases over `/api/dispatch` and `/api/work-orders`: the
//! configuration screens (skill catalog, providers, profiles, regions,
//! rules), the dispatch board's commands and a provider admin's crew (the
//! division picker works on the table shipped in `core`). Server errors come back localized (the client sends
//! the app's language), including what a group lacks for an order.

use fieldesk_core::api::UserSummary;
use fieldesk_core::ipc::{ConfigChange, DispatchConfig, OrderCommand};
use fieldesk_core::work_order::{CrewBody, TargetBody, WorkOrderView};
use fieldesk_core::{ErrorCode, Role};
use reqwest::Method;

use crate::error::{AppError, AppResult};
use crate::session::{NO_BODY, current, get, send};
use crate::state::Shell;

/// Everything the dispatch screens show; a provider admin gets the
/// settings and their own providers only.
pub async fn config(shell: &Shell) -> AppResult<DispatchConfig> {
    let role = shell
        .store
        .session()?
        .map(|s| s.me.role)
        .ok_or_else(|| AppError::new(ErrorCode::SessionExpired, "no session"))?;
    let settings = get(shell, "api/dispatch/settings").await?;
    let providers = get(shell, "api/dispatch/providers").await?;
    if role == Role::ProviderAdmin {
        return Ok(DispatchConfig {
            settings,
            providers,
            ..DispatchConfig::default()
        });
    }
    let users: Vec<UserSummary> = get(shell, "api/users").await?;
    Ok(DispatchConfig {
        settings,
        providers,
        groups: get(shell, "api/groups").await?,
        profiles: get(shell, "api/dispatch/profiles").await?,
        regions: get(shell, "api/dispatch/regions").await?,
        rules: get(shell, "api/dispatch/rules").await?,
        users,
    })
}

/// Saves one change (checked by the server) and answers the new config.
pub async fn save(shell: &Shell, change: ConfigChange) -> AppResult<DispatchConfig> {
    let (server, token) = current(shell).await?;
    let client = &shell.client;
    match change {
        ConfigChange::Settings(settings) => {
            send::<_, serde_json::Value>(shell, Method::PUT, "api/dispatch/settings", &settings)
                .await?;
        }
        ConfigChange::Provider { id, input } => {
            let (method, path) = match id {
                Some(id) => (Method::PUT, format!("api/dispatch/providers/{id}")),
                None => (Method::POST, "api/dispatch/providers".to_owned()),
            };
            send::<_, serde_json::Value>(shell, method, &path, &input).await?;
        }
        ConfigChange::Profile { kind, id, profile } => {
            let path = format!("api/dispatch/profiles/{}/{id}", kind.as_str());
            send::<_, serde_json::Value>(shell, Method::PUT, &path, &profile).await?;
        }
        ConfigChange::Region(region) => {
            send::<_, serde_json::Value>(shell, Method::POST, "api/dispatch/regions", &region)
                .await?;
        }
        ConfigChange::Rule { id, rule } => {
            let (method, path) = match id {
                Some(id) => (Method::PUT, format!("api/dispatch/rules/{id}")),
                None => (Method::POST, "api/dispatch/rules".to_owned()),
            };
            send::<_, serde_json::Value>(shell, method, &path, &rule).await?;
        }
        ConfigChange::DeleteRule { id } => {
            let path = format!("api/dispatch/rules/{id}");
            client
                .call_no_content(Method::DELETE, &server, &token, &path, NO_BODY)
                .await?;
        }
    }
    config(shell).await
}

/// Creates, changes, re-dispatches or crews a work order.
pub async fn order(shell: &Shell, command: OrderCommand) -> AppResult<WorkOrderView> {
    match command {
        OrderCommand::Create(input) => send(shell, Method::POST, "api/work-orders", &input).await,
        OrderCommand::Update { id, change } => {
            send(
                shell,
                Method::PUT,
                &format!("api/work-orders/{id}"),
                &change,
            )
            .await
        }
        OrderCommand::Rerun { id } => {
            let path = format!("api/work-orders/{id}/auto-dispatch");
            send(shell, Method::POST, &path, &()).await
        }
        OrderCommand::Target { id, kind, target } => {
            let path = format!("api/work-orders/{id}/target");
            send(shell, Method::POST, &path, &TargetBody { kind, id: target }).await
        }
        OrderCommand::Crew {
            id,
            lead,
            collaborators,
        } => {
            let path = format!("api/work-orders/{id}/crew");
            let body = CrewBody {
                lead,
                collaborators,
            };
            send(shell, Method::POST, &path, &body).await
        }
    }
}
