//! The typed transport to the Tauri shell: one function per command,
//! returning core DTOs or an [`IpcError`] with a stable code. Nothing else
//! in the UI knows about `invoke` or event plumbing.

pub mod chat;
pub mod dispatch;
pub mod field;
pub mod mail;
pub mod mall;
pub mod security;
mod tauri;
pub mod workbench;

use fieldesk_core::api::Me;
use fieldesk_core::{ErrorCode, Locale};
use serde::{Deserialize, Serialize};

pub use tauri::listen;

/// An error from the shell: match on `code`, show the localized message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IpcError {
    pub code: ErrorCode,
    #[serde(default)]
    pub message: String,
}

pub type IpcResult<T> = Result<T, IpcError>;

pub use fieldesk_core::ipc::{AppSettings, ConnectionState};

/// For requests of one kind whose answers may overtake each other: each
/// request takes a ticket, and only the newest ticket's answer is used.
#[derive(Clone, Copy)]
pub struct Latest(leptos::prelude::StoredValue<u64>);

impl Latest {
    pub fn new() -> Self {
        Latest(leptos::prelude::StoredValue::new(0))
    }

    /// A ticket for a new request (older tickets stop being the newest).
    pub fn ticket(self) -> u64 {
        use leptos::prelude::*;
        self.0.update_value(|n| *n += 1);
        self.0.get_value()
    }

    /// Whether `ticket` is still the newest request's.
    pub fn is_newest(self, ticket: u64) -> bool {
        use leptos::prelude::*;
        self.0.get_value() == ticket
    }
}

impl Default for Latest {
    fn default() -> Self {
        Latest::new()
    }
}

/// Shell events the UI listens to.
pub use fieldesk_core::ipc::{CONNECTION_EVENT, SESSION_ENDED_EVENT};

#[derive(Serialize)]
struct NoArgs {}

pub async fn app_settings() -> IpcResult<AppSettings> {
    tauri::invoke("app_settings", &NoArgs {}).await
}

pub async fn set_locale(locale: Locale) -> IpcResult<()> {
    #[derive(Serialize)]
    struct Args {
        locale: Locale,
    }
    tauri::invoke("set_locale", &Args { locale }).await
}

pub async fn login(
    server_url: &str,
    tenant: &str,
    username: &str,
    password: &str,
) -> IpcResult<Me> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        server_url: &'a str,
        tenant: &'a str,
        username: &'a str,
        password: &'a str,
    }
    tauri::invoke(
        "login",
        &Args {
            server_url,
            tenant,
            username,
            password,
        },
    )
    .await
}

pub async fn restore_session() -> IpcResult<Option<Me>> {
    tauri::invoke("restore_session", &NoArgs {}).await
}

pub async fn logout() -> IpcResult<()> {
    tauri::invoke("logout", &NoArgs {}).await
}

pub async fn connection_state() -> IpcResult<ConnectionState> {
    tauri::invoke("connection_state", &NoArgs {}).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_states_match_the_shells_json_and_have_messages() {
        for (json, state, attr) in [
            ("\"online\"", ConnectionState::Online, "online"),
            ("\"offline\"", ConnectionState::Offline, "offline"),
            ("\"connecting\"", ConnectionState::Connecting, "connecting"),
        ] {
            let parsed: ConnectionState = serde_json::from_str(json).unwrap();
            assert_eq!(parsed, state);
            assert_eq!(parsed.as_str(), attr);
            let catalog = fieldesk_core::i18n::Catalog::new();
            for locale in Locale::ALL {
                assert!(catalog.has(locale, state.message_key()), "{locale} {attr}");
            }
        }
    }

    #[test]
    fn shell_errors_decode_by_code() {
        let e: IpcError =
            serde_json::from_str(r#"{"code":"server_unreachable","message":"x"}"#).unwrap();
        assert_eq!(e.code, ErrorCode::ServerUnreachable);
        assert!(serde_json::from_str::<IpcError>(r#"{"code":"nonsense"}"#).is_err());
    }
}
