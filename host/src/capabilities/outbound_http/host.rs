//! The outbound HTTP policy: a plugin may call only the destinations its mount grants.
//!
//! `wasmtime serve` has no allow-list at all (wasmtime#14118); we check every request in
//! `WasiHttpHooks::send_request`, before any connection is made, and answer a denied one with the
//! standard `wasi:http` `HTTP-request-denied` error code, which every guest toolchain understands.
//!
//! Some of the host's own listeners are for people only — the admin listener — and no grant can
//! lend them ([`HostOnly`]): a plugin with `outbound_http = ["*"]` still cannot call the admin API,
//! even if it learned the token. The destination's name is resolved here and every address it
//! resolves to is compared with the refused ones; a plain-HTTP request is then sent to the address
//! that was checked (its `Host` header unchanged), so a name that resolves differently the second
//! time (DNS rebinding) cannot slip through. An HTTPS request is sent by name, since its
//! certificate is verified for that name: a rebound name would reach the admin listener only with
//! a certificate valid for the attacker's name, which the admin listener does not have.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};

use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use crate::capabilities::Capability;

/// `wasi:http/outgoing-handler`, lent by `grants.outbound_http` (linked by the engine).
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["wasi:http/outgoing-handler"],
    grant: Some("outbound_http"),
    granted: super::granted,
    link: None,
};

/// The mount's `grants.outbound_http` patterns.
#[derive(Clone, Default)]
pub struct OutboundPolicy {
    allowed: Arc<[String]>,
    /// The host's own listeners (the admin listener), refused whatever the grants say.
    refused: HostOnly,
    /// Where a refused request is recorded (each instance's copy has one; the mount's has none).
    reporter: Option<crate::failures::Reporter>,
}

impl std::fmt::Debug for OutboundPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundPolicy").field("allowed", &self.allowed).finish_non_exhaustive()
    }
}

/// The host's listeners no plugin may call whatever its grants (the admin listener), shared by
/// every mount's policy and filled in as they bind.
#[derive(Debug, Clone, Default)]
pub struct HostOnly(Arc<RwLock<Vec<SocketAddr>>>);

impl HostOnly {
    /// Refuses `address` (a bound listener's) from now on.
    pub fn refuse(&self, address: SocketAddr) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).push(address);
    }

    fn any(&self) -> bool {
        !self.0.read().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// Whether a connection to `target` could reach a refused listener: the same port, and the
    /// same address, or an unspecified one (`0.0.0.0` connects to this machine), or — for a
    /// listener bound to every address — any address of this machine.
    pub fn refuses(&self, target: SocketAddr) -> bool {
        let ip = canonical(target.ip());
        self.0.read().unwrap_or_else(|e| e.into_inner()).iter().any(|listener| {
            let bound = canonical(listener.ip());
            listener.port() == target.port()
                && (ip == bound || ip.is_unspecified() || (bound.is_unspecified() && is_this_machine(ip)))
        })
    }
}

/// IPv4-mapped IPv6 (`::ffff:127.0.0.1`) as the IPv4 address it connects to.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `ip` is one of this machine's addresses: loopback, or one a socket can bind to.
fn is_this_machine(ip: IpAddr) -> bool {
    ip.is_loopback() || std::net::UdpSocket::bind((ip, 0)).is_ok()
}

impl OutboundPolicy {
    /// Policy allowing the given patterns (`*`, `https://host`, `http://host:port`, `https://*.example.com`).
    pub fn new(allowed: &[String]) -> Self {
        OutboundPolicy { allowed: allowed.into(), refused: HostOnly::default(), reporter: None }
    }

    /// The same policy, never reaching the listeners in `refused`.
    pub fn refusing(mut self, refused: HostOnly) -> Self {
        self.refused = refused;
        self
    }

    /// This policy, recording the requests it refuses with `reporter`.
    pub fn reporting(self, reporter: crate::failures::Reporter) -> Self {
        OutboundPolicy { reporter: Some(reporter), ..self }
    }

    /// The request the refusals from now on belong to.
    pub fn set_request_id(&mut self, id: Option<hyper::header::HeaderValue>) {
        if let Some(reporter) = &mut self.reporter {
            reporter.request_id = id;
        }
    }

    /// Whether the policy lends a plugin's declared need `pattern` (`crate::needs`): the same
    /// pattern, `*`, or — for a need without wildcard — a pattern that allows that destination.
    pub fn covers(&self, pattern: &str) -> bool {
        if self.allowed.iter().any(|p| p == "*" || p.eq_ignore_ascii_case(pattern)) {
            return true;
        }
        !pattern.contains('*') && pattern.parse::<http::Uri>().is_ok_and(|uri| self.allows(&uri))
    }

    /// Whether a request to `uri` is granted.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else { return false };
        let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
        self.allowed.iter().any(|pattern| matches(pattern, scheme, host, port))
    }
}

fn matches(pattern: &str, scheme: &str, host: &str, port: u16) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some((p_scheme, p_rest)) = pattern.split_once("://") else { return false };
    if !p_scheme.eq_ignore_ascii_case(scheme) {
        return false;
    }
    let (p_host, p_port) = match p_rest.rsplit_once(':') {
        Some((h, port_text)) => match port_text.parse::<u16>() {
            Ok(p) => (h, p),
            Err(_) => return false,
        },
        None => (p_rest, if p_scheme == "https" { 443 } else { 80 }),
    };
    if p_port != port {
        return false;
    }
    match p_host.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len() + 1
                && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
                && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => p_host.eq_ignore_ascii_case(host),
    }
}

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), HttpError>> + Send>), HttpError>,
            > + Send,
    > {
        _ = fut;
        if !self.allows(request.uri()) {
            tracing::warn!(uri = %request.uri(), "outbound HTTP request denied: not in the mount's grants.outbound_http");
            if let Some(reporter) = &self.reporter {
                reporter.denied(crate::metrics::Denial::OutboundHttp, &format!("{} is not in the mount's grants.outbound_http", request.uri()));
            }
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        let refused = self.refused.clone();
        Box::new(async move {
            use http_body_util::BodyExt;
            let mut request = request;
            if refused.any() {
                pin_destination(&mut request, &refused).await?;
            }
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((res.map(BodyExt::boxed_unsync), Box::new(io) as Box<dyn Future<Output = _> + Send>))
        })
    }
}

/// Resolves the request's destination and refuses it when any of its addresses is a host-only
/// listener; a plain-HTTP request is then pointed at the checked address.
async fn pin_destination(request: &mut http::Request<WasiBody>, refused: &HostOnly) -> Result<(), HttpError> {
    let uri = request.uri().clone();
    let https = uri.scheme_str() == Some("https");
    let Some(host) = uri.host() else { return Err(HttpError::HttpRequestUriInvalid) };
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let name = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match tokio::net::lookup_host((name, port)).await {
        Ok(found) => found.collect(),
        Err(e) => return Err(HttpError::DnsError { rcode: Some(e.to_string()), info_code: None }),
    };
    if addresses.is_empty() {
        return Err(HttpError::DestinationNotFound);
    }
    if let Some(target) = addresses.iter().find(|a| refused.refuses(**a)) {
        tracing::warn!(%uri, %target, "outbound HTTP request denied: the host's admin listener is never reachable from plugins");
        return Err(HttpError::HttpRequestDenied);
    }
    if !https {
        let mut parts = uri.into_parts();
        let authority = addresses[0].to_string().parse().map_err(|_| HttpError::HttpRequestUriInvalid)?;
        parts.authority = Some(authority);
        *request.uri_mut() = http::Uri::from_parts(parts).map_err(|_| HttpError::HttpRequestUriInvalid)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_match_scheme_host_and_port() {
        let policy = OutboundPolicy::new(&["https://crm.example.com".into(), "http://*.lan:8080".into()]);
        assert!(policy.allows(&"https://crm.example.com/x".parse().unwrap()));
        assert!(policy.allows(&"https://CRM.example.com:443/x".parse().unwrap()));
        assert!(!policy.allows(&"http://crm.example.com/x".parse().unwrap()));
        assert!(!policy.allows(&"https://crm.example.com.evil.net/".parse().unwrap()));
        assert!(policy.allows(&"http://pbx.lan:8080/".parse().unwrap()));
        assert!(!policy.allows(&"http://lan:8080/".parse().unwrap()));
        assert!(!policy.allows(&"http://evil-lan:8080/".parse().unwrap()));
        assert!(!OutboundPolicy::default().allows(&"https://a.b/".parse().unwrap()));
        assert!(OutboundPolicy::new(&["*".into()]).allows(&"http://anything:1/".parse().unwrap()));
    }

    #[test]
    fn host_only_listeners_are_refused_by_every_spelling() {
        let at = |s: &str| s.parse::<SocketAddr>().unwrap();
        let loopback = HostOnly::default();
        loopback.refuse(at("127.0.0.1:8081"));
        assert!(loopback.refuses(at("127.0.0.1:8081")));
        assert!(loopback.refuses(at("[::ffff:127.0.0.1]:8081")));
        assert!(loopback.refuses(at("0.0.0.0:8081")));
        assert!(!loopback.refuses(at("127.0.0.1:8080")));
        assert!(!loopback.refuses(at("192.0.2.1:8081")));
        let everywhere = HostOnly::default();
        everywhere.refuse(at("0.0.0.0:9443"));
        assert!(everywhere.refuses(at("127.0.0.1:9443")));
        assert!(everywhere.refuses(at("127.0.0.2:9443")), "all of 127/8 is this machine");
        assert!(everywhere.refuses(at("[::1]:9443")));
        assert!(!everywhere.refuses(at("192.0.2.1:9443")), "TEST-NET-1 is not this machine");
    }
}
