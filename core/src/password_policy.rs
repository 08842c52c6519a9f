//! What a new password must be (OWASP ASVS 2.1, NIST SP 800-63B): at
//! least [`MIN_CHARS`] characters, at most [`MAX_CHARS`], not the user
//! name, and not a common password — checked against the list the server
//! ships (`server/data/common-passwords.txt`), also when a common
//! password is merely repeated or has a few digits or symbols added.

/// The shortest password accepted.
pub const MIN_CHARS: usize = 12;
/// The longest (sign-in accepts no more).
pub const MAX_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    TooLong,
    /// The user name, a common password, or one dressed up a little.
    Guessable,
}

/// Checks a new password; `is_common` answers for a lowercase candidate.
pub fn check(
    password: &str,
    username: &str,
    is_common: impl Fn(&str) -> bool,
) -> Result<(), Weakness> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(Weakness::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(Weakness::TooLong);
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if guessable(&lower, &name, &is_common) {
        return Err(Weakness::Guessable);
    }
    Ok(())
}

fn guessable(lower: &str, name: &str, is_common: &impl Fn(&str) -> bool) -> bool {
    let core = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let added = lower.len() - core.len();
    let candidates = [
        Some(lower),
        (added <= 4).then_some(core),
        repeated_unit(lower),
    ];
    let only_dressing = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ')
    };
    candidates.into_iter().flatten().any(|c| {
        c.is_empty() || is_common(c) || (!name.is_empty() && only_dressing(&c.replace(name, "")))
    }) || distinct_chars(lower) < 4
}

/// `abcabcabc` → `abc`: a short text repeated.
fn repeated_unit(s: &str) -> Option<&str> {
    let n = s.len();
    (1..=n / 2)
        .filter(|len| n.is_multiple_of(*len) && s.is_char_boundary(*len))
        .find(|len| {
            s.as_bytes()
                .chunks(*len)
                .all(|c| c == &s.as_bytes()[..*len])
        })
        .map(|len| &s[..len])
}

fn distinct_chars(s: &str) -> usize {
    let mut seen: Vec<char> = s.chars().collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common(p: &str) -> bool {
        [
            "password",
            "qwertyuiop",
            "dragon",
            "iloveyou",
            "123456789012",
        ]
        .contains(&p)
    }

    #[test]
    fn short_common_and_dressed_up_passwords_are_refused() {
        let refused = |p: &str| check(p, "alice", common).err();
        assert_eq!(refused("short-pass1"), Some(Weakness::TooShort));
        assert_eq!(refused(&"x".repeat(257)), Some(Weakness::TooLong));
        for p in [
            "123456789012",
            "Password1234",
            "password!!!!",
            "QWERTYUIOP12",
            "dragondragon",
            "iloveyouiloveyou",
            "aaaaaaaaaaaa",
            "abababababab",
            "alice1234567",
            "Alice-2026!!",
        ] {
            assert_eq!(refused(p), Some(Weakness::Guessable), "{p}");
        }
    }

    #[test]
    fn long_unusual_passwords_pass() {
        for p in [
            "correct horse battery",
            "s3cret-pass-42",
            "Tr0ub4dor&3xyz",
            "紫禁城的晚霞很好看啊朋友",
            "password-manager-made-this-9f",
        ] {
            assert_eq!(check(p, "alice", common), Ok(()), "{p}");
        }
    }
}
