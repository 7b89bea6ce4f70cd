//! Brute-force protection for `login`, kept in memory (a restart forgets, which is
//! acceptable for a back-off: the argon2 cost still bounds guessing, and it costs no
//! database writes). Counters within a window, each locking with exponential back-off
//! once past its allowance:
//!
//! - failures of one account *from one address* (5): what a guesser runs into; the
//!   account's owner elsewhere is not locked out by someone else's guesses;
//! - failures of one account from anywhere (50): a distributed guesser;
//! - attempts on one account, failed or not (30): one account cannot be made to burn
//!   hundreds of password hashes, even with the right password;
//! - failures from one address across accounts (200): a spray. The address is only a
//!   signal (many users share one behind NAT): while it is locked a *correct* password
//!   still signs in, only wrong ones are answered RATE_LIMITED.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Allowances within a window (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures of one account from one address.
    pub account_failures: u32,
    /// Failures of one account from any address.
    pub account_total_failures: u32,
    /// Attempts (any outcome) on one account.
    pub account_attempts: u32,
    /// Failures from one address over all accounts.
    pub ip_failures: u32,
    pub window: Duration,
    pub max_lock: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            account_failures: 5,
            account_total_failures: 50,
            account_attempts: 30,
            ip_failures: 200,
            window: Duration::from_secs(15 * 60),
            max_lock: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// What the throttle says before a password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Open,
    /// Refuse without checking the password: retry after this many seconds.
    Locked(u64),
    /// The address is locked: check the password, but answer a wrong one RATE_LIMITED
    /// with this retry-after.
    AddressLocked(u64),
}

/// The counters, keyed by what they count.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    entries: Mutex<HashMap<String, Entry>>,
}

/// Entries kept before old ones are pruned.
const PRUNE_ABOVE: usize = 10_000;

fn pair(account: &str, ip: &str) -> String {
    format!("pair:{account}|{ip}")
}
fn account_key(account: &str) -> String {
    format!("account:{account}")
}
fn attempts_key(account: &str) -> String {
    format!("attempts:{account}")
}
fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        LoginThrottle {
            policy,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Decides whether an attempt on `account` from `ip` may check its password, and
    /// counts it as an attempt.
    pub fn attempt(&self, account: &str, ip: &str) -> Verdict {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let locked = |key: &str| {
            entries
                .get(key)
                .and_then(|e| e.locked_until)
                .filter(|until| *until > now)
                .map(|until| (until - now).as_secs().max(1))
        };
        let hard = [
            pair(account, ip),
            account_key(account),
            attempts_key(account),
        ]
        .iter()
        .filter_map(|key| locked(key))
        .max();
        if let Some(secs) = hard {
            return Verdict::Locked(secs);
        }
        let address = locked(&ip_key(ip));
        self.count(
            &mut entries,
            attempts_key(account),
            self.policy.account_attempts,
            now,
        );
        match address {
            Some(secs) => Verdict::AddressLocked(secs),
            None => Verdict::Open,
        }
    }

    /// Counts a failed attempt against the account (from this address and overall) and
    /// the address.
    pub fn record_failure(&self, account: &str, ip: &str) {
        let now = Instant::now();
        let policy = self.policy;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() > PRUNE_ABOVE {
            entries.retain(|_, e| {
                now.duration_since(e.first) < policy.window
                    || e.locked_until.is_some_and(|u| u > now)
            });
        }
        self.count(
            &mut entries,
            pair(account, ip),
            policy.account_failures,
            now,
        );
        self.count(
            &mut entries,
            account_key(account),
            policy.account_total_failures,
            now,
        );
        self.count(&mut entries, ip_key(ip), policy.ip_failures, now);
    }

    /// Forgets the failures of the account from this address after a successful login.
    pub fn record_success(&self, account: &str, ip: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&pair(account, ip));
    }

    fn count(
        &self,
        entries: &mut HashMap<String, Entry>,
        key: String,
        allowance: u32,
        now: Instant,
    ) {
        let entry = entries.entry(key).or_insert(Entry {
            count: 0,
            first: now,
            locked_until: None,
        });
        if now.duration_since(entry.first) > self.policy.window
            && entry.locked_until.is_none_or(|u| u <= now)
        {
            *entry = Entry {
                count: 0,
                first: now,
                locked_until: None,
            };
        }
        entry.count += 1;
        if entry.count >= allowance {
            // 30 s, 60 s, 120 s, … for each count past the allowance, capped.
            let exponent = (entry.count - allowance).min(10);
            let lock = Duration::from_secs(30u64 << exponent).min(self.policy.max_lock);
            entry.locked_until = Some(now + lock);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_locked_for_the_address_guessing_it_not_for_its_owner() {
        let throttle = LoginThrottle::new(ThrottlePolicy::default());
        for _ in 0..4 {
            assert_eq!(throttle.attempt("acme/a@x.io", "1.1.1.1"), Verdict::Open);
            throttle.record_failure("acme/a@x.io", "1.1.1.1");
        }
        assert_eq!(throttle.attempt("acme/a@x.io", "1.1.1.1"), Verdict::Open);
        throttle.record_failure("acme/a@x.io", "1.1.1.1");
        assert!(matches!(
            throttle.attempt("acme/a@x.io", "1.1.1.1"),
            Verdict::Locked(_)
        ));
        assert_eq!(throttle.attempt("acme/a@x.io", "2.2.2.2"), Verdict::Open);
        assert_eq!(throttle.attempt("acme/b@x.io", "1.1.1.1"), Verdict::Open);
    }

    #[test]
    fn a_spraying_address_only_signals_and_a_distributed_guess_locks_the_account() {
        let throttle = LoginThrottle::new(ThrottlePolicy::default());
        for i in 0..200 {
            throttle.record_failure(&format!("acme/user{i}@x.io"), "9.9.9.9");
        }
        assert!(matches!(
            throttle.attempt("other/admin@x.io", "9.9.9.9"),
            Verdict::AddressLocked(_)
        ));
        for i in 0..50 {
            throttle.record_failure("acme/target@x.io", &format!("10.0.0.{i}"));
        }
        assert!(matches!(
            throttle.attempt("acme/target@x.io", "8.8.8.8"),
            Verdict::Locked(_)
        ));
    }

    #[test]
    fn attempts_are_counted_whatever_their_outcome() {
        let throttle = LoginThrottle::new(ThrottlePolicy::default());
        for _ in 0..30 {
            assert_eq!(throttle.attempt("acme/a@x.io", "1.1.1.1"), Verdict::Open);
            throttle.record_success("acme/a@x.io", "1.1.1.1");
        }
        assert!(matches!(
            throttle.attempt("acme/a@x.io", "1.1.1.1"),
            Verdict::Locked(_)
        ));
    }
}
