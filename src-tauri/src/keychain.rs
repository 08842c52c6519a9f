//! The session token in the OS keychain (keyring): Secret Service on
//! Linux, Keychain on macOS/iOS, Credential Manager on Windows. One entry
//! per profile data dir, so profiles never share a token.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::AppResult;

const SERVICE: &str = "com.fieldesk.app";

pub struct TokenVault {
    account: String,
}

impl TokenVault {
    /// The vault of the profile stored in `data_dir`.
    pub fn for_profile(data_dir: &Path) -> Self {
        let canonical = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
        let digest = Sha256::digest(canonical.to_string_lossy().as_bytes());
        let id: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        TokenVault {
            account: format!("session-{id}"),
        }
    }

    fn entry(&self) -> AppResult<keyring::Entry> {
        Ok(keyring::Entry::new(SERVICE, &self.account)?)
    }

    /// Blocking (D-Bus on Linux): call from a blocking task.
    pub fn save(&self, token: &str) -> AppResult<()> {
        Ok(self.entry()?.set_password(token)?)
    }

    pub fn load(&self) -> AppResult<Option<String>> {
        match self.entry()?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the token; removing a missing one is fine.
    pub fn delete(&self) -> AppResult<()> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
