//! Every request's id: echoed to the client in `X-Request-Id` and carried by every log line written
//! while the request is handled (the host's and the plugin's own), so that an admin can go from a
//! client's complaint to the lines of that one request.
//!
//! An id the host makes is a per-process random prefix and a counter (`3f9c2a71-1a`): unique within
//! the process without a system call or a lock per request, and unlikely to repeat across restarts.
//! A reverse proxy in the listener's `trusted_proxies` has usually given the request an id already;
//! that one is kept, when it is well formed, so the proxy's and the host's logs share it. From any
//! other peer the header is ignored: a client could otherwise make its requests' lines pass for
//! another's.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::BytesMut;
use hyper::HeaderMap;
use hyper::header::{HeaderName, HeaderValue};
use ipnet::IpNet;

/// The request and response header.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest incoming id kept: proxies write UUIDs (36) or shorter; longer is not an id.
const MAX_LEN: usize = 128;

static COUNTER: AtomicU64 = AtomicU64::new(1);

/// Eight hex digits, random per process (seeded once, from the standard library's hasher keys).
fn prefix() -> &'static str {
    static PREFIX: OnceLock<String> = OnceLock::new();
    PREFIX.get_or_init(|| format!("{:08x}", fastrand::u32(..)))
}

/// The id of a request from `peer` with `headers`: the incoming one when `peer` is a trusted proxy
/// and it is well formed, a new one otherwise.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpNet]) -> HeaderValue {
    if !trusted_proxies.is_empty()
        && let Some(incoming) = headers.get(&REQUEST_ID_HEADER)
        && well_formed(incoming.as_bytes())
        && super::client_addr::is_trusted(super::client_addr::canonical(peer), trusted_proxies)
    {
        return incoming.clone();
    }
    generate()
}

/// A new id: the process prefix, `-`, the counter in hex.
pub fn generate() -> HeaderValue {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut id = BytesMut::with_capacity(8 + 1 + 16);
    let _ = write!(id, "{}-{n:x}", prefix());
    HeaderValue::from_maybe_shared(id.freeze()).expect("hex digits and `-` are a valid header value")
}

/// 1 to 128 characters of letters, digits and `-_.:+/=` (UUIDs, hex, base64 and the usual
/// `host:counter` forms): nothing that could break a log line or a header.
fn well_formed(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= MAX_LEN && id.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=".contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(id: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(REQUEST_ID_HEADER, id.parse().unwrap());
        map
    }

    #[test]
    fn generated_ids_are_distinct_and_share_the_process_prefix() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
        assert_eq!(a.split_once('-').unwrap().0, b.split_once('-').unwrap().0);
        assert_eq!(a.split_once('-').unwrap().0.len(), 8);
        let n = u64::from_str_radix(b.split_once('-').unwrap().1, 16).unwrap();
        assert!(n >= 2, "{b}");
    }

    #[test]
    fn an_incoming_id_is_kept_only_from_a_trusted_proxy_and_only_when_well_formed() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        assert_eq!(resolve(proxy, &headers(id), &trusted), id);
        assert_ne!(resolve(stranger, &headers(id), &trusted), id);
        assert_ne!(resolve(proxy, &headers(id), &[]), id);
        let mapped: IpAddr = "::ffff:10.0.0.5".parse().unwrap();
        assert_eq!(resolve(mapped, &headers(id), &trusted), id);
        for bad in ["a b", "x\"y", "{}", &"a".repeat(129), "ü"] {
            let Ok(value) = HeaderValue::from_str(bad) else { continue };
            let mut map = HeaderMap::new();
            map.insert(REQUEST_ID_HEADER, value);
            assert_ne!(resolve(proxy, &map, &trusted).as_bytes(), bad.as_bytes(), "{bad:?} kept");
        }
    }
}
