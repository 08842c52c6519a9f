//! Sessions, disabled accounts and the security event log: the REST
//! bodies (`/api/sessions`, `/api/users/{id}/…`, `/api/security/…`).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

pub use crate::session_policy::SessionPolicy;

/// One live sign-in of a user (`GET /api/sessions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionInfo {
    pub id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// When it ends unless used again (idle) or at the latest.
    pub ends_at: i64,
    /// The address it signed in from.
    pub client: String,
    /// The app or browser that signed in, as it named itself.
    pub user_agent: String,
    /// The session of this request.
    pub current: bool,
}

/// `POST /api/sessions/end-all`: sign out everywhere (optionally not here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EndAllBody {
    #[serde(default)]
    pub keep_current: bool,
}

/// How many sessions a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EndedSessions {
    pub ended: u32,
}

/// `PUT /api/users/{id}/disabled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DisabledBody {
    pub disabled: bool,
}

/// `PUT /api/users/{id}/role` (admins, not their own): the user's
/// sessions end, so they sign in again with the new role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RoleBody {
    pub role: crate::Role,
}

/// What happened, for the security event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecurityEventKind {
    SignInFailed,
    SignInThrottled,
    SignInDisabled,
    Forbidden,
    SettingsChanged,
    SessionsEnded,
    UserDisabled,
    UserEnabled,
    PasswordChanged,
    RoleChanged,
    /// A chat window presented a signed identity that did not verify.
    IdentityRejected,
    /// An agent linked a visitor to a customer (or unlinked them).
    CustomerLinked,
}

impl SecurityEventKind {
    pub const ALL: [SecurityEventKind; 12] = [
        SecurityEventKind::SignInFailed,
        SecurityEventKind::SignInThrottled,
        SecurityEventKind::SignInDisabled,
        SecurityEventKind::Forbidden,
        SecurityEventKind::SettingsChanged,
        SecurityEventKind::SessionsEnded,
        SecurityEventKind::UserDisabled,
        SecurityEventKind::UserEnabled,
        SecurityEventKind::PasswordChanged,
        SecurityEventKind::RoleChanged,
        SecurityEventKind::IdentityRejected,
        SecurityEventKind::CustomerLinked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEventKind::SignInFailed => "sign_in_failed",
            SecurityEventKind::SignInThrottled => "sign_in_throttled",
            SecurityEventKind::SignInDisabled => "sign_in_disabled",
            SecurityEventKind::Forbidden => "forbidden",
            SecurityEventKind::SettingsChanged => "settings_changed",
            SecurityEventKind::SessionsEnded => "sessions_ended",
            SecurityEventKind::UserDisabled => "user_disabled",
            SecurityEventKind::UserEnabled => "user_enabled",
            SecurityEventKind::PasswordChanged => "password_changed",
            SecurityEventKind::RoleChanged => "role_changed",
            SecurityEventKind::IdentityRejected => "identity_rejected",
            SecurityEventKind::CustomerLinked => "customer_linked",
        }
    }

    pub fn parse(s: &str) -> Option<SecurityEventKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Fluent key of its label in the app.
    pub fn label_key(self) -> &'static str {
        match self {
            SecurityEventKind::SignInFailed => "security-event-sign-in-failed",
            SecurityEventKind::SignInThrottled => "security-event-sign-in-throttled",
            SecurityEventKind::SignInDisabled => "security-event-sign-in-disabled",
            SecurityEventKind::Forbidden => "security-event-forbidden",
            SecurityEventKind::SettingsChanged => "security-event-settings-changed",
            SecurityEventKind::SessionsEnded => "security-event-sessions-ended",
            SecurityEventKind::UserDisabled => "security-event-user-disabled",
            SecurityEventKind::UserEnabled => "security-event-user-enabled",
            SecurityEventKind::PasswordChanged => "security-event-password-changed",
            SecurityEventKind::RoleChanged => "security-event-role-changed",
            SecurityEventKind::IdentityRejected => "security-event-identity-rejected",
            SecurityEventKind::CustomerLinked => "security-event-customer-linked",
        }
    }
}

/// One entry of the security event log (`GET /api/security/events`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SecurityEvent {
    pub id: i64,
    pub at: i64,
    pub kind: SecurityEventKind,
    /// Who acted (or tried to sign in as), as typed or known.
    pub username: String,
    /// From which address.
    pub client: String,
    /// What it concerned: a path, a setting, a user…
    pub detail: String,
}

/// What the app's security screens ask the shell (one IPC command).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SecurityCommand {
    /// The signed-in user's sessions.
    Sessions,
    EndSession {
        id: i64,
    },
    EndAll {
        keep_current: bool,
    },
    /// Admins: the tenant's users, with whether they are disabled.
    Users,
    UserSessions {
        user_id: i64,
    },
    EndUserSessions {
        user_id: i64,
    },
    SetDisabled {
        user_id: i64,
        disabled: bool,
    },
    SetRole {
        user_id: i64,
        role: crate::Role,
    },
    Policy,
    SetPolicy {
        policy: SessionPolicy,
    },
    Events {
        before: Option<i64>,
    },
    /// Admins: whether the chat window's signed identities are verified.
    Identity,
    /// Admins: a new identity secret (shown once).
    NewIdentitySecret,
    /// Admins: stop verifying identities.
    RemoveIdentitySecret,
}

/// The shell's answer to a [`SecurityCommand`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum SecurityAnswer {
    Sessions(Vec<SessionInfo>),
    Ended(EndedSessions),
    Users(Vec<crate::api::UserSummary>),
    User(crate::api::UserSummary),
    Policy(SessionPolicy),
    Events(Vec<SecurityEvent>),
    Identity(crate::identity::IdentityStatus),
    IdentitySecret(crate::identity::IdentitySecret),
}

/// Whether signing in to `server_url` would send the password unencrypted
/// to another machine: plain `http://` to anything but this one.
pub fn unencrypted_remote(server_url: &str) -> bool {
    let url = server_url.trim();
    let Some(rest) = url
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("http://"))
        .map(|_| &url[7..])
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    let host = host.to_ascii_lowercase();
    let local = host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !local
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_flagged_unless_to_this_machine() {
        for url in [
            "http://desk.example.com",
            "HTTP://10.0.0.5:8080/",
            "http://user@192.168.1.2",
            "http://[2001:db8::1]:80",
        ] {
            assert!(unencrypted_remote(url), "{url}");
        }
        for url in [
            "https://desk.example.com",
            "http://127.0.0.1:8080",
            "http://localhost:8080/",
            "http://[::1]:8080",
            "http://127.1.2.3",
            "  http://LOCALHOST ",
            "desk.example.com",
        ] {
            assert!(!unencrypted_remote(url), "{url}");
        }
    }

    #[test]
    fn event_kinds_round_trip_their_wire_names() {
        for kind in SecurityEventKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(SecurityEventKind::parse(kind.as_str()), Some(kind));
        }
    }
}
