//! Outbound HTTP (`wasi:http/outgoing-handler`): requests from the plugin to the hosts its mount
//! grants (`grants.outbound_http = ["https://crm.example.com"]`); any other destination is refused
//! by the host before a connection is made ([`OutboundError::Denied`]).
//!
//! The whole exchange is in memory: the request body is sent as given, the response body is read
//! up to [`Request::max_response`] bytes (1 MiB by default; more is [`OutboundError::TooLarge`]).
//! Each request has a timeout, 10 s by default, for connecting and for each wait on the answer;
//! keep it well inside the mount's deadline (`timeout_ms`, or `event_batch_timeout_ms` in an event
//! handler), which ends the whole instance when passed.
//!
//! ```no_run
//! use std::time::Duration;
//! use switchboard_sdk::outbound;
//! # fn main() -> Result<(), switchboard_sdk::Error> {
//! let response = outbound::Request::post("https://crm.example.com/hooks/calls")
//!     .header("content-type", "application/json")
//!     .body(r#"{"event":"call.answered"}"#)
//!     .timeout(Duration::from_secs(3))
//!     .send()?; // denied → 403, unreachable → 502, timeout → 504 through `?`
//! if response.status / 100 != 2 { /* the receiver refused it */ }
//! # Ok(()) }
//! ```
//!
//! Off wasm, [`crate::testing::Host::outbound`] answers the requests and records them
//! ([`crate::testing::Installed::outbound_sent`]).

use std::time::Duration;

/// A request to send: method, absolute `http://` or `https://` URL, headers, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method, upper case (`GET`, `POST`, …).
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty: none).
    pub body: Vec<u8>,
    /// Connect timeout, and the most to wait for the first and for each next byte of the answer.
    pub timeout: Duration,
    /// The largest response body read; a longer one is [`OutboundError::TooLarge`].
    pub max_response: usize,
}

/// The answer: status, headers, the whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with `status` and `body` and no headers (for test doubles).
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response { status, headers: Vec::new(), body: body.into() }
    }

    /// The first value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::ami::field(&self.headers, name)
    }
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundError {
    /// The mount does not grant this destination.
    Denied(String),
    /// The URL or a header is not one that can be sent.
    Invalid(String),
    /// No connection: the name did not resolve, the connection was refused or reset, TLS failed.
    Unreachable(String),
    /// Connecting or waiting for the answer took longer than the request's timeout.
    Timeout(String),
    /// The response body is longer than the request's `max_response`.
    TooLarge(usize),
    /// Anything else the host reports about the exchange.
    Failed(String),
}

impl std::fmt::Display for OutboundError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutboundError::Denied(why) => write!(f, "outbound HTTP denied: {why}"),
            OutboundError::Invalid(why) => write!(f, "invalid outbound request: {why}"),
            OutboundError::Unreachable(why) => write!(f, "destination unreachable: {why}"),
            OutboundError::Timeout(why) => write!(f, "outbound request timed out: {why}"),
            OutboundError::TooLarge(max) => write!(f, "response body longer than {max} bytes"),
            OutboundError::Failed(why) => write!(f, "outbound request failed: {why}"),
        }
    }
}

impl std::error::Error for OutboundError {}

impl From<OutboundError> for crate::Error {
    fn from(error: OutboundError) -> Self {
        let (status, code) = match &error {
            OutboundError::Denied(_) => (403, "outbound_denied"),
            OutboundError::Invalid(_) => (500, "outbound_invalid"),
            OutboundError::Unreachable(_) | OutboundError::TooLarge(_) | OutboundError::Failed(_) => (502, "outbound_failed"),
            OutboundError::Timeout(_) => (504, "outbound_timeout"),
        };
        crate::Error::new(status, code, error.to_string())
    }
}

impl Request {
    /// A request with `method` to `url`, no headers, no body, the default limits.
    pub fn new(method: &str, url: &str) -> Request {
        Request {
            method: method.to_ascii_uppercase(),
            url: url.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: Duration::from_secs(10),
            max_response: 1024 * 1024,
        }
    }

    /// `GET url`.
    pub fn get(url: &str) -> Request {
        Request::new("GET", url)
    }

    /// `POST url`.
    pub fn post(url: &str) -> Request {
        Request::new("POST", url)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// Sets the timeout (connecting, first byte, each next byte).
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = timeout;
        self
    }

    /// Sets the largest response body read.
    pub fn max_response(mut self, bytes: usize) -> Request {
        self.max_response = bytes;
        self
    }

    /// The first value of header `name` (ASCII case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        crate::ami::field(&self.headers, name)
    }

    /// Sends the request and reads the whole answer.
    pub fn send(&self) -> Result<Response, OutboundError> {
        imp::send(self)
    }

    /// The URL's scheme (`http`/`https`), authority and path with query.
    fn parts(&self) -> Result<(&str, &str, String), OutboundError> {
        let invalid = |why: &str| OutboundError::Invalid(format!("{why}: {:?}", self.url));
        let (scheme, rest) = self.url.split_once("://").ok_or_else(|| invalid("the URL needs http:// or https://"))?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(invalid("the URL's scheme is not http or https"));
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        if authority.is_empty() || authority.contains('@') || self.url.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(invalid("the URL needs a host, and no user, spaces or control characters"));
        }
        Ok((scheme, authority, if path.starts_with('/') { path.to_string() } else { format!("/{path}") }))
    }
}

#[cfg(target_family = "wasm")]
mod imp {
    use super::{OutboundError, Request, Response};
    use crate::bindings::wasi::http::outgoing_handler;
    use crate::bindings::wasi::http::types::{ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme};
    use crate::bindings::wasi::io::streams::StreamError;

    pub fn send(request: &Request) -> Result<Response, OutboundError> {
        let (scheme, authority, path) = request.parts()?;
        let entries: Vec<(String, Vec<u8>)> = request.headers.iter().map(|(k, v)| (k.clone(), v.as_bytes().to_vec())).collect();
        let fields = Fields::from_list(&entries).map_err(|e| OutboundError::Invalid(format!("a header cannot be sent: {e:?}")))?;
        let outgoing = OutgoingRequest::new(fields);
        let method = match request.method.as_str() {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "PATCH" => Method::Patch,
            "OPTIONS" => Method::Options,
            other => Method::Other(other.to_string()),
        };
        let invalid = |what: &str| OutboundError::Invalid(format!("the {what} of {:?} cannot be sent", request.url));
        outgoing.set_method(&method).map_err(|()| invalid("method"))?;
        let scheme = if scheme.eq_ignore_ascii_case("https") { Scheme::Https } else { Scheme::Http };
        outgoing.set_scheme(Some(&scheme)).map_err(|()| invalid("scheme"))?;
        outgoing.set_authority(Some(authority)).map_err(|()| invalid("host"))?;
        outgoing.set_path_with_query(Some(&path)).map_err(|()| invalid("path"))?;
        let options = RequestOptions::new();
        let nanos = u64::try_from(request.timeout.as_nanos()).unwrap_or(u64::MAX);
        // A host may not support a timeout; the mount's deadline still bounds the exchange.
        let _ = options.set_connect_timeout(Some(nanos));
        let _ = options.set_first_byte_timeout(Some(nanos));
        let _ = options.set_between_bytes_timeout(Some(nanos));
        let body = outgoing.body().map_err(|()| invalid("body"))?;
        // Sent first, written after: the host streams the body while it sends, so a body larger
        // than the stream's buffer cannot wait on a request that was never started.
        let future = outgoing_handler::handle(outgoing, Some(options)).map_err(error)?;
        write_body(body, &request.body)?;
        let response = loop {
            match future.get() {
                Some(answer) => break answer.map_err(|()| OutboundError::Failed("the answer was taken twice".into()))?.map_err(error)?,
                None => future.subscribe().block(),
            }
        };
        let status = response.status();
        let headers = response.headers().entries().into_iter().map(|(k, v)| (k.to_ascii_lowercase(), String::from_utf8_lossy(&v).into_owned())).collect();
        drop(future);
        let incoming = response.consume().map_err(|()| OutboundError::Failed("the body was taken twice".into()))?;
        let body = read_body(&incoming, request.max_response)?;
        drop(incoming);
        Ok(Response { status, headers, body })
    }

    fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<(), OutboundError> {
        let failed = |e: StreamError| OutboundError::Failed(format!("sending the body: {e:?}"));
        {
            let stream = body.write().map_err(|()| OutboundError::Failed("the body stream was taken twice".into()))?;
            crate::body::write_all(&stream, bytes).map_err(failed)?;
            stream.blocking_flush().map_err(failed)?;
        }
        OutgoingBody::finish(body, None).map_err(error)
    }

    fn read_body(incoming: &IncomingBody, max: usize) -> Result<Vec<u8>, OutboundError> {
        let stream = incoming.stream().map_err(|()| OutboundError::Failed("the body stream was taken twice".into()))?;
        let mut bytes = Vec::new();
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > max {
                        return Err(OutboundError::TooLarge(max));
                    }
                }
                Err(StreamError::Closed) => return Ok(bytes),
                Err(StreamError::LastOperationFailed(e)) => return Err(OutboundError::Failed(format!("reading the answer: {}", e.to_debug_string()))),
            }
        }
    }

    fn error(code: ErrorCode) -> OutboundError {
        let text = format!("{code:?}");
        match code {
            ErrorCode::HttpRequestDenied => OutboundError::Denied("the mount does not grant this destination (grants.outbound_http)".into()),
            ErrorCode::DnsTimeout | ErrorCode::ConnectionTimeout | ErrorCode::ConnectionReadTimeout | ErrorCode::ConnectionWriteTimeout | ErrorCode::HttpResponseTimeout => {
                OutboundError::Timeout(text)
            }
            ErrorCode::DnsError(_)
            | ErrorCode::DestinationNotFound
            | ErrorCode::DestinationUnavailable
            | ErrorCode::DestinationIpProhibited
            | ErrorCode::DestinationIpUnroutable
            | ErrorCode::ConnectionRefused
            | ErrorCode::ConnectionTerminated
            | ErrorCode::ConnectionLimitReached
            | ErrorCode::TlsProtocolError
            | ErrorCode::TlsCertificateError
            | ErrorCode::TlsAlertReceived(_) => OutboundError::Unreachable(text),
            ErrorCode::HttpRequestUriInvalid | ErrorCode::HttpRequestMethodInvalid => OutboundError::Invalid(text),
            _ => OutboundError::Failed(text),
        }
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    pub fn send(request: &super::Request) -> Result<super::Response, super::OutboundError> {
        request.parts()?;
        crate::testing::outbound_send(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_that_cannot_be_sent_are_refused_before_the_host() {
        for url in ["crm.example.com/x", "ftp://crm.example.com/", "https:///x", "https://user@crm.example.com/", "https://crm.example.com/a\r\nX: y"] {
            assert!(matches!(Request::get(url).parts(), Err(OutboundError::Invalid(_))), "{url}");
        }
        assert_eq!(Request::get("https://crm.example.com").parts().unwrap(), ("https", "crm.example.com", "/".to_string()));
        assert_eq!(Request::get("http://crm:8080?a=1").parts().unwrap(), ("http", "crm:8080", "/?a=1".to_string()));
    }

    #[test]
    fn errors_map_to_gateway_statuses() {
        assert_eq!(crate::Error::from(OutboundError::Denied("x".into())).status(), 403);
        assert_eq!(crate::Error::from(OutboundError::Unreachable("x".into())).status(), 502);
        assert_eq!(crate::Error::from(OutboundError::Timeout("x".into())).status(), 504);
    }
}
