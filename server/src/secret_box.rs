//! Secrets the server keeps for tenants (the chat identity secret, later
//! mailbox passwords) are sealed with XChaCha20-Poly1305 under one server
//! key that never enters the database: `secret.key` in the data dir,
//! created on first start (mode 0600). A stolen database file alone
//! reveals none of them; the key file and the database together do, so
//! back them up separately.
//!
//! Rotation (`fieldesk-server key rotate`, server stopped) survives a
//! crash at any step: the new key is written as `secret.key.new`, the old
//! one copied to `secret.key.old`, the new one renamed over `secret.key`,
//! every sealed value resealed in one transaction, and `secret.key.old`
//! removed. While `secret.key.old` exists the server opens values sealed
//! under either key; running the command again finishes the rotation.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::auth::random_bytes;
use crate::store::StoreError;
use crate::store::sealed::{SealedSlot, SealedStore};

/// The key file's name in the data dir.
pub const KEY_FILE: &str = "secret.key";
/// The previous key while a rotation is unfinished.
pub const OLD_KEY_FILE: &str = "secret.key.old";
/// The next key while a rotation is being prepared.
const NEW_KEY_FILE: &str = "secret.key.new";
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

/// The server key (and, during a rotation, the one before it).
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
    previous: Option<XChaCha20Poly1305>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// The key in `dir`, created if missing (with the previous one while
    /// a rotation is unfinished).
    pub fn load_or_create(dir: &Path) -> Result<Self, SealError> {
        let path = dir.join(KEY_FILE);
        let mut key = match read_key(&path)? {
            Some(key) => Self::from_key(&key),
            None => {
                let key = random_bytes::<32>();
                write_new(&path, STANDARD.encode(key).as_bytes())
                    .map_err(|e| SealError::KeyFile(path.display().to_string(), e))?;
                tracing::info!(key = %path.display(), "created the server key that seals tenants' secrets");
                Self::from_key(&key)
            }
        };
        key.previous = read_key(&dir.join(OLD_KEY_FILE))?.map(|k| cipher(&k));
        Ok(key)
    }

    /// Whether a rotation has not been finished (values may be sealed
    /// under the previous key).
    pub fn rotating(&self) -> bool {
        self.previous.is_some()
    }

    /// Puts a new key in place of `dir`'s key, keeping the old one as
    /// `secret.key.old` until [`SecretBox::finish_rotation`]; if a
    /// rotation is unfinished, keeps its keys. The answer opens both.
    pub fn rotate(dir: &Path) -> Result<Self, SealError> {
        let current = dir.join(KEY_FILE);
        let old = dir.join(OLD_KEY_FILE);
        let file_error = |path: &Path| {
            let shown = path.display().to_string();
            move |e| SealError::KeyFile(shown, e)
        };
        if read_key(&old)?.is_none() {
            let Some(key) = read_key(&current)? else {
                return Err(SealError::KeyFile(
                    current.display().to_string(),
                    std::io::ErrorKind::NotFound.into(),
                ));
            };
            let next = dir.join(NEW_KEY_FILE);
            match std::fs::remove_file(&next) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(file_error(&next)(e));
                }
                _ => {}
            }
            write_new(&next, STANDARD.encode(random_bytes::<32>()).as_bytes())
                .map_err(file_error(&next))?;
            write_new(&old, STANDARD.encode(key).as_bytes()).map_err(file_error(&old))?;
            std::fs::rename(&next, &current).map_err(file_error(&current))?;
            sync_dir(dir).map_err(file_error(dir))?;
        } else if read_key(&dir.join(NEW_KEY_FILE))?.is_some() {
            // Stopped between copying the old key and putting the new one.
            std::fs::rename(dir.join(NEW_KEY_FILE), &current).map_err(file_error(&current))?;
            sync_dir(dir).map_err(file_error(dir))?;
        }
        Self::load_or_create(dir)
    }

    /// Forgets the previous key, once every value is sealed under the
    /// current one.
    pub fn finish_rotation(dir: &Path) -> Result<(), SealError> {
        let old = dir.join(OLD_KEY_FILE);
        match std::fs::remove_file(&old) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(SealError::KeyFile(old.display().to_string(), e))
            }
            _ => sync_dir(dir).map_err(|e| SealError::KeyFile(dir.display().to_string(), e)),
        }
    }

    /// A key that lives as long as the process (tests, tools).
    pub fn ephemeral() -> Self {
        Self::from_key(&random_bytes::<32>())
    }

    fn from_key(key: &[u8]) -> Self {
        SecretBox {
            cipher: cipher(key),
            previous: None,
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
        let nonce = XNonce::from_slice(nonce);
        self.cipher
            .decrypt(nonce, sealed)
            .or_else(|e| match &self.previous {
                Some(previous) => previous.decrypt(nonce, sealed),
                None => Err(e),
            })
            .map_err(|_| SealError::WrongKey)
    }

    /// `value` sealed under the current key: opened and sealed again, or
    /// sealed for the first time if it predates sealing.
    pub fn reseal(&self, value: &str) -> Result<String, SealError> {
        if !Self::is_sealed(value) {
            return Ok(self.seal(value.as_bytes()));
        }
        Ok(self.seal(&self.open(value)?))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error(transparent)]
    Key(#[from] SealError),
    #[error("{slot:?} does not open with the current or the previous key")]
    Unreadable { slot: SealedSlot },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Rotates the server key of `dir` and reseals every value in `store`
/// under the new one (see the module's steps); answers how many values
/// were resealed. Run with the server stopped.
pub async fn rotate_key(dir: &Path, store: &dyn SealedStore) -> Result<usize, RotationError> {
    let ring = SecretBox::rotate(dir)?;
    let values = store.sealed_values().await?;
    let mut changes = Vec::with_capacity(values.len());
    for old in values {
        let new = ring
            .reseal(&old.value)
            .map_err(|_| RotationError::Unreadable { slot: old.slot })?;
        changes.push((old, new));
    }
    let count = changes.len();
    store.replace_sealed(changes).await?;
    SecretBox::finish_rotation(dir)?;
    Ok(count)
}

fn cipher(key: &[u8]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new_from_slice(key).expect("32-byte key")
}

/// The key in `path`, if the file exists.
fn read_key(path: &Path) -> Result<Option<Vec<u8>>, SealError> {
    let shown = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => STANDARD
            .decode(text.trim())
            .ok()
            .filter(|k| k.len() == 32)
            .map(Some)
            .ok_or(SealError::BadKeyFile(shown)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SealError::KeyFile(shown, e)),
    }
}

/// Makes renames and removals in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
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
    fn a_rotation_reseals_under_a_new_key_and_survives_being_run_twice() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretBox::load_or_create(dir.path()).unwrap();
        let sealed = first.seal(b"imap password");
        let key_file = || std::fs::read_to_string(dir.path().join(KEY_FILE)).unwrap();
        let before = key_file();
        let ring = SecretBox::rotate(dir.path()).unwrap();
        assert_ne!(key_file(), before, "a new key in place");
        assert!(ring.rotating());
        // Until it is finished, a restart opens values under either key.
        let restarted = SecretBox::load_or_create(dir.path()).unwrap();
        assert_eq!(restarted.open(&sealed).unwrap(), b"imap password");
        let resealed = ring.reseal(&sealed).unwrap();
        assert_eq!(
            ring.reseal("legacy plain")
                .map(|v| ring.open(&v).unwrap())
                .unwrap(),
            b"legacy plain"
        );
        // Interrupted before the end: running it again keeps the new key.
        let after = key_file();
        let again = SecretBox::rotate(dir.path()).unwrap();
        assert_eq!(key_file(), after);
        assert_eq!(again.open(&sealed).unwrap(), b"imap password");
        SecretBox::finish_rotation(dir.path()).unwrap();
        let done = SecretBox::load_or_create(dir.path()).unwrap();
        assert!(!done.rotating());
        assert_eq!(done.open(&resealed).unwrap(), b"imap password");
        assert!(
            matches!(done.open(&sealed), Err(SealError::WrongKey)),
            "the old key is gone"
        );
        assert!(!dir.path().join(OLD_KEY_FILE).exists());
        assert!(!dir.path().join(NEW_KEY_FILE).exists());
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
