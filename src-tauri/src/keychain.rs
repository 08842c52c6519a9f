//! The session token in the OS keychain (keyring): Secret Service on
//! Linux, Keychain on macOS/iOS, Credential Manager on Windows. One entry
//! per profile data dir, so profiles never share a token. The token read
//! once is kept in this process's memory (never in a file): every call to
//! the server needs it, and a keychain that stalls or restarts for a moment
//! must not fail them.

use std::path::Path;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::error::AppResult;

const SERVICE: &str = "com.fieldesk.app";

pub struct TokenVault {
    account: String,
    held: Mutex<Option<String>>,
}

impl TokenVault {
    /// The vault of the profile stored in `data_dir`.
    pub fn for_profile(data_dir: &Path) -> Self {
        let canonical = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
        let digest = Sha256::digest(canonical.to_string_lossy().as_bytes());
        let id: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        TokenVault {
            account: format!("session-{id}"),
            held: Mutex::new(None),
        }
    }

    fn entry(&self) -> AppResult<keyring::Entry> {
        Ok(keyring::Entry::new(SERVICE, &self.account)?)
    }

    /// Blocking (D-Bus on Linux): call from a blocking task.
    pub fn save(&self, token: &str) -> AppResult<()> {
        self.entry()?.set_password(token)?;
        *self.held() = Some(token.to_owned());
        Ok(())
    }

    /// The token: held in memory once read or saved, else from the keychain.
    pub fn load(&self) -> AppResult<Option<String>> {
        if let Some(token) = self.held().clone() {
            return Ok(Some(token));
        }
        match self.entry()?.get_password() {
            Ok(token) => {
                *self.held() = Some(token.clone());
                Ok(Some(token))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the token; removing a missing one is fine.
    pub fn delete(&self) -> AppResult<()> {
        self.held().take();
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}
