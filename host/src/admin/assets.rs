//! The console's files, compiled into the binary: the page loads nothing from anywhere else (its
//! `Content-Security-Policy` says so to the browser too), so it works on a PBX with no internet.
//! They need no token — the page asks the admin for it and sends it with each API call.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderValue};

use crate::http::HttpResponse;

/// A static file the admin listener serves.
pub struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset { path: "/", content_type: "text/html; charset=utf-8", body: include_str!("console/index.html") },
    Asset { path: "/console.js", content_type: "text/javascript; charset=utf-8", body: include_str!("console/console.js") },
    Asset { path: "/console.css", content_type: "text/css; charset=utf-8", body: include_str!("console/console.css") },
];

/// Only this origin's scripts, styles, images and connections (inline ones included), and no
/// framing: no CDN asset can load even if one were referenced, and no other site can frame the
/// console to click it for an admin.
const POLICY: &str = "default-src 'self' 'unsafe-inline' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The asset at `path`.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

impl Asset {
    /// Its answer.
    pub fn response(&self) -> HttpResponse {
        let body = Full::new(Bytes::from_static(self.body.as_bytes())).map_err(|never| match never {}).boxed_unsync();
        let mut response = hyper::Response::new(body);
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        response.headers_mut().insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
        response
    }
}
