//! Who may call the API, and how often: the mount's optional address allow-list, its per-client
//! rate limit and its optional API key, checked before any route runs.
//!
//! SARK's first API had no security of its own (its documentation says to firewall it); its
//! Laravel application did rate-limit, 60 requests a minute per client, answering 429 `Too Many
//! Attempts.`. Settings (all optional):
//!
//! | setting | meaning |
//! |---------|---------|
//! | `allow-from` | comma-separated addresses and CIDR ranges (`192.0.2.0/24, 2001:db8::/32, 127.0.0.1`); any other client is 403 |
//! | `rate-limit` | `<requests>/<seconds>` per client address, default `60/60`; `off` for none |
//! | `api-key` | the key clients send as `X-Api-Key: <key>` or `Authorization: Bearer <key>`; without it 401 |
//!
//! In the order Laravel's middleware ran: the address first (a stranger learns nothing), then the
//! rate limit (so wrong keys count against it too), then the key. Wrong keys are also counted by
//! the host's lock-out ([`auth_throttle`]): while a client is locked out it is 429 whatever it
//! sends. Answers in SARK's shapes: 401 `{"message":"Unauthenticated."}`, 403 `{"message":"This
//! action is unauthorized."}`, 429 `{"message":"Too Many Attempts."}` with `Retry-After`,
//! `X-RateLimit-Reset`, `X-RateLimit-Limit` and `X-RateLimit-Remaining`; every request let
//! through carries `X-RateLimit-Limit` and `X-RateLimit-Remaining` on its answer, as Laravel's
//! throttle middleware adds them.

use std::net::IpAddr;

use switchboard_sdk::auth::constant_time_eq;
use switchboard_sdk::php_json::obj;
use switchboard_sdk::prelude::*;
use switchboard_sdk::{auth_throttle, settings};

use crate::laravel;

/// The rate limit when the mount sets none: Laravel's `throttle:60,1`.
pub const DEFAULT_RATE: (u32, u32) = (60, 60);

/// `router` behind the checks: every request goes through [`admit`] first, and its answer
/// (errors included) gets the rate-limit headers.
pub fn guard(router: Router) -> Router {
    Router::new().any("/{*path}", move |req: &Request| {
        let quota = admit(req)?;
        match router.dispatch(req) {
            Ok(response) => Ok(with_quota(response, quota)),
            Err(error) => Err(error_with_quota(error, quota)),
        }
    })
}

/// What the rate limit left the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub remaining: u32,
}

fn with_quota(response: Response, quota: Option<Quota>) -> Response {
    match quota {
        Some(q) => response.header("x-ratelimit-limit", q.limit.to_string()).header("x-ratelimit-remaining", q.remaining.to_string()),
        None => response,
    }
}

fn error_with_quota(error: Error, quota: Option<Quota>) -> Error {
    match quota {
        Some(q) => error.with_header("x-ratelimit-limit", q.limit.to_string()).with_header("x-ratelimit-remaining", q.remaining.to_string()),
        None => error,
    }
}

/// Lets the request through (with what the rate limit left it), or answers why not.
pub fn admit(req: &Request) -> Result<Option<Quota>, Error> {
    if let Some(list) = settings::get("allow-from") {
        let allowed = parse_allow_list(&list).map_err(|why| misconfigured("allow-from", &why))?;
        let client = auth_throttle::client_address().and_then(|a| a.parse::<IpAddr>().ok());
        if !client.is_some_and(|c| allowed.iter().any(|n| n.contains(c))) {
            return Err(laravel::error_body(403, &obj([("message", "This action is unauthorized.")])));
        }
    }
    let setting = settings::get("rate-limit");
    // Natively (the plugin's unit tests) the SDK counts every router call of the test process as
    // one client's: only a limit a test sets is applied there.
    if setting.is_none() && cfg!(not(target_family = "wasm")) {
        return check_key_if_set(req, None);
    }
    let rate = parse_rate(setting.as_deref()).map_err(|why| misconfigured("rate-limit", &why))?;
    let quota = match rate {
        Some((limit, window)) => limiter::hit(limit, window)?,
        None => None,
    };
    check_key_if_set(req, quota)
}

/// The API key check when the mount sets one; the quota passes through.
fn check_key_if_set(req: &Request, quota: Option<Quota>) -> Result<Option<Quota>, Error> {
    if let Some(key) = settings::get("api-key") {
        check_key(req, &key).map_err(|e| error_with_quota(e, quota))?;
    }
    Ok(quota)
}

/// 500 naming the setting: the admin's mistake, and the API stays shut until it is fixed.
fn misconfigured(setting: &str, why: &str) -> Error {
    Error::internal(format!("the mount's `{setting}` setting is not valid ({why}); every request is refused until it is fixed"))
}

fn too_many(retry_after: u64) -> Error {
    laravel::error_body(429, &obj([("message", "Too Many Attempts.")]))
        .with_header("retry-after", retry_after.to_string())
        .with_header("x-ratelimit-reset", (crate::ops::clock::now() + retry_after).to_string())
}

fn check_key(req: &Request, key: &str) -> Result<(), Error> {
    if let Err(locked) = auth_throttle::check(None) {
        return Err(too_many(locked.retry_after_secs()));
    }
    let sent = req.header("x-api-key").or_else(|| req.bearer_token());
    if sent.is_some_and(|s| constant_time_eq(s.as_bytes(), key.as_bytes())) {
        auth_throttle::success(None);
        return Ok(());
    }
    if let Err(locked) = auth_throttle::failure(None) {
        return Err(too_many(locked.retry_after_secs()));
    }
    Err(laravel::error_body(401, &obj([("message", "Unauthenticated.")])))
}

/// `60/60` → 60 requests per 60 seconds; `off` → none; not set → [`DEFAULT_RATE`].
pub fn parse_rate(setting: Option<&str>) -> Result<Option<(u32, u32)>, String> {
    let Some(text) = setting.map(str::trim) else { return Ok(Some(DEFAULT_RATE)) };
    if text.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let (limit, window) = text.split_once('/').ok_or("write `<requests>/<seconds>` or `off`")?;
    let number = |s: &str| s.trim().parse::<u32>().ok().filter(|n| *n > 0);
    match (number(limit), number(window)) {
        (Some(limit), Some(window)) if window <= 86_400 => Ok(Some((limit, window))),
        _ => Err("write `<requests>/<seconds>` with whole numbers above 0 (at most a day) or `off`".into()),
    }
}

/// An address range of `allow-from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    /// Whether `client` is inside (an IPv4 client seen as `::ffff:a.b.c.d` counts as IPv4).
    pub fn contains(&self, client: IpAddr) -> bool {
        let client = match client {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(client, IpAddr::V4),
            v4 => v4,
        };
        match (self.address, client) {
            (IpAddr::V4(net), IpAddr::V4(c)) => masked(u32::from(net) as u128, 32, self.prefix) == masked(u32::from(c) as u128, 32, self.prefix),
            (IpAddr::V6(net), IpAddr::V6(c)) => masked(u128::from(net), 128, self.prefix) == masked(u128::from(c), 128, self.prefix),
            _ => false,
        }
    }
}

fn masked(bits: u128, width: u8, prefix: u8) -> u128 {
    if prefix == 0 { 0 } else { bits >> (width - prefix) }
}

/// `192.0.2.0/24, 2001:db8::/32, 127.0.0.1`.
pub fn parse_allow_list(text: &str) -> Result<Vec<Network>, String> {
    let mut networks = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (address, prefix) = match item.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (item, None),
        };
        let address: IpAddr = address.parse().map_err(|_| format!("`{item}` is not an address or CIDR range"))?;
        let width = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= width).ok_or(format!("`{item}` has a prefix length that is not 0..={width}"))?,
        };
        networks.push(Network { address, prefix });
    }
    if networks.is_empty() {
        return Err("it names no address".into());
    }
    Ok(networks)
}

/// The host's per-client request counter for this mount (the `rate-limit` capability).
mod limiter {
    use switchboard_sdk::prelude::*;
    use switchboard_sdk::rate_limit;

    use super::Quota;

    /// Counts this request against `limit` requests per `window` seconds for the client's
    /// address: the quota left, or SARK's 429 with Laravel's headers.
    pub fn hit(limit: u32, window: u32) -> Result<Option<Quota>, Error> {
        let decision = rate_limit::hit("api", limit, window);
        if !decision.allowed {
            let retry_after = u64::from(decision.reset_seconds.max(1));
            return Err(super::too_many(retry_after)
                .with_header("x-ratelimit-limit", limit.to_string())
                .with_header("x-ratelimit-remaining", "0"));
        }
        Ok(Some(Quota { limit, remaining: decision.remaining }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn allow_lists_hold_addresses_and_ranges() {
        let list = parse_allow_list("192.0.2.0/24, 127.0.0.1 ,2001:db8::/32").unwrap();
        let allowed = |c: &str| list.iter().any(|n| n.contains(ip(c)));
        assert!(allowed("192.0.2.77"));
        assert!(allowed("127.0.0.1"));
        assert!(allowed("::ffff:192.0.2.1"));
        assert!(allowed("2001:db8:1::5"));
        assert!(!allowed("192.0.3.1"));
        assert!(!allowed("127.0.0.2"));
        assert!(!allowed("2001:db9::1"));
        assert!(parse_allow_list("0.0.0.0/0").unwrap()[0].contains(ip("8.8.8.8")));
        for bad in ["", " , ", "10.0.0.0/33", "host.example", "10.0.0.1/x", "::/129"] {
            assert!(parse_allow_list(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rates_read_as_requests_per_seconds() {
        assert_eq!(parse_rate(None), Ok(Some((60, 60))));
        assert_eq!(parse_rate(Some("5/10")), Ok(Some((5, 10))));
        assert_eq!(parse_rate(Some("OFF")), Ok(None));
        for bad in ["60", "0/60", "60/0", "a/b", "-1/60", "60/100000"] {
            assert!(parse_rate(Some(bad)).is_err(), "{bad}");
        }
    }

    fn guarded() -> Router {
        guard(Router::new().get("/tenants", |_: &Request| Ok(Response::text("ok")))).on_error(laravel::render)
    }

    #[test]
    fn a_key_is_required_when_set() {
        settings::set_native(&[("api-key", "s3cret"), ("rate-limit", "off")], "/");
        let router = guarded();
        let status = |req: Request| router.handle(&req).status();
        assert_eq!(status(Request::new("GET", "/tenants")), 401);
        assert_eq!(status(Request::new("GET", "/tenants").with_header("x-api-key", "wrong")), 401);
        assert_eq!(status(Request::new("GET", "/tenants").with_header("x-api-key", "s3cret")), 200);
        assert_eq!(status(Request::new("GET", "/tenants").with_header("authorization", "Bearer s3cret")), 200);
        let res = router.handle(&Request::new("GET", "/tenants"));
        assert_eq!(res.into_body_bytes().unwrap(), br#"{"message":"Unauthenticated."}"#);
        settings::set_native(&[], "/");
    }

    #[test]
    fn an_allow_list_refuses_unknown_clients() {
        // Natively the host resolves no client address: nobody is on any list.
        settings::set_native(&[("allow-from", "127.0.0.1")], "/");
        let res = guarded().handle(&Request::new("GET", "/tenants"));
        assert_eq!(res.status(), 403);
        settings::set_native(&[("allow-from", "nonsense")], "/");
        assert_eq!(guarded().handle(&Request::new("GET", "/tenants")).status(), 500);
        settings::set_native(&[], "/");
        assert_eq!(guarded().handle(&Request::new("GET", "/tenants")).status(), 200);
    }

    #[test]
    fn over_the_limit_is_laravels_429() {
        switchboard_sdk::rate_limit::reset_native();
        settings::set_native(&[("rate-limit", "2/60")], "/");
        let router = guarded();
        let first = router.handle(&Request::new("GET", "/tenants"));
        assert_eq!((first.header_value("x-ratelimit-limit"), first.header_value("x-ratelimit-remaining")), (Some("2"), Some("1")));
        let missing = router.handle(&Request::new("GET", "/nothing"));
        assert_eq!((missing.status(), missing.header_value("x-ratelimit-remaining")), (404, Some("0")));
        let refused = router.handle(&Request::new("GET", "/tenants"));
        assert_eq!(refused.status(), 429);
        assert_eq!((refused.header_value("x-ratelimit-limit"), refused.header_value("x-ratelimit-remaining")), (Some("2"), Some("0")));
        let retry: u64 = refused.header_value("retry-after").unwrap().parse().unwrap();
        let reset: u64 = refused.header_value("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry) && reset >= crate::ops::clock::now(), "{retry} {reset}");
        assert_eq!(refused.into_body_bytes().unwrap(), br#"{"message":"Too Many Attempts."}"#);
        settings::set_native(&[], "/");
    }
}
