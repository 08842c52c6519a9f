//! How long a sign-in lasts (OWASP ASVS 3.3): a session ends when it has
//! been idle for [`SessionPolicy::idle_secs`] or is older than
//! [`SessionPolicy::max_secs`], whichever comes first; each tenant sets
//! both within [`SessionPolicy::check`]'s bounds. Activity is any
//! authenticated request; the server records it at most every
//! [`TOUCH_EVERY_SECS`].

use serde::{Deserialize, Serialize};

/// The server writes a session's last activity at most this often.
pub const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionPolicy {
    /// Seconds without activity after which a session ends.
    pub idle_secs: i64,
    /// Seconds after sign-in after which a session ends in any case.
    pub max_secs: i64,
}

impl Default for SessionPolicy {
    /// ASVS level 2: 30 minutes idle, 12 hours at most.
    fn default() -> Self {
        SessionPolicy {
            idle_secs: 30 * 60,
            max_secs: 12 * 3600,
        }
    }
}

/// The bounds a tenant's policy must keep.
pub const MIN_IDLE_SECS: i64 = 5 * 60;
pub const MAX_IDLE_SECS: i64 = 7 * 24 * 3600;
pub const MIN_MAX_SECS: i64 = 3600;
pub const MAX_MAX_SECS: i64 = 90 * 24 * 3600;

impl SessionPolicy {
    /// Within the bounds, and never idle longer than it may live.
    pub fn check(&self) -> bool {
        (MIN_IDLE_SECS..=MAX_IDLE_SECS).contains(&self.idle_secs)
            && (MIN_MAX_SECS..=MAX_MAX_SECS).contains(&self.max_secs)
            && self.idle_secs <= self.max_secs
    }

    /// When a session created at `created_at`, last active at
    /// `last_seen_at`, ends (unless revoked earlier); `cap`: the server's
    /// own longest lifetime.
    pub fn ends_at(&self, created_at: i64, last_seen_at: i64, cap: i64) -> i64 {
        (last_seen_at + self.idle_secs)
            .min(created_at + self.max_secs)
            .min(cap)
    }

    /// Whether that session is still alive at `now`.
    pub fn alive(&self, created_at: i64, last_seen_at: i64, cap: i64, now: i64) -> bool {
        now < self.ends_at(created_at, last_seen_at, cap)
    }

    /// Whether activity at `now` should be written (not too often).
    pub fn should_touch(last_seen_at: i64, now: i64) -> bool {
        now - last_seen_at >= TOUCH_EVERY_SECS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_when_idle_or_too_old() {
        let p = SessionPolicy {
            idle_secs: 600,
            max_secs: 3600,
        };
        let cap = i64::MAX;
        assert!(p.alive(0, 0, cap, 599));
        assert!(!p.alive(0, 0, cap, 600), "idle for 10 minutes");
        assert!(p.alive(0, 3000, cap, 3500), "active recently");
        assert!(!p.alive(0, 3500, cap, 3600), "an hour old, however active");
        assert!(!p.alive(0, 0, 100, 100), "the server's cap");
        assert_eq!(p.ends_at(0, 1000, cap), 1600);
        assert_eq!(p.ends_at(0, 3400, cap), 3600);
    }

    #[test]
    fn policies_keep_their_bounds() {
        assert!(SessionPolicy::default().check());
        let p = |idle_secs, max_secs| SessionPolicy {
            idle_secs,
            max_secs,
        };
        assert!(!p(60, 3600).check(), "idle under 5 minutes");
        assert!(!p(7200, 3600).check(), "idle longer than the lifetime");
        assert!(!p(600, 100 * 24 * 3600).check(), "over 90 days");
        assert!(p(600, 3600).check());
    }

    #[test]
    fn activity_is_written_at_most_once_a_minute() {
        assert!(!SessionPolicy::should_touch(100, 159));
        assert!(SessionPolicy::should_touch(100, 160));
    }
}
