//! Customer accounts of the portal: their own kind of account (never a
//! staff role), signed up with an email address verified by a code the
//! tenant's service mailbox sends.

use serde::{Deserialize, Serialize};

use crate::Locale;
use crate::email::address;

/// Digits of a verification code.
pub const CODE_DIGITS: usize = 6;
/// How long a code is good for (seconds).
pub const CODE_SECONDS: i64 = 15 * 60;
/// Wrong codes before the code is spent (a new one must be asked for).
pub const CODE_ATTEMPTS: u32 = 5;
/// Codes one address may be sent in an hour.
pub const CODES_PER_HOUR: u32 = 5;

/// `POST /api/shop/{tenant}/signup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupBody {
    pub email: String,
    pub password: String,
    pub name: String,
    #[serde(default)]
    pub locale: Option<Locale>,
}

/// `POST /api/shop/{tenant}/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyBody {
    pub email: String,
    pub code: String,
}

/// `POST /api/shop/{tenant}/signin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigninBody {
    pub email: String,
    pub password: String,
}

/// A customer as they and the staff see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub locale: Locale,
    pub verified: bool,
}

/// A signed-in customer: the bearer token of the portal and who it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerSession {
    pub token: String,
    pub customer: Customer,
}

/// What is wrong with a sign-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignupError {
    #[error("not an email address")]
    Email,
    #[error("the name is empty or too long")]
    Name,
}

/// The sign-up's address, normalized, and name, trimmed.
pub fn check_signup(body: &SignupBody) -> Result<(String, String), SignupError> {
    let email = address::normalize(&body.email);
    if !address::is_valid(&email) {
        return Err(SignupError::Email);
    }
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(SignupError::Name);
    }
    Ok((email, name.to_owned()))
}

/// A code from 32 random bits: six digits, leading zeros kept.
pub fn code_from(random: u32) -> String {
    format!("{:0width$}", random % 1_000_000, width = CODE_DIGITS)
}

/// What a code typed in is, as compared: digits only (spaces and dashes
/// people type are dropped).
pub fn typed_code(input: &str) -> String {
    input.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_ups_are_checked() {
        let body = |email: &str, name: &str| SignupBody {
            email: email.into(),
            password: "x".into(),
            name: name.into(),
            locale: None,
        };
        assert_eq!(
            check_signup(&body(" Li.Lei@Example.COM ", " 李雷 ")),
            Ok(("li.lei@example.com".into(), "李雷".into()))
        );
        assert_eq!(
            check_signup(&body("li.lei", "李雷")),
            Err(SignupError::Email)
        );
        assert_eq!(check_signup(&body("a@b.cn", " ")), Err(SignupError::Name));
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(code_from(42), "000042");
        assert_eq!(code_from(u32::MAX), "967295");
        assert_eq!(typed_code(" 123-456 "), "123456");
    }
}
