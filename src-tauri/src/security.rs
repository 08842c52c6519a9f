//! The security screens' use cases over `/api/sessions`, `/api/users` and
//! `/api/security`: the user's own sessions (end one, sign out
//! everywhere), and for admins their users' sessions, disabling, roles,
//! the session policy, the security event log and the chat identity
//! secret.

use fieldesk_core::endpoint as api;
use fieldesk_core::security::{
    DisabledBody, EndAllBody, RoleBody, SecurityAnswer, SecurityCommand as C,
};

use crate::error::AppResult;
use crate::session::{self, fetch};
use crate::state::Shell;

pub async fn call(shell: &Shell, command: C) -> AppResult<SecurityAnswer> {
    Ok(match command {
        C::Sessions => SecurityAnswer::Sessions(fetch(shell, &api::ListMySessions).await?),
        C::EndSession { id } => SecurityAnswer::Ended(fetch(shell, &api::EndSession { id }).await?),
        C::EndAll { keep_current } => SecurityAnswer::Ended(
            session::call(shell, &api::EndAllSessions, &EndAllBody { keep_current }).await?,
        ),
        C::Users => SecurityAnswer::Users(fetch(shell, &api::ListUsers).await?),
        C::UserSessions { user_id } => {
            SecurityAnswer::Sessions(fetch(shell, &api::ListUserSessions { user: user_id }).await?)
        }
        C::EndUserSessions { user_id } => {
            SecurityAnswer::Ended(fetch(shell, &api::EndUserSessions { user: user_id }).await?)
        }
        C::SetDisabled { user_id, disabled } => {
            let endpoint = api::SetUserDisabled { user: user_id };
            SecurityAnswer::User(session::call(shell, &endpoint, &DisabledBody { disabled }).await?)
        }
        C::SetRole { user_id, role } => {
            let endpoint = api::SetUserRole { user: user_id };
            SecurityAnswer::User(session::call(shell, &endpoint, &RoleBody { role }).await?)
        }
        C::Policy => SecurityAnswer::Policy(fetch(shell, &api::GetSessionPolicy).await?),
        C::SetPolicy { policy } => {
            SecurityAnswer::Policy(session::call(shell, &api::SetSessionPolicy, &policy).await?)
        }
        C::Events { before } => {
            SecurityAnswer::Events(fetch(shell, &api::ListSecurityEvents { before }).await?)
        }
        C::Identity => SecurityAnswer::Identity(fetch(shell, &api::GetIdentityStatus).await?),
        C::NewIdentitySecret => {
            SecurityAnswer::IdentitySecret(fetch(shell, &api::NewIdentitySecret).await?)
        }
        C::RemoveIdentitySecret => {
            fetch(shell, &api::RemoveIdentitySecret).await?;
            SecurityAnswer::Identity(fetch(shell, &api::GetIdentityStatus).await?)
        }
    })
}
