//! Brute-force protection for `login`: failures are counted per account (tenant +
//! email) and per client IP within a window; past the allowance the key is locked with
//! exponential back-off. Kept in memory: a restart forgets, which is acceptable for a
//! back-off (the argon2 cost still bounds guessing), and it costs no database writes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many failures a key may have in a window before it is locked.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub account_failures: u32,
    pub ip_failures: u32,
    pub window: Duration,
    pub max_lock: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            account_failures: 5,
            ip_failures: 50,
            window: Duration::from_secs(15 * 60),
            max_lock: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    first_failure: Instant,
    locked_until: Option<Instant>,
}

/// Failure counters keyed by account and by IP.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    entries: Mutex<HashMap<String, Entry>>,
}

/// Entries kept before old ones are pruned.
const PRUNE_ABOVE: usize = 10_000;

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        LoginThrottle {
            policy,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, ip: &str) -> [String; 2] {
        [format!("account:{account}"), format!("ip:{ip}")]
    }

    /// Seconds until the caller may try again, if either key is locked.
    pub fn retry_after(&self, account: &str, ip: &str) -> Option<u64> {
        let now = Instant::now();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(account, ip)
            .iter()
            .filter_map(|key| entries.get(key)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| (until - now).as_secs().max(1))
            .max()
    }

    /// Counts a failed attempt; locks a key once it exceeds its allowance.
    pub fn record_failure(&self, account: &str, ip: &str) {
        let now = Instant::now();
        let policy = self.policy;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() > PRUNE_ABOVE {
            entries.retain(|_, e| {
                now.duration_since(e.first_failure) < policy.window
                    || e.locked_until.is_some_and(|u| u > now)
            });
        }
        for (key, allowance) in Self::keys(account, ip)
            .into_iter()
            .zip([policy.account_failures, policy.ip_failures])
        {
            let entry = entries.entry(key).or_insert(Entry {
                failures: 0,
                first_failure: now,
                locked_until: None,
            });
            if now.duration_since(entry.first_failure) > policy.window
                && entry.locked_until.is_none_or(|u| u <= now)
            {
                *entry = Entry {
                    failures: 0,
                    first_failure: now,
                    locked_until: None,
                };
            }
            entry.failures += 1;
            if entry.failures >= allowance {
                // 30 s, 60 s, 120 s, … for each failure past the allowance, capped.
                let exponent = (entry.failures - allowance).min(10);
                let lock = Duration::from_secs(30u64 << exponent).min(policy.max_lock);
                entry.locked_until = Some(now + lock);
            }
        }
    }

    /// Forgets the account's failures after a successful login.
    pub fn record_success(&self, account: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&format!("account:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_locked_after_its_allowance_and_others_are_not() {
        let throttle = LoginThrottle::new(ThrottlePolicy::default());
        for _ in 0..4 {
            throttle.record_failure("acme/a@x.io", "1.1.1.1");
            assert_eq!(throttle.retry_after("acme/a@x.io", "1.1.1.1"), None);
        }
        throttle.record_failure("acme/a@x.io", "1.1.1.1");
        assert!(throttle.retry_after("acme/a@x.io", "1.1.1.1").is_some());
        assert!(throttle.retry_after("acme/b@x.io", "2.2.2.2").is_none());
        throttle.record_success("acme/b@x.io");
    }

    #[test]
    fn an_ip_spraying_many_accounts_is_locked() {
        let throttle = LoginThrottle::new(ThrottlePolicy::default());
        for i in 0..50 {
            throttle.record_failure(&format!("acme/user{i}@x.io"), "9.9.9.9");
        }
        assert!(throttle.retry_after("acme/fresh@x.io", "9.9.9.9").is_some());
    }
}
