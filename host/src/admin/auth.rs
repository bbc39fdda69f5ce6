//! Who may use the admin listener: a request carrying `Authorization: Bearer <token>`.
//!
//! The token is compared in constant time, on SHA-256 digests so that not even its length leaks
//! through timing. Wrong tokens are counted per peer address with the host's authentication
//! throttle (the `[auth_throttle]` policy plugins use): after the free failures an address is
//! locked out with a doubling lock, and while it is locked every request from it is answered 429
//! with `Retry-After` *before* its token is looked at — the right token included, or a guesser
//! would learn that a guess was right. A request with no `Authorization` header tried no secret
//! and is not counted (a browser or a Prometheus without its token are not attackers).
//!
//! Counting is per address only, not for "the admin" as a principal: a locked principal would let
//! anyone lock the real admin out from anywhere. The admin listener has no trusted proxies, so the
//! address is the TCP peer's. The token is never logged, at any level; failures log the peer and
//! the lock only.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::capabilities::auth_throttle::{AuthThrottle, ThrottlePolicy};
use crate::config::AdminToken;
use crate::http::{HttpResponse, json_error};

/// The admin listener's token and its failure counts.
pub struct Auth {
    digest: [u8; 32],
    throttle: AuthThrottle,
}

impl Auth {
    /// Checks requests against `token`, throttling failures under `policy`.
    pub fn new(token: &AdminToken, policy: ThrottlePolicy) -> Auth {
        Auth { digest: Sha256::digest(token.expose().as_bytes()).into(), throttle: AuthThrottle::new(policy) }
    }

    /// `Ok` when the request from `peer` carries the token; otherwise the answer to give: 429
    /// while the peer is locked out, 401 for a missing or wrong token.
    pub fn check(&self, peer: IpAddr, headers: &HeaderMap) -> Result<(), HttpResponse> {
        let now = Instant::now();
        let locked = self.throttle.check(Some(peer), None, now);
        if !locked.is_zero() {
            return Err(locked_out(locked));
        }
        let Some(given) = headers.get(AUTHORIZATION) else {
            return Err(unauthorized("this needs the admin token: send `Authorization: Bearer <token>`"));
        };
        let token = bearer(given.as_bytes()).unwrap_or(b"");
        let digest: [u8; 32] = Sha256::digest(token).into();
        if bool::from(digest.ct_eq(&self.digest)) && !token.is_empty() {
            return Ok(());
        }
        let lock = self.throttle.failure(Some(peer), None, now);
        if lock.is_zero() {
            tracing::warn!(%peer, "admin API: wrong token");
        } else {
            tracing::warn!(%peer, lock_ms = lock.as_millis() as u64, "admin API: wrong token; the address is locked out");
        }
        Err(unauthorized("wrong admin token"))
    }
}

/// The credentials of `Bearer <credentials>` (the scheme is case-insensitive, RFC 9110 §11.1).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(7)?;
    scheme.eq_ignore_ascii_case(b"bearer ").then(|| rest.trim_ascii())
}

fn unauthorized(message: &str) -> HttpResponse {
    let mut response = json_error(401, "unauthorized", message, None);
    response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"switchboard-admin\""));
    response
}

fn locked_out(wait: Duration) -> HttpResponse {
    let seconds = wait.as_millis().div_ceil(1000).max(1);
    let message = format!("too many wrong admin tokens from this address; try again in {seconds} s");
    let mut response = json_error(429, "too_many_attempts", &message, None);
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds as u64));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy { free_failures: 2, first_lock: Duration::from_secs(30), max_lock: Duration::from_secs(60), forget_after: Duration::from_secs(60) }
    }

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value.parse().unwrap());
        headers
    }

    const TOKEN: &str = "0123456789abcdef-token";
    const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));

    #[test]
    fn the_token_in_a_bearer_header_and_nothing_else() {
        let auth = Auth::new(&AdminToken::new(TOKEN).unwrap(), policy());
        assert!(auth.check(PEER, &with(&format!("Bearer {TOKEN}"))).is_ok());
        assert!(auth.check(PEER, &with(&format!("bearer  {TOKEN} "))).is_ok());
        for wrong in [format!("Basic {TOKEN}"), format!("Bearer {TOKEN}x"), "Bearer ".into(), TOKEN.into()] {
            let other = Auth::new(&AdminToken::new(TOKEN).unwrap(), policy());
            assert_eq!(other.check(PEER, &with(&wrong)).unwrap_err().status(), 401, "{wrong}");
        }
        assert_eq!(auth.check(PEER, &HeaderMap::new()).unwrap_err().status(), 401);
    }

    #[test]
    fn a_locked_address_is_refused_even_with_the_token() {
        let auth = Auth::new(&AdminToken::new(TOKEN).unwrap(), policy());
        for _ in 0..3 {
            assert_eq!(auth.check(PEER, &with("Bearer wrong-token-guess")).unwrap_err().status(), 401);
        }
        let refused = auth.check(PEER, &with(&format!("Bearer {TOKEN}"))).unwrap_err();
        assert_eq!(refused.status(), 429);
        assert_eq!(refused.headers()[RETRY_AFTER], "30");
        assert!(auth.check(OTHER, &with(&format!("Bearer {TOKEN}"))).is_ok(), "another address is not locked");
        // Missing tokens tried no secret and do not count.
        let fresh = Auth::new(&AdminToken::new(TOKEN).unwrap(), policy());
        for _ in 0..10 {
            assert_eq!(fresh.check(PEER, &HeaderMap::new()).unwrap_err().status(), 401);
        }
        assert!(fresh.check(PEER, &with(&format!("Bearer {TOKEN}"))).is_ok());
    }
}
