//! Secrets the server keeps for tenants (the chat identity secret, later
//! mailbox passwords) are sealed with XChaCha20-Poly1305 under one server
//! key that never enters the database: `secret.key` in the data dir,
//! created on first start (mode 0600). A stolen database file alone
//! reveals none of them; the key file and the database together do, so
//! back them up separately.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::auth::random_bytes;

/// The key file's name in the data dir.
pub const KEY_FILE: &str = "secret.key";
/// Sealed values start with the scheme's version, so that a rotation can
/// tell old from new.
const PREFIX: &str = "v1:";

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the key file {0}: {1}")]
    KeyFile(String, std::io::Error),
    #[error("the key file {0} does not hold a 32-byte key")]
    BadKeyFile(String),
    #[error("a sealed value does not open with this server's key")]
    WrongKey,
}

/// The server key.
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// The key in `dir`, created if missing.
    pub fn load_or_create(dir: &Path) -> Result<Self, SealError> {
        let path = dir.join(KEY_FILE);
        let shown = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let key = STANDARD
                    .decode(text.trim())
                    .ok()
                    .filter(|k| k.len() == 32)
                    .ok_or_else(|| SealError::BadKeyFile(shown.clone()))?;
                Ok(Self::from_key(&key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_bytes::<32>();
                write_new(&path, STANDARD.encode(key).as_bytes())
                    .map_err(|e| SealError::KeyFile(shown.clone(), e))?;
                tracing::info!(key = %shown, "created the server key that seals tenants' secrets");
                Ok(Self::from_key(&key))
            }
            Err(e) => Err(SealError::KeyFile(shown, e)),
        }
    }

    /// A key that lives as long as the process (tests, tools).
    pub fn ephemeral() -> Self {
        Self::from_key(&random_bytes::<32>())
    }

    fn from_key(key: &[u8]) -> Self {
        SecretBox {
            cipher: XChaCha20Poly1305::new_from_slice(key).expect("32-byte key"),
        }
    }

    /// `v1:` and base64 of a random nonce and the ciphertext.
    pub fn seal(&self, plain: &[u8]) -> String {
        let nonce = random_bytes::<24>();
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plain)
            .expect("encrypting in memory cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD.encode(bytes))
    }

    /// Whether a stored value was sealed (else it predates sealing).
    pub fn is_sealed(value: &str) -> bool {
        value.starts_with(PREFIX)
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, SealError> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|b| b.len() > 24)
            .ok_or(SealError::WrongKey)?;
        let (nonce, sealed) = bytes.split_at(24);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), sealed)
            .map_err(|_| SealError::WrongKey)
    }
}

/// Writes a file that must not exist yet, readable by its owner only.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_with_the_same_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretBox::load_or_create(dir.path()).unwrap();
        let sealed = key.seal(b"mailbox password");
        assert!(!sealed.contains("mailbox"));
        assert_ne!(
            sealed,
            key.seal(b"mailbox password"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).unwrap(), b"mailbox password");
        // The same file again (a restart) opens it; another key does not.
        let again = SecretBox::load_or_create(dir.path()).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), b"mailbox password");
        assert!(matches!(
            SecretBox::ephemeral().open(&sealed),
            Err(SealError::WrongKey)
        ));
        // A tampered value does not open.
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(key.open(std::str::from_utf8(&tampered).unwrap()).is_err());
        assert!(key.open("plain text").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE), "short").unwrap();
        assert!(matches!(
            SecretBox::load_or_create(dir.path()),
            Err(SealError::BadKeyFile(_))
        ));
    }
}
