//! How failed sign-ins slow down the next ones (the server keeps one
//! [`Failures`] per account and one per client address).
//!
//! The rule, for a key with `n` failures in a row (forgotten
//! [`Policy::forget_after_secs`] after the last one, or at a successful
//! sign-in for an account):
//! - the first [`Policy::free`] failures cost nothing;
//! - after that, the next attempt must wait `2^(n - free - 1)` seconds
//!   after the last failure — 1, 2, 4, 8 … — up to
//!   [`Policy::lockout_secs`], the temporary lockout;
//! - an attempt that comes too early is refused without checking the
//!   password (and without counting as a failure), with the seconds left
//!   for `Retry-After`.

/// The numbers of one kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures in a row that cost no wait.
    pub free: u32,
    /// The longest wait: the temporary lockout.
    pub lockout_secs: i64,
    /// Failures are forgotten this long after the last one.
    pub forget_after_secs: i64,
}

impl Policy {
    /// One account (tenant + user name, whether or not it exists).
    pub const ACCOUNT: Policy = Policy {
        free: 5,
        lockout_secs: 15 * 60,
        forget_after_secs: 30 * 60,
    };
    /// One client address (an office behind one NAT address gets more).
    pub const CLIENT: Policy = Policy {
        free: 20,
        lockout_secs: 15 * 60,
        forget_after_secs: 30 * 60,
    };

    /// The wait after `failures` failures in a row.
    pub fn wait_secs(self, failures: u32) -> i64 {
        if failures <= self.free {
            return 0;
        }
        let exponent = (failures - self.free - 1).min(30);
        (1i64 << exponent).min(self.lockout_secs)
    }
}

/// The failures in a row of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    pub count: u32,
    /// Unix seconds of the last failure.
    pub last_at: i64,
}

impl Failures {
    /// `Err(seconds)` when an attempt at `now` must wait that much longer.
    pub fn check(&self, policy: Policy, now: i64) -> Result<(), i64> {
        if self.forgotten(policy, now) {
            return Ok(());
        }
        let ready_at = self.last_at + policy.wait_secs(self.count);
        if now < ready_at {
            Err(ready_at - now)
        } else {
            Ok(())
        }
    }

    /// Counts a failed attempt at `now`.
    pub fn failed(&mut self, policy: Policy, now: i64) {
        if self.forgotten(policy, now) {
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        self.last_at = now;
    }

    /// Whether nothing is remembered any more (the key may be dropped).
    pub fn forgotten(&self, policy: Policy, now: i64) -> bool {
        self.count == 0 || now - self.last_at >= policy.forget_after_secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Policy = Policy::ACCOUNT;

    #[test]
    fn waits_grow_after_the_free_failures_up_to_the_lockout() {
        let waits: Vec<i64> = (0..=20).map(|n| P.wait_secs(n)).collect();
        assert_eq!(&waits[..=5], &[0, 0, 0, 0, 0, 0]);
        assert_eq!(&waits[6..=10], &[1, 2, 4, 8, 16]);
        assert_eq!(waits[15], 512);
        assert_eq!(waits[16], 900, "capped at the lockout");
        assert_eq!(P.wait_secs(u32::MAX), 900);
    }

    #[test]
    fn an_early_attempt_is_told_how_long_to_wait() {
        let mut f = Failures::default();
        for t in 0..5 {
            assert_eq!(f.check(P, t), Ok(()));
            f.failed(P, t);
        }
        assert_eq!(f.check(P, 5), Ok(()), "five failures are free");
        f.failed(P, 5);
        assert_eq!(f.check(P, 5), Err(1));
        assert_eq!(f.check(P, 6), Ok(()));
        f.failed(P, 6);
        assert_eq!(f.check(P, 6), Err(2));
        assert_eq!(f.check(P, 7), Err(1));
        assert_eq!(f.check(P, 8), Ok(()));
    }

    #[test]
    fn sixteen_guesses_a_second_end_in_the_lockout() {
        let mut f = Failures::default();
        let mut now = 0;
        let mut tried = 0;
        let mut longest = 0;
        // A guesser that waits exactly as long as told, for an hour.
        while now < 3600 {
            match f.check(P, now) {
                Ok(()) => {
                    f.failed(P, now);
                    tried += 1;
                }
                Err(wait) => {
                    longest = longest.max(wait);
                    now += wait;
                }
            }
        }
        assert!(tried < 25, "{tried} guesses in an hour");
        assert_eq!(longest, 900, "the lockout was reached");
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_while() {
        let mut f = Failures::default();
        for t in 0..10 {
            f.failed(P, t);
        }
        assert!(f.check(P, 10).is_err());
        let later = 9 + P.forget_after_secs;
        assert!(f.forgotten(P, later));
        assert_eq!(f.check(P, later), Ok(()));
        f.failed(P, later);
        assert_eq!(f.count, 1, "counting starts again");
    }
}
