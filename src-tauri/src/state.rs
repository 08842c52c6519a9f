//! The shell's state, managed by Tauri (`app.manage`) and handed to
//! commands as `State<'_, SharedShell>`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::AppResult;
use crate::field::engine::SyncEngine;
use crate::keychain::TokenVault;
use crate::live::LiveLink;
use crate::local_store::LocalStore;
use crate::server_client::ServerClient;

/// Overrides the profile's data dir (tests, several profiles on one machine).
pub const DATA_DIR_ENV: &str = "FIELDESK_APP_DATA_DIR";
/// Pre-fills the login form's server URL when nothing was used before.
pub const SERVER_URL_ENV: &str = "FIELDESK_SERVER_URL";
/// Pre-fills the login form's tenant when nothing was used before.
pub const TENANT_ENV: &str = "FIELDESK_TENANT";

/// The shell as Tauri manages it and its tasks hold it.
pub type SharedShell = Arc<Shell>;

pub struct Shell {
    pub store: LocalStore,
    pub vault: Arc<TokenVault>,
    pub client: ServerClient,
    pub live: LiveLink,
    pub sync: SyncEngine,
}

impl Shell {
    pub fn open(data_dir: &Path) -> AppResult<Self> {
        let store = LocalStore::open(data_dir)?;
        let client = ServerClient::default();
        client.set_locale(store.locale()?);
        Ok(Shell {
            store,
            vault: Arc::new(TokenVault::for_profile(data_dir)),
            client,
            live: LiveLink::default(),
            sync: SyncEngine::default(),
        })
    }
}

/// The data dir: `FIELDESK_APP_DATA_DIR` if set, else the platform's.
pub fn data_dir(platform_default: impl FnOnce() -> Option<PathBuf>) -> PathBuf {
    std::env::var_os(DATA_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(platform_default)
        .unwrap_or_else(|| PathBuf::from("fieldesk-app-data"))
}
