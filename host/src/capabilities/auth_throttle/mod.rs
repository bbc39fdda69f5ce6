//! `switchboard:pbx/auth-throttle`: lock-out with back-off after repeated authentication failures.
//! Needs no grant: a plugin only counts against its own mount. Service: one [`AuthThrottle`] per
//! mount, following the config's `[auth_throttle]` [`ThrottlePolicy`].
//!
//! Every API flavor checks some secret (an API key, a password, a PIN), and each would otherwise
//! reimplement counting failures — or, as the originals did, not count them at all, so a PIN of four
//! digits falls to ten thousand requests. The host keeps the counts instead, per mount, for two kinds
//! of key at once:
//!
//! - the **client address** of the request (resolved by the listener, trusted proxies included; see
//!   the listener's resolution), which stops one attacker guessing many principals' secrets;
//!   IPv6 addresses count per /64, the block one subscriber usually holds, so rotating through a
//!   prefix does not buy fresh attempts;
//! - the **principal** the plugin names (a user name, an extension, `apiKey`), which stops many
//!   addresses guessing one principal's secret.
//!
//! The first [`ThrottlePolicy::free_failures`] failures of a key cost nothing (people mistype). Each
//! failure after that locks the key for `first_lock`, doubling per further failure up to `max_lock`.
//! While a key is locked the plugin refuses *before* looking at the secret, so a right guess during
//! a lock is no guess at all. A key's failures are forgotten `forget_after` its last failure; a
//! success forgets the principal's failures (not the address's: one valid account must not reset
//! the budget for guessing the others).
//!
//! Memory is bounded: at most [`MAX_KEYS`] keys are tracked per mount. When the table is full,
//! forgotten keys are swept; if it is still full, the oldest unlocked key makes room.

#[cfg(feature = "engine")]
mod host;

#[cfg(feature = "engine")]
pub(crate) use self::host::CAPABILITY;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys tracked per mount before old ones are dropped to make room.
pub const MAX_KEYS: usize = 100_000;

/// `[auth_throttle]`: when and for how long repeated failures lock a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures a key may have before the first lock.
    pub free_failures: u32,
    /// The first lock's length; each further failure doubles it.
    pub first_lock: Duration,
    /// The longest lock.
    pub max_lock: Duration,
    /// How long after its last failure a key's count is forgotten.
    pub forget_after: Duration,
}

impl Default for ThrottlePolicy {
    /// Five free failures, then 1 s, 2 s, 4 s … up to 15 minutes; forgotten after 15 quiet minutes.
    /// A person who mistypes a few times never notices; a guesser gets about 70 attempts in the
    /// first hour and four an hour after that.
    fn default() -> Self {
        ThrottlePolicy {
            free_failures: 5,
            first_lock: Duration::from_secs(1),
            max_lock: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(15 * 60),
        }
    }
}

/// What a failure count is kept for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// A client address (IPv6: its /64).
    Address(IpAddr),
    /// A principal named by the plugin.
    Principal(String),
}

impl Key {
    fn address(addr: IpAddr) -> Key {
        Key::Address(super::client_block(addr))
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    locked_until: Option<Instant>,
}

/// One mount's failure counts.
#[derive(Debug)]
pub struct AuthThrottle {
    policy: ThrottlePolicy,
    keys: Mutex<HashMap<Key, Entry>>,
}

/// Principals longer than this are cut (a hostile client may send megabytes as a user name).
const MAX_PRINCIPAL_BYTES: usize = 256;

fn keys_of(address: Option<IpAddr>, principal: Option<&str>) -> impl Iterator<Item = Key> {
    let principal = principal.map(|p| {
        let mut end = p.len().min(MAX_PRINCIPAL_BYTES);
        while !p.is_char_boundary(end) {
            end -= 1;
        }
        Key::Principal(p[..end].to_string())
    });
    address.map(Key::address).into_iter().chain(principal)
}

impl AuthThrottle {
    /// An empty table under `policy`.
    pub fn new(policy: ThrottlePolicy) -> Self {
        AuthThrottle { policy, keys: Mutex::new(HashMap::new()) }
    }

    /// How long the caller must still wait: the longest remaining lock of its address and
    /// principal, or zero when neither is locked.
    pub fn check(&self, address: Option<IpAddr>, principal: Option<&str>, now: Instant) -> Duration {
        let keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys_of(address, principal)
            .filter_map(|key| keys.get(&key)?.locked_until)
            .map(|until| until.saturating_duration_since(now))
            .max()
            .unwrap_or_default()
    }

    /// Counts a failure for the address and the principal; returns the lock it now imposes (zero
    /// while both are within their free failures).
    pub fn failure(&self, address: Option<IpAddr>, principal: Option<&str>, now: Instant) -> Duration {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let mut longest = Duration::ZERO;
        for key in keys_of(address, principal) {
            if !keys.contains_key(&key) && keys.len() >= MAX_KEYS {
                self.make_room(&mut keys, now);
            }
            let entry = keys.entry(key).or_insert(Entry { failures: 0, last_failure: now, locked_until: None });
            if now.saturating_duration_since(entry.last_failure) >= self.policy.forget_after {
                entry.failures = 0;
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last_failure = now;
            let lock = self.lock_for(entry.failures);
            if !lock.is_zero() {
                let until = now + lock;
                entry.locked_until = Some(entry.locked_until.map_or(until, |u| u.max(until)));
                longest = longest.max(lock);
            }
        }
        longest
    }

    /// Forgets the principal's failures after a successful check.
    pub fn success(&self, principal: Option<&str>) {
        if principal.is_none() {
            return;
        }
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys_of(None, principal) {
            keys.remove(&key);
        }
    }

    /// The lock after the `failures`-th failure: none within the free ones, then doubling.
    fn lock_for(&self, failures: u32) -> Duration {
        let Some(over) = failures.checked_sub(self.policy.free_failures) else { return Duration::ZERO };
        if over == 0 {
            return Duration::ZERO;
        }
        let doublings = (over - 1).min(30);
        self.policy.first_lock.saturating_mul(1 << doublings).min(self.policy.max_lock)
    }

    /// Sweeps keys whose failures are forgotten; when none are, drops the unlocked key with the
    /// oldest failure (or, if every key is locked, the one whose lock ends first).
    fn make_room(&self, keys: &mut HashMap<Key, Entry>, now: Instant) {
        let forget_after = self.policy.forget_after;
        keys.retain(|_, e| {
            now.saturating_duration_since(e.last_failure) < forget_after || e.locked_until.is_some_and(|u| u > now)
        });
        if keys.len() < MAX_KEYS {
            return;
        }
        let victim = keys
            .iter()
            .min_by_key(|(_, e)| (e.locked_until.filter(|u| *u > now).is_some(), e.locked_until.unwrap_or(e.last_failure), e.last_failure))
            .map(|(k, _)| k.clone());
        if let Some(victim) = victim {
            keys.remove(&victim);
        }
    }

    /// Keys tracked now (for tests and the admin view).
    pub fn tracked(&self) -> usize {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            free_failures: 3,
            first_lock: Duration::from_secs(1),
            max_lock: Duration::from_secs(8),
            forget_after: Duration::from_secs(60),
        }
    }

    const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)));
    const B: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2)));

    #[test]
    fn free_failures_then_doubling_locks_up_to_the_cap() {
        let t = AuthThrottle::new(policy());
        let now = Instant::now();
        let locks: Vec<u64> = (0..8).map(|_| t.failure(A, Some("alice"), now).as_secs()).collect();
        assert_eq!(locks, [0, 0, 0, 1, 2, 4, 8, 8]);
        assert_eq!(t.check(A, None, now), Duration::from_secs(8));
        assert_eq!(t.check(B, Some("alice"), now), Duration::from_secs(8), "the principal is locked from anywhere");
        assert_eq!(t.check(B, Some("bob"), now), Duration::ZERO, "another address and principal are not");
        assert_eq!(t.check(A, Some("alice"), now + Duration::from_secs(9)), Duration::ZERO, "locks end");
    }

    #[test]
    fn success_forgets_the_principal_but_not_the_address() {
        let t = AuthThrottle::new(policy());
        let now = Instant::now();
        for _ in 0..4 {
            t.failure(A, Some("alice"), now);
        }
        t.success(Some("alice"));
        assert_eq!(t.check(B, Some("alice"), now), Duration::ZERO);
        assert_eq!(t.check(A, Some("bob"), now), Duration::from_secs(1), "the address stays locked");
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_period() {
        let t = AuthThrottle::new(policy());
        let now = Instant::now();
        for _ in 0..3 {
            t.failure(A, None, now);
        }
        assert_eq!(t.failure(A, None, now + Duration::from_secs(61)), Duration::ZERO, "the count restarted");
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let t = AuthThrottle::new(policy());
        let now = Instant::now();
        for i in 0..4u16 {
            let addr: IpAddr = format!("2001:db8:1:2::{i:x}").parse().unwrap();
            t.failure(Some(addr), None, now);
        }
        assert!(!t.check(Some("2001:db8:1:2:ffff::1".parse().unwrap()), None, now).is_zero());
        assert!(t.check(Some("2001:db8:1:3::1".parse().unwrap()), None, now).is_zero());
        for _ in 0..4 {
            t.failure(Some("::ffff:192.0.2.9".parse().unwrap()), None, now);
        }
        assert!(!t.check(Some("192.0.2.9".parse().unwrap()), None, now).is_zero());
    }

    #[test]
    fn the_table_stays_bounded_and_keeps_locked_keys() {
        let t = AuthThrottle::new(policy());
        let now = Instant::now();
        for _ in 0..4 {
            t.failure(A, None, now);
        }
        for i in 0..(MAX_KEYS as u32 + 500) {
            t.failure(None, Some(&format!("user{i}")), now);
        }
        assert_eq!(t.tracked(), MAX_KEYS);
        assert!(!t.check(A, None, now).is_zero(), "a locked key is not the one dropped");
    }

    #[test]
    fn huge_principals_are_cut_on_a_char_boundary() {
        let t = AuthThrottle::new(policy());
        let now = Instant::now();
        let long = "é".repeat(10_000);
        for _ in 0..4 {
            t.failure(None, Some(&long), now);
        }
        assert!(!t.check(None, Some(&long), now).is_zero());
    }
}
