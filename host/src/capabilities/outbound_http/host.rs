//! The outbound HTTP policy: a plugin may call only the destinations its mount grants.
//!
//! `wasmtime serve` has no allow-list at all (wasmtime#14118); we check every request in
//! `WasiHttpHooks::send_request`, before any connection is made, and answer a denied one with the
//! standard `wasi:http` `HTTP-request-denied` error code, which every guest toolchain understands.

use std::sync::Arc;

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
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    allowed: Arc<[String]>,
    /// Where a refused request is recorded (each instance's copy has one; the mount's has none).
    reporter: Option<crate::failures::Reporter>,
}

impl OutboundPolicy {
    /// Policy allowing the given patterns (`*`, `https://host`, `http://host:port`, `https://*.example.com`).
    pub fn new(allowed: &[String]) -> Self {
        OutboundPolicy { allowed: allowed.into(), reporter: None }
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
                reporter.denied("outbound_http", &format!("{} is not in the mount's grants.outbound_http", request.uri()));
            }
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((res.map(BodyExt::boxed_unsync), Box::new(io) as Box<dyn Future<Output = _> + Send>))
        })
    }
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
}
