//! Per-client request budgets (WIT `switchboard:pbx/rate-limit`), counted by the host per mount.
//!
//! The host counts hits per budget name and per client address of the request (which the plugin
//! cannot choose; IPv6 per /64) in fixed windows. Ask once per request, before doing the work:
//!
//! ```no_run
//! use switchboard_sdk::prelude::*;
//! use switchboard_sdk::rate_limit;
//!
//! fn list(_: &Request) -> Result<Response, Error> {
//!     let decision = rate_limit::hit("api", 60, 60); // 60 requests a minute per client
//!     if !decision.allowed {
//!         return Err(decision.into()); // 429 with Retry-After and X-RateLimit-*
//!     }
//!     let response = Response::json(&serde_json::json!([]))?;
//!     Ok(decision.headers().into_iter().fold(response, |r, (name, value)| r.header(name, value)))
//! }
//! ```
//!
//! A flavor with its own error format builds its own 429 from the [`RateDecision`] fields. Off
//! wasm (native unit tests) the same fixed-window counting runs in the process, for one client, so
//! a router's 429 can be tested; [`reset_native`] forgets the counts between tests.

use crate::error::Error;

/// The answer to one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether this hit is within the budget; when false, refuse the request (429).
    pub allowed: bool,
    /// The budget per window, as asked (`X-RateLimit-Limit`).
    pub limit: u32,
    /// Hits left in the current window after this one (`X-RateLimit-Remaining`).
    pub remaining: u32,
    /// Seconds until the window ends, at least 1 (`X-RateLimit-Reset`, `Retry-After`).
    pub reset_seconds: u32,
}

impl RateDecision {
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the
    /// window ends), for every answer of a limited route.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("x-ratelimit-limit", self.limit.to_string()),
            ("x-ratelimit-remaining", self.remaining.to_string()),
            ("x-ratelimit-reset", self.reset_seconds.to_string()),
        ]
    }
}

impl From<RateDecision> for Error {
    /// 429 `rate_limited` with `Retry-After` and the `X-RateLimit-*` headers.
    fn from(decision: RateDecision) -> Error {
        let secs = decision.reset_seconds.max(1);
        let error = Error::new(429, "rate_limited", format!("too many requests; try again in {secs} s"))
            .with_header("retry-after", secs.to_string());
        decision.headers().into_iter().fold(error, |e, (name, value)| e.with_header(name, value))
    }
}

/// Counts one hit of the current request's client against the budget `name` of at most `limit`
/// hits per `window_seconds`. A refused hit is not counted.
pub fn hit(name: &str, limit: u32, window_seconds: u32) -> RateDecision {
    imp::hit(name, limit, window_seconds)
}

/// Forgets every native count (off wasm only; the host's counts are its own).
#[cfg(not(target_family = "wasm"))]
pub fn reset_native() {
    imp::reset();
}

#[cfg(target_family = "wasm")]
mod imp {
    use crate::bindings::switchboard::pbx::rate_limit as wit;

    pub fn hit(name: &str, limit: u32, window_seconds: u32) -> super::RateDecision {
        let d = wit::hit(name, limit, window_seconds);
        super::RateDecision { allowed: d.allowed, limit: d.limit, remaining: d.remaining, reset_seconds: d.reset_seconds }
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::time::{Duration, Instant};

    thread_local! {
        /// Budget name → (window end, hits), for the one client native tests have.
        static WINDOWS: RefCell<HashMap<String, (Instant, u32)>> = RefCell::new(HashMap::new());
    }

    pub fn hit(name: &str, limit: u32, window_seconds: u32) -> super::RateDecision {
        let now = Instant::now();
        let window = Duration::from_secs(u64::from(window_seconds.max(1)));
        WINDOWS.with_borrow_mut(|windows| {
            let (ends, hits) = windows.entry(name.to_string()).or_insert((now + window, 0));
            if now >= *ends {
                (*ends, *hits) = (now + window, 0);
            }
            let allowed = *hits < limit;
            if allowed {
                *hits += 1;
            }
            let reset_seconds = u32::try_from((*ends - now).as_millis().div_ceil(1000)).unwrap_or(u32::MAX).max(1);
            super::RateDecision { allowed, limit, remaining: limit.saturating_sub(*hits), reset_seconds }
        })
    }

    pub fn reset() {
        WINDOWS.with_borrow_mut(HashMap::clear);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_native_stand_in_counts_a_fixed_window() {
        reset_native();
        let seen: Vec<(bool, u32)> = (0..3).map(|_| hit("api", 2, 60)).map(|d| (d.allowed, d.remaining)).collect();
        assert_eq!(seen, [(true, 1), (true, 0), (false, 0)]);
        assert!(hit("other", 2, 60).allowed, "budgets count apart");
        reset_native();
        assert!(hit("api", 2, 60).allowed);
    }

    #[test]
    fn a_refusal_is_a_429_with_the_rate_limit_headers() {
        let error: Error = RateDecision { allowed: false, limit: 5, remaining: 0, reset_seconds: 7 }.into();
        assert_eq!(error.status(), 429);
        let response = error.into_response();
        assert_eq!(response.header_value("retry-after"), Some("7"));
        assert_eq!(response.header_value("x-ratelimit-limit"), Some("5"));
        assert_eq!(response.header_value("x-ratelimit-remaining"), Some("0"));
    }
}
