//! Lock-out after repeated authentication failures (WIT `switchboard:pbx/auth-throttle`), and the
//! request's client address.
//!
//! The host counts failures per mount for the request's client address (which the plugin cannot
//! choose) and for a principal the plugin names; after a few free failures each further one locks
//! both for a doubling time. Check *before* looking at the secret, so a right guess during a lock
//! counts for nothing, and report the outcome after:
//!
//! ```no_run
//! use switchboard_sdk::prelude::*;
//! use switchboard_sdk::{auth, auth_throttle};
//!
//! fn login(user: &str, password: &str, expected: &str) -> Result<(), Error> {
//!     auth_throttle::check(Some(user))?; // 429 with Retry-After while locked
//!     if auth::constant_time_eq(password.as_bytes(), expected.as_bytes()) {
//!         auth_throttle::success(Some(user));
//!         Ok(())
//!     } else {
//!         auth_throttle::failure(Some(user));
//!         Err(Error::unauthorized("wrong user name or password"))
//!     }
//! }
//! ```
//!
//! A flavor with its own error format turns [`Locked`] into its own answer ([`Locked::retry_after_secs`]
//! gives the `Retry-After` value). Off wasm (native unit tests) nothing is counted and nothing is
//! ever locked.

use std::time::Duration;

use crate::error::Error;

/// The caller is locked out for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    /// How long until it may try again.
    pub retry_after: Duration,
}

impl Locked {
    /// Whole seconds to wait, rounded up (what `Retry-After` carries; at least 1).
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after.as_millis().div_ceil(1000).max(1) as u64
    }
}

impl From<Locked> for Error {
    /// 429 `too_many_failures` with `Retry-After`.
    fn from(locked: Locked) -> Error {
        let secs = locked.retry_after_secs();
        Error::new(429, "too_many_failures", format!("too many failed attempts; try again in {secs} s"))
            .with_header("retry-after", secs.to_string())
    }
}

fn locked(ms: u64) -> Result<(), Locked> {
    if ms == 0 { Ok(()) } else { Err(Locked { retry_after: Duration::from_millis(ms) }) }
}

/// `Err` while the request's client address or `principal` is locked out.
pub fn check(principal: Option<&str>) -> Result<(), Locked> {
    locked(imp::check(principal))
}

/// Counts a failed attempt for the request's client address and `principal`; `Err` with the lock
/// this failure imposes, when it imposes one.
pub fn failure(principal: Option<&str>) -> Result<(), Locked> {
    locked(imp::failure(principal))
}

/// Reports a successful attempt: the principal's failures are forgotten.
pub fn success(principal: Option<&str>) {
    imp::success(principal)
}

/// The request's client address, as the host's listener resolved it (trusted proxies included);
/// `None` outside a request. [`Request::client_addr`](crate::Request::client_addr) reads the same
/// value from the request.
pub fn client_address() -> Option<String> {
    imp::client_address()
}

#[cfg(target_family = "wasm")]
mod imp {
    use crate::bindings::switchboard::pbx::auth_throttle as wit;

    pub fn check(principal: Option<&str>) -> u64 {
        wit::check(principal)
    }

    pub fn failure(principal: Option<&str>) -> u64 {
        wit::failure(principal)
    }

    pub fn success(principal: Option<&str>) {
        wit::success(principal)
    }

    pub fn client_address() -> Option<String> {
        wit::client_address()
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    pub fn check(_: Option<&str>) -> u64 {
        0
    }

    pub fn failure(_: Option<&str>) -> u64 {
        0
    }

    pub fn success(_: Option<&str>) {}

    pub fn client_address() -> Option<String> {
        crate::testing::client_address()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_is_a_429_with_retry_after_in_whole_seconds() {
        let error: Error = Locked { retry_after: Duration::from_millis(1_200) }.into();
        assert_eq!(error.status(), 429);
        let response = error.into_response();
        assert_eq!(response.header_value("retry-after"), Some("2"));
        assert_eq!(Locked { retry_after: Duration::from_millis(3) }.retry_after_secs(), 1);
    }
}
