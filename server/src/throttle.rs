//! Failed sign-ins per account and per client address, kept in memory and
//! judged by [`fieldesk_core::login_throttle`].

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

use fieldesk_core::login_throttle::{Failures, Policy};

/// Keys kept before forgotten ones are swept out.
const SWEEP_AT: usize = 10_000;

struct Keyed<K> {
    policy: Policy,
    map: Mutex<HashMap<K, Failures>>,
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn new(policy: Policy) -> Self {
        Keyed {
            policy,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Failures>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn check(&self, key: &K, now: i64) -> Result<(), i64> {
        self.lock()
            .get(key)
            .map_or(Ok(()), |f| f.check(self.policy, now))
    }

    fn failed(&self, key: &K, now: i64) -> u32 {
        let mut map = self.lock();
        if map.len() >= SWEEP_AT {
            let policy = self.policy;
            map.retain(|_, f| !f.forgotten(policy, now));
        }
        let failures = map.entry(key.clone()).or_default();
        failures.failed(self.policy, now);
        failures.count
    }

    fn clear(&self, key: &K) {
        self.lock().remove(key);
    }
}

/// An account as typed at sign-in: tenant and user name, whether or not
/// they exist (so unknown names are throttled alike).
pub type AccountKey = (String, String);

pub fn account_key(tenant: &str, username: &str) -> AccountKey {
    (tenant.trim().to_lowercase(), username.trim().to_lowercase())
}

pub struct LoginThrottle {
    accounts: Keyed<AccountKey>,
    clients: Keyed<IpAddr>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            accounts: Keyed::new(Policy::ACCOUNT),
            clients: Keyed::new(Policy::CLIENT),
        }
    }
}

impl LoginThrottle {
    /// `Err(seconds)` when a sign-in must wait (the longer of the two).
    pub fn check(&self, account: &AccountKey, client: IpAddr, now: i64) -> Result<(), i64> {
        match (
            self.accounts.check(account, now),
            self.clients.check(&client, now),
        ) {
            (Ok(()), Ok(())) => Ok(()),
            (a, c) => Err(a.err().unwrap_or(0).max(c.err().unwrap_or(0))),
        }
    }

    /// Counts a failure; answers the account's and the client's counts.
    pub fn failed(&self, account: &AccountKey, client: IpAddr, now: i64) -> (u32, u32) {
        (
            self.accounts.failed(account, now),
            self.clients.failed(&client, now),
        )
    }

    /// A successful sign-in clears the account (not the address: one
    /// good password must not reset a guesser's count for the others).
    pub fn succeeded(&self, account: &AccountKey) {
        self.accounts.clear(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_addresses_are_counted_apart() {
        let t = LoginThrottle::default();
        let ip: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        let alice = account_key("Acme", " Alice ");
        assert_eq!(alice, account_key("acme", "alice"));
        for now in 0..6 {
            assert_eq!(t.check(&alice, ip, now), Ok(()));
            t.failed(&alice, ip, now);
        }
        assert_eq!(t.check(&alice, ip, 5), Err(1), "the account waits");
        assert_eq!(t.check(&alice, other, 5), Err(1), "from any address");
        let bob = account_key("acme", "bob");
        assert_eq!(t.check(&bob, ip, 5), Ok(()), "other accounts do not");
        t.succeeded(&alice);
        assert_eq!(t.check(&alice, ip, 5), Ok(()));
        // An address that tries many accounts is held up itself.
        for (i, now) in (10..31).enumerate() {
            t.failed(&account_key("acme", &format!("u{i}")), other, now);
        }
        assert!(t.check(&account_key("acme", "new"), other, 30).is_err());
        assert_eq!(t.check(&account_key("acme", "new"), ip, 30), Ok(()));
    }
}
