//! Who of the agents can take a conversation now (status and live
//! connections, in memory), and the per-visitor message rate limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use fieldesk_core::chat::AgentStatus;

#[derive(Debug, Default, Clone, Copy)]
struct AgentPresence {
    status: AgentStatus,
    connections: u32,
}

/// Agents' chosen status and open workbench connections, per tenant.
#[derive(Default)]
pub struct Presence {
    agents: Mutex<HashMap<(i64, i64), AgentPresence>>,
}

impl Presence {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<(i64, i64), AgentPresence>) -> T) -> T {
        f(&mut self.agents.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn set_status(&self, tenant_id: i64, user_id: i64, status: AgentStatus) {
        self.with(|m| m.entry((tenant_id, user_id)).or_default().status = status);
    }

    pub fn status(&self, tenant_id: i64, user_id: i64) -> AgentStatus {
        self.with(|m| {
            m.get(&(tenant_id, user_id))
                .map(|p| p.status)
                .unwrap_or_default()
        })
    }

    pub fn connected(&self, tenant_id: i64, user_id: i64) {
        self.with(|m| m.entry((tenant_id, user_id)).or_default().connections += 1);
    }

    pub fn disconnected(&self, tenant_id: i64, user_id: i64) {
        self.with(|m| {
            if let Some(p) = m.get_mut(&(tenant_id, user_id)) {
                p.connections = p.connections.saturating_sub(1);
            }
        });
    }

    /// Agents who chose "online" and have the workbench open.
    pub fn online(&self, tenant_id: i64) -> Vec<i64> {
        let mut ids: Vec<i64> = self.with(|m| {
            m.iter()
                .filter(|((t, _), p)| {
                    *t == tenant_id && p.status == AgentStatus::Online && p.connections > 0
                })
                .map(|((_, u), _)| *u)
                .collect()
        });
        ids.sort_unstable();
        ids
    }
}

/// A token bucket per visitor: `burst` messages at once, refilled at
/// `per_sec`.
/// How fast visitors may come and talk (the `serve` flags).
#[derive(Debug, Clone, Copy)]
pub struct VisitorLimits {
    /// Chat messages one visitor may send at once…
    pub message_burst: u32,
    /// …and per second after that.
    pub messages_per_sec: f64,
    /// New visitors (a first visit, no token) from one client address at
    /// once…
    pub new_per_client_burst: u32,
    /// …and per minute after that.
    pub new_per_client_per_min: f64,
    /// New visitors of one tenant at once, and per minute after that.
    pub new_per_tenant_burst: u32,
    pub new_per_tenant_per_min: f64,
}

impl Default for VisitorLimits {
    fn default() -> Self {
        VisitorLimits {
            message_burst: 10,
            messages_per_sec: 1.0,
            new_per_client_burst: 20,
            new_per_client_per_min: 10.0,
            new_per_tenant_burst: 200,
            new_per_tenant_per_min: 600.0,
        }
    }
}

/// A token bucket per key: `burst` at once, `per_sec` after that.
pub struct RateLimiter<K> {
    burst: f64,
    per_sec: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: std::hash::Hash + Eq> RateLimiter<K> {
    pub fn new(burst: u32, per_sec: f64) -> Self {
        RateLimiter {
            burst: f64::from(burst.max(1)),
            per_sec,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token; `false` when `key` is over the limit.
    pub fn allow(&self, key: K) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if buckets.len() > 100_000 {
            // Forget idle keys rather than grow without bound.
            let burst = self.burst;
            let per_sec = self.per_sec;
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst
            });
        }
        let (tokens, at) = buckets.entry(key).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_sec).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_needs_status_and_a_connection() {
        let p = Presence::default();
        p.set_status(1, 7, AgentStatus::Online);
        assert!(p.online(1).is_empty());
        p.connected(1, 7);
        assert_eq!(p.online(1), vec![7]);
        assert!(p.online(2).is_empty());
        p.set_status(1, 7, AgentStatus::Away);
        assert!(p.online(1).is_empty());
        p.set_status(1, 7, AgentStatus::Online);
        p.disconnected(1, 7);
        assert!(p.online(1).is_empty());
    }

    #[test]
    fn bursts_are_limited_per_visitor() {
        let limiter = RateLimiter::new(3, 0.0);
        assert!((0..3).all(|_| limiter.allow((1, 1))));
        assert!(!limiter.allow((1, 1)));
        assert!(limiter.allow((1, 2)), "another visitor is not affected");
    }
}
