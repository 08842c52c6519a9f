//! Passwords (argon2id) and bearer tokens (random, stored as SHA-256), and
//! the [`Caller`] extractor that authenticates every protected route.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fieldesk_core::password_policy::{self, Weakness};
use fieldesk_core::session_policy::SessionPolicy;
use fieldesk_core::{ErrorCode, Role};
use sha2::{Digest, Sha256};

use crate::clock::now;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Session, User};

/// `N` bytes from the OS's random source.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    buf
}

/// Hashes a password with argon2id and a random salt (CPU-heavy: call it
/// from a blocking task).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes is a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

/// Checks a password against a stored hash (CPU-heavy: blocking task).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Common passwords (the 30 000 of zxcvbn 4.4.2's list, MIT), lowercase.
static COMMON_PASSWORDS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    });

/// Checks a new password of `username` ([`password_policy`]).
pub fn check_new_password(password: &str, username: &str) -> Result<(), Weakness> {
    password_policy::check(password, username, |p| COMMON_PASSWORDS.contains(p))
}

/// An argon2id hash of a random password, checked against when an
/// account does not exist, so timing does not tell (made once).
pub static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&generate_password()));

/// A new random password for generated accounts (demo users).
pub fn generate_password() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<12>())
}

/// A new opaque bearer token and the hash under which it is stored.
pub fn new_token() -> (String, String) {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// Whether a session is alive at `now`: not revoked, not idle longer or
/// older than its tenant's policy allows, not past its own expiry.
pub async fn session_alive(
    state: &AppState,
    session: &Session,
    now: i64,
) -> Result<bool, crate::store::StoreError> {
    if session.revoked {
        return Ok(false);
    }
    let policy = state.store.session_policy(session.tenant_id).await?;
    Ok(policy.alive(
        session.created_at,
        session.last_seen_at,
        session.expires_at,
        now,
    ))
}

/// The authenticated caller of a request: a live session's user.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub token_hash: String,
}

impl Caller {
    pub fn tenant_id(&self) -> i64 {
        self.user.tenant_id
    }

    /// Fails with `forbidden` unless the caller's role passes `allowed`.
    pub fn require(&self, allowed: impl Fn(Role) -> bool) -> Result<(), ApiError> {
        if allowed(self.user.role) {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::Forbidden))
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(ApiError::new(ErrorCode::Unauthorized))?;
        let hash = token_hash(token);
        let expired = || ApiError::new(ErrorCode::SessionExpired);
        let session = state.store.session(&hash).await?.ok_or_else(expired)?;
        let now = now();
        if !session_alive(state, &session, now).await? {
            return Err(expired());
        }
        let user = state
            .store
            .user(session.tenant_id, session.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(expired)?;
        if SessionPolicy::should_touch(session.last_seen_at, now) {
            state.store.touch_session(&hash, now).await?;
        }
        Ok(Caller {
            user,
            token_hash: hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(hash, hash_password("correct horse"), "salts differ");
    }

    #[test]
    fn new_passwords_are_checked_against_the_shipped_list() {
        assert_eq!(COMMON_PASSWORDS.len(), 30_000);
        assert_eq!(
            check_new_password("password", "bob"),
            Err(Weakness::TooShort)
        );
        for common in [
            "1234567890123",
            "Qwertyuiop123",
            "trustno1trustno1",
            "bob-2026-01-01",
        ] {
            assert_eq!(
                check_new_password(common, "bob"),
                Err(Weakness::Guessable),
                "{common}"
            );
        }
        assert_eq!(check_new_password("violet kettle 42 north", "bob"), Ok(()));
        assert_eq!(check_new_password(&generate_password(), "bob"), Ok(()));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(ha, token_hash(&a));
        assert_eq!(ha.len(), 64);
        assert!(!ha.contains(&a));
    }
}
