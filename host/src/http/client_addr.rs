//! Who is on the other end of a request: the peer's address, or — when the peer is a reverse proxy
//! the listener trusts — the address the proxy says it forwarded for.
//!
//! Plugins need this to throttle authentication failures per client and to log who called. They
//! get it as the request header [`CLIENT_ADDR_HEADER`], which the host always sets itself and
//! which no client can supply: an incoming header of that name is replaced. Behind a proxy,
//! `X-Forwarded-For` is only believed from a peer in the listener's `trusted_proxies`, and read from
//! the right: each trusted hop appends the address it received from, so the right-most entry that
//! is not itself a trusted proxy is the first one no trusted party vouches for beyond — entries to
//! its left were written by the client and may be anything.

use std::net::IpAddr;

use hyper::HeaderMap;
use ipnet::IpNet;

/// The request header that carries the resolved client address to plugins.
pub const CLIENT_ADDR_HEADER: &str = "x-switchboard-client-addr";

/// The client address of a request that arrived from `peer` with `headers`.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    if !is_trusted(peer, trusted_proxies) {
        return peer;
    }
    // Several X-Forwarded-For headers form one list, in order (RFC 9110 §5.3).
    let mut hops: Vec<&str> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(value) = value.to_str() else { return peer };
        hops.extend(value.split(',').map(str::trim));
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        // An entry that is not an address (a proxy's `unknown`, garbage) ends what can be
        // believed: the last trusted hop is as far back as we can see.
        let Some(addr) = parse_hop(hop) else { return client };
        client = canonical(addr);
        if !is_trusted(client, trusted_proxies) {
            return client;
        }
    }
    client
}

/// `192.0.2.1`, `2001:db8::1`, and the bracketed or port-suffixed forms some proxies write
/// (`[2001:db8::1]:443`, `192.0.2.1:5060`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(addr) = hop.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Ok(socket) = hop.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    hop.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

/// IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack socket reports) as plain IPv4.
pub(super) fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

pub(super) fn is_trusted(addr: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in xff {
            map.append("x-forwarded-for", v.parse().unwrap());
        }
        map
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    const PROXY: &str = "10.0.0.5";

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let got = resolve("198.51.100.7".parse().unwrap(), &headers(&["203.0.113.9"]), &nets(&["10.0.0.0/8"]));
        assert_eq!(got.to_string(), "198.51.100.7");
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        // The client forged the first entry; the proxy appended the real one.
        let got = resolve(PROXY.parse().unwrap(), &headers(&["1.2.3.4, 203.0.113.9"]), &trusted);
        assert_eq!(got.to_string(), "203.0.113.9");
        // Two proxies, two headers.
        let got = resolve(PROXY.parse().unwrap(), &headers(&["1.2.3.4, 203.0.113.9", "10.0.0.6"]), &trusted);
        assert_eq!(got.to_string(), "203.0.113.9");
        // Only trusted hops: the left-most one.
        let got = resolve(PROXY.parse().unwrap(), &headers(&["10.0.0.7"]), &trusted);
        assert_eq!(got.to_string(), "10.0.0.7");
        // No header: the proxy itself.
        assert_eq!(resolve(PROXY.parse().unwrap(), &HeaderMap::new(), &trusted).to_string(), PROXY);
    }

    #[test]
    fn garbage_stops_at_the_last_trusted_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        for bad in ["unknown", "", "1.2.3.4\r\nX: y", "${jndi}", "999.1.1.1"] {
            let mut map = HeaderMap::new();
            if let Ok(v) = format!("{bad}, 10.0.0.9").parse() {
                map.append("x-forwarded-for", v);
            }
            let got = resolve(PROXY.parse().unwrap(), &map, &trusted);
            assert!(got.to_string().starts_with("10.0.0."), "{bad:?} gave {got}");
        }
    }

    #[test]
    fn ports_brackets_and_mapped_addresses() {
        let trusted = nets(&["10.0.0.0/8"]);
        let got = resolve("::ffff:10.0.0.5".parse().unwrap(), &headers(&["[2001:db8::1]:443"]), &trusted);
        assert_eq!(got.to_string(), "2001:db8::1");
        let got = resolve(PROXY.parse().unwrap(), &headers(&["192.0.2.1:5060"]), &trusted);
        assert_eq!(got.to_string(), "192.0.2.1");
    }
}
