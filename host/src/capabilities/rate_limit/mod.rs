//! `switchboard:pbx/rate-limit`: per-client request budgets in fixed windows. Needs no grant: a
//! plugin only counts against its own mount. Service: one [`RateLimiter`] per mount.
//!
//! An API that promises `X-RateLimit-*` headers and 429s needs counts that outlive one request
//! and are shared by every instance of its plugin; guest memory is neither. The host keeps them,
//! keyed on the budget's name (the plugin's own namespace) and the **client address** of the
//! request, which the listener resolved (trusted proxies included) and the plugin cannot choose.
//! IPv6 addresses count per /64, as in `auth-throttle`, so rotating through one subscriber's
//! prefix buys no fresh budget.
//!
//! A window is fixed: a client's first hit opens it for `window`, at most `limit` hits are allowed
//! in it, and a hit after it ends opens the next one. A refused hit is not counted, so a client
//! that keeps hammering is refused only until its window ends.
//!
//! Memory is bounded: at most [`MAX_COUNTERS`] counters (a name and a client) per mount, names cut
//! to [`MAX_NAME_BYTES`]. When the table is full, expired windows are dropped; if that frees too
//! little, the windows that end soonest go too, down to seven eighths of the bound, so a flood of
//! new clients costs one sweep per few thousand of them rather than one per hit.

#[cfg(feature = "engine")]
mod host;

#[cfg(feature = "engine")]
pub(crate) use self::host::CAPABILITY;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counters tracked per mount before old ones are dropped to make room.
pub const MAX_COUNTERS: usize = 100_000;
/// Budget names longer than this are cut (they are the plugin's own, but a bug could make them
/// per-request).
pub const MAX_NAME_BYTES: usize = 64;

/// One budget of one client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    name: String,
    /// The client's address block; `None` outside a request.
    client: Option<IpAddr>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    ends: Instant,
    hits: u32,
}

/// The answer to one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the hit is within the budget.
    pub allowed: bool,
    /// The budget per window, as asked.
    pub limit: u32,
    /// Hits left in the current window after this one.
    pub remaining: u32,
    /// Until the current window ends.
    pub reset: Duration,
}

/// One mount's counters.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<Key, Window>>,
}

impl RateLimiter {
    /// Counts one hit of `client` against budget `name` of `limit` hits per `window` (at least a
    /// second).
    pub fn hit(&self, name: &str, client: Option<IpAddr>, limit: u32, window: Duration, now: Instant) -> Decision {
        let window = window.max(Duration::from_secs(1));
        let mut end = name.len().min(MAX_NAME_BYTES);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        let key = Key { name: name[..end].to_string(), client: client.map(super::client_block) };
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if !windows.contains_key(&key) && windows.len() >= MAX_COUNTERS {
            make_room(&mut windows, now);
        }
        let current = windows.entry(key).or_insert(Window { ends: now + window, hits: 0 });
        if now >= current.ends {
            *current = Window { ends: now + window, hits: 0 };
        }
        let allowed = current.hits < limit;
        if allowed {
            current.hits += 1;
        }
        Decision { allowed, limit, remaining: limit.saturating_sub(current.hits), reset: current.ends - now }
    }

    /// Counters tracked now (for tests and the admin view).
    pub fn tracked(&self) -> usize {
        self.windows.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Drops expired windows; when that leaves the table above seven eighths of the bound, drops the
/// windows that end soonest until it is not.
fn make_room(windows: &mut HashMap<Key, Window>, now: Instant) {
    windows.retain(|_, w| w.ends > now);
    let keep = MAX_COUNTERS - MAX_COUNTERS / 8;
    if windows.len() <= keep {
        return;
    }
    let mut ends: Vec<Instant> = windows.values().map(|w| w.ends).collect();
    let cut = windows.len() - keep;
    let (_, &mut threshold, _) = ends.select_nth_unstable(cut - 1);
    let mut dropped = 0;
    windows.retain(|_, w| {
        let drop = dropped < cut && w.ends <= threshold;
        dropped += usize::from(drop);
        !drop
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)));
    const B: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2)));
    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_window_allows_limit_hits_then_refuses_until_it_ends() {
        let r = RateLimiter::default();
        let now = Instant::now();
        let remaining: Vec<(bool, u32)> = (0..4).map(|_| r.hit("api", A, 3, MINUTE, now)).map(|d| (d.allowed, d.remaining)).collect();
        assert_eq!(remaining, [(true, 2), (true, 1), (true, 0), (false, 0)]);
        let later = r.hit("api", A, 3, MINUTE, now + Duration::from_secs(20));
        assert!(!later.allowed);
        assert_eq!(later.reset, Duration::from_secs(40), "the window is fixed from the first hit");
        let next = r.hit("api", A, 3, MINUTE, now + MINUTE);
        assert_eq!((next.allowed, next.remaining, next.reset), (true, 2, MINUTE), "a new window");
    }

    #[test]
    fn clients_and_names_count_apart_and_ipv6_per_64() {
        let r = RateLimiter::default();
        let now = Instant::now();
        assert!(r.hit("api", A, 1, MINUTE, now).allowed);
        assert!(!r.hit("api", A, 1, MINUTE, now).allowed);
        assert!(r.hit("api", B, 1, MINUTE, now).allowed, "another address");
        assert!(r.hit("login", A, 1, MINUTE, now).allowed, "another budget");
        let v6 = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert!(r.hit("api", v6("2001:db8:1:2::1"), 1, MINUTE, now).allowed);
        assert!(!r.hit("api", v6("2001:db8:1:2:ffff::9"), 1, MINUTE, now).allowed, "the same /64");
        assert!(r.hit("api", v6("2001:db8:1:3::1"), 1, MINUTE, now).allowed, "another /64");
        assert!(!r.hit("api", v6("::ffff:192.0.2.1"), 1, MINUTE, now).allowed, "mapped IPv4 is IPv4");
    }

    #[test]
    fn a_zero_limit_refuses_and_a_zero_window_is_a_second() {
        let r = RateLimiter::default();
        let now = Instant::now();
        let d = r.hit("off", A, 0, Duration::ZERO, now);
        assert_eq!((d.allowed, d.remaining, d.reset), (false, 0, Duration::from_secs(1)));
    }

    #[test]
    fn the_table_stays_bounded() {
        let r = RateLimiter::default();
        let now = Instant::now();
        assert!(r.hit("api", A, 1, Duration::from_secs(3600), now).allowed);
        for i in 0..(MAX_COUNTERS as u32 + 10) {
            let client = Some(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
            r.hit("api", client, 5, MINUTE + Duration::from_millis(u64::from(i)), now);
        }
        assert!(r.tracked() <= MAX_COUNTERS);
        assert!(!r.hit("api", A, 1, Duration::from_secs(3600), now).allowed, "the longest window is not the one dropped");
    }

    #[test]
    fn long_names_are_cut_on_a_char_boundary() {
        let r = RateLimiter::default();
        let now = Instant::now();
        let long = "é".repeat(1000);
        assert!(r.hit(&long, A, 1, MINUTE, now).allowed);
        assert!(!r.hit(&long, A, 1, MINUTE, now).allowed);
    }
}
