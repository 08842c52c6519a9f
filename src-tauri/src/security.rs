//! The security screens' use cases over `/api/sessions`, `/api/users` and
//! `/api/security`: the user's own sessions (end one, sign out
//! everywhere), and for admins their users' sessions, disabling, roles,
//! the session policy, the security event log and the chat identity
//! secret.

use fieldesk_core::api::UserSummary;
use fieldesk_core::security::{
    DisabledBody, EndAllBody, EndedSessions, RoleBody, SecurityAnswer, SecurityCommand,
};
use reqwest::Method;

use crate::error::AppResult;
use crate::session::{get, send, send_no_content};
use crate::state::Shell;

pub async fn call(shell: &Shell, command: SecurityCommand) -> AppResult<SecurityAnswer> {
    use SecurityCommand::*;
    Ok(match command {
        Sessions => SecurityAnswer::Sessions(get(shell, "api/sessions").await?),
        EndSession { id } => {
            let ended: EndedSessions =
                send(shell, Method::DELETE, &format!("api/sessions/{id}"), &()).await?;
            SecurityAnswer::Ended(ended)
        }
        EndAll { keep_current } => SecurityAnswer::Ended(
            send(
                shell,
                Method::POST,
                "api/sessions/end-all",
                &EndAllBody { keep_current },
            )
            .await?,
        ),
        Users => SecurityAnswer::Users(get(shell, "api/users").await?),
        UserSessions { user_id } => {
            SecurityAnswer::Sessions(get(shell, &format!("api/users/{user_id}/sessions")).await?)
        }
        EndUserSessions { user_id } => SecurityAnswer::Ended(
            send(
                shell,
                Method::POST,
                &format!("api/users/{user_id}/sessions/end"),
                &(),
            )
            .await?,
        ),
        SetDisabled { user_id, disabled } => {
            let user: UserSummary = send(
                shell,
                Method::PUT,
                &format!("api/users/{user_id}/disabled"),
                &DisabledBody { disabled },
            )
            .await?;
            SecurityAnswer::User(user)
        }
        SetRole { user_id, role } => {
            let user: UserSummary = send(
                shell,
                Method::PUT,
                &format!("api/users/{user_id}/role"),
                &RoleBody { role },
            )
            .await?;
            SecurityAnswer::User(user)
        }
        Policy => SecurityAnswer::Policy(get(shell, "api/security/settings").await?),
        SetPolicy { policy } => SecurityAnswer::Policy(
            send(shell, Method::PUT, "api/security/settings", &policy).await?,
        ),
        Events { before } => {
            let path = match before {
                Some(id) => format!("api/security/events?before={id}"),
                None => "api/security/events".to_owned(),
            };
            SecurityAnswer::Events(get(shell, &path).await?)
        }
        Identity => SecurityAnswer::Identity(get(shell, "api/chat/identity").await?),
        NewIdentitySecret => SecurityAnswer::IdentitySecret(
            send(shell, Method::POST, "api/chat/identity/secret", &()).await?,
        ),
        RemoveIdentitySecret => {
            send_no_content(
                shell,
                Method::DELETE,
                "api/chat/identity/secret",
                crate::session::NO_BODY,
            )
            .await?;
            SecurityAnswer::Identity(get(shell, "api/chat/identity").await?)
        }
    })
}
