//! The incoming request as a handler sees it: method, path, headers and the whole body in memory.
//!
//! The SDK reads the body completely before calling the handler (up to a limit, 16 MiB by default;
//! see [`handler::DEFAULT_MAX_BODY`](crate::handler::DEFAULT_MAX_BODY)), because almost every handler
//! wants bytes, JSON or form fields rather than a stream, and a fresh instance per request makes the
//! memory short-lived. A plugin that must accept larger uploads raises the limit in
//! [`plugin!`](crate::plugin) or takes the raw request with `plugin!(raw: …)` and reads the stream
//! itself.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::headers::Headers;
use crate::params::Params;

/// One HTTP request. Cheap to clone: the body and headers are shared.
#[derive(Debug, Clone)]
pub struct Request {
    parts: Arc<Parts>,
    params: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
struct Parts {
    method: String,
    /// Path and query exactly as received, e.g. `/crm/calls?x=1`.
    target: String,
    /// Length of the path part of `target`.
    path_len: usize,
    mount_route: String,
    headers: Headers,
    body: Vec<u8>,
}

impl Request {
    /// A request for `method` and `path_with_query` (e.g. `"/hello/echo?x=1"`), mounted on `/`, with
    /// no headers and an empty body.
    ///
    /// The SDK's glue builds every incoming request this way; plugin unit tests use it (with the
    /// `with_*` methods) to call handlers and routers natively.
    pub fn new(method: &str, path_with_query: &str) -> Self {
        let target = if path_with_query.is_empty() {
            "/".to_string()
        } else {
            path_with_query.to_string()
        };
        let path_len = target.find('?').unwrap_or(target.len());
        Request {
            parts: Arc::new(Parts {
                method: method.to_string(),
                target,
                path_len,
                mount_route: "/".to_string(),
                headers: Headers::new(),
                body: Vec::new(),
            }),
            params: Vec::new(),
        }
    }

    /// Sets the route prefix of the mount that received the request (see [`Request::relative_path`]).
    pub fn with_mount_route(mut self, route: &str) -> Self {
        Arc::make_mut(&mut self.parts).mount_route = route.to_string();
        self
    }

    /// Appends a header (name stored lowercase; repeats are kept in order).
    pub fn with_header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        Arc::make_mut(&mut self.parts).headers.append(name, value);
        self
    }

    /// Replaces all headers.
    pub fn with_headers(mut self, headers: Headers) -> Self {
        Arc::make_mut(&mut self.parts).headers = headers;
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        Arc::make_mut(&mut self.parts).body = body.into();
        self
    }

    /// The same request with router path parameters attached; shares headers and body.
    pub(crate) fn with_params(&self, params: Vec<(String, String)>) -> Self {
        Request {
            parts: Arc::clone(&self.parts),
            params,
        }
    }

    /// The method as sent, e.g. `GET`. The standard methods are always uppercase.
    pub fn method(&self) -> &str {
        &self.parts.method
    }

    /// The full path as received, without the query, percent-encoding untouched (`/crm/calls/a%20b`).
    pub fn path(&self) -> &str {
        &self.parts.target[..self.parts.path_len]
    }

    /// The raw query string after `?` (not decoded), or `None` when the target has no `?`.
    pub fn query_string(&self) -> Option<&str> {
        self.parts.target.get(self.parts.path_len + 1..)
    }

    /// Path and query exactly as received (`/crm/calls?x=1`).
    pub fn path_with_query(&self) -> &str {
        &self.parts.target
    }

    /// The route prefix of the mount that received this request (`/` for the root).
    pub fn mount_route(&self) -> &str {
        &self.parts.mount_route
    }

    /// The path with the mount's route prefix removed, always starting with `/`: on a mount at
    /// `/crm`, `/crm/calls` gives `/calls` and `/crm` gives `/`. This is what [`Router`](crate::Router)
    /// patterns match, so a plugin works unchanged whatever route the admin mounts it on.
    pub fn relative_path(&self) -> &str {
        strip_mount(self.path(), &self.parts.mount_route)
    }

    /// All headers, in the order received, names lowercase.
    pub fn headers(&self) -> &Headers {
        &self.parts.headers
    }

    /// The first value of header `name` (case-insensitive), if present and UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name)
    }

    /// The whole request body.
    pub fn body(&self) -> &[u8] {
        &self.parts.body
    }

    /// The body as UTF-8 text; a 400 if it is not UTF-8.
    pub fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.parts.body)
            .map_err(|_| Error::bad_request("request body is not valid UTF-8"))
    }

    /// The decoded query parameters (empty when there is no query).
    pub fn query(&self) -> Params {
        Params::parse(self.query_string().unwrap_or("").as_bytes())
    }

    /// The body parsed as `application/x-www-form-urlencoded`. The `Content-Type` is not checked, so
    /// clients that omit it still work.
    pub fn form(&self) -> Params {
        Params::parse(&self.parts.body)
    }

    /// The body parsed as a form like [`Request::form`], but a field that is not UTF-8 is refused
    /// with a 400 naming it rather than altered: for forms whose values are stored.
    pub fn form_strict(&self) -> Result<Params, Error> {
        Params::parse_strict(&self.parts.body).map_err(|e| Error::bad_request(e.to_string()))
    }

    /// The body parsed as JSON into `T`; a 400 `invalid_json` error when it does not parse or does not
    /// fit `T`. The `Content-Type` is not checked.
    ///
    /// A body that would be JSON but for bytes that are not UTF-8 inside a string is refused
    /// naming that property (`` `callerid` is not UTF-8 text ``), so a client learns which field
    /// to fix.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.parts.body).map_err(|e| {
            let why = match not_utf8_property(&self.parts.body) {
                Some(property) => format!("`{property}` is not UTF-8 text"),
                None => format!("invalid JSON body: {e}"),
            };
            Error::new(400, "invalid_json", why)
        })
    }

    /// A path parameter captured by the router (`{id}` or `{*rest}`), percent-decoded.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All path parameters captured by the router, in pattern order.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// The first property (`a`, or `a.b` inside an object) whose string holds bytes that are not UTF-8,
/// when `body` is JSON but for those; `None` for UTF-8 bodies and bodies that are not JSON anyway.
fn not_utf8_property(body: &[u8]) -> Option<String> {
    if std::str::from_utf8(body).is_ok() {
        return None;
    }
    fn find(value: &serde_json::Value, path: &str) -> Option<String> {
        match value {
            serde_json::Value::String(s) if s.contains('\u{fffd}') => Some(path.to_string()),
            serde_json::Value::Object(map) => map.iter().find_map(|(key, v)| {
                let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                if key.contains('\u{fffd}') { Some(path) } else { find(v, &path) }
            }),
            serde_json::Value::Array(items) => items.iter().find_map(|v| find(v, path)),
            _ => None,
        }
    }
    let value: serde_json::Value = serde_json::from_str(&String::from_utf8_lossy(body)).ok()?;
    find(&value, "").filter(|path| !path.is_empty())
}

/// Removes `mount` from the front of `path` on a segment boundary; the result starts with `/`.
fn strip_mount<'a>(path: &'a str, mount: &str) -> &'a str {
    let mount = mount.trim_end_matches('/');
    if mount.is_empty() {
        return if path.is_empty() { "/" } else { path };
    }
    match path.strip_prefix(mount) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        // Not under the mount (the host never sends such a request): leave it alone.
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_path_and_query_without_decoding() {
        let r = Request::new("GET", "/crm/calls/a%20b?x=1&y=%41");
        assert_eq!(r.path(), "/crm/calls/a%20b");
        assert_eq!(r.query_string(), Some("x=1&y=%41"));
        assert_eq!(r.path_with_query(), "/crm/calls/a%20b?x=1&y=%41");
        assert_eq!(r.query().get("y"), Some("A"));
    }

    #[test]
    fn query_is_none_without_question_mark_and_empty_with_one() {
        assert_eq!(Request::new("GET", "/a").query_string(), None);
        assert_eq!(Request::new("GET", "/a?").query_string(), Some(""));
        assert!(Request::new("GET", "/a").query().is_empty());
        assert_eq!(Request::new("GET", "").path(), "/");
    }

    #[test]
    fn relative_path_strips_the_mount_on_segment_boundaries() {
        let rel = |mount: &str, path: &str| {
            Request::new("GET", path)
                .with_mount_route(mount)
                .relative_path()
                .to_string()
        };
        assert_eq!(rel("/crm", "/crm/calls"), "/calls");
        assert_eq!(rel("/crm", "/crm"), "/");
        assert_eq!(rel("/crm", "/crm/"), "/");
        assert_eq!(rel("/crm/", "/crm/calls/1"), "/calls/1");
        assert_eq!(rel("/", "/calls"), "/calls");
        assert_eq!(rel("/", "/"), "/");
        assert_eq!(rel("/crm", "/crmx/calls"), "/crmx/calls");
        assert_eq!(rel("/a/b", "/a/b/c%2Fd?q"), "/c%2Fd");
    }

    #[test]
    fn json_that_is_not_utf8_names_the_property() {
        let req = Request::new("POST", "/").with_body(b"{\"name\":\"ok\",\"callerid\":\"Bob\xff\"}".to_vec());
        let err = req.json::<serde_json::Value>().unwrap_err();
        assert_eq!((err.status(), err.message()), (400, "`callerid` is not UTF-8 text"));
        let err = Request::new("POST", "/").with_body(b"{\"a\":{\"b\":[\"\xfe\"]}}".to_vec()).json::<serde_json::Value>().unwrap_err();
        assert_eq!(err.message(), "`a.b` is not UTF-8 text");
        let err = Request::new("POST", "/").with_body("{".to_string()).json::<serde_json::Value>().unwrap_err();
        assert!(err.message().starts_with("invalid JSON body"), "{err}");
    }

    #[test]
    fn json_and_form_and_text() {
        #[derive(Debug, serde::Deserialize)]
        struct Call {
            from: String,
        }
        let r = Request::new("POST", "/").with_body(r#"{"from":"101"}"#);
        assert_eq!(r.json::<Call>().unwrap().from, "101");
        assert_eq!(r.text().unwrap(), r#"{"from":"101"}"#);

        let bad = Request::new("POST", "/").with_body("{nope");
        let err = bad.json::<Call>().unwrap_err();
        assert_eq!((err.status(), err.code()), (400, "invalid_json"));

        let form = Request::new("POST", "/").with_body("a=1+2&b=%26");
        assert_eq!(form.form().get("a"), Some("1 2"));
        assert_eq!(form.form().get("b"), Some("&"));

        let binary = Request::new("POST", "/").with_body(vec![0xff]);
        assert_eq!(binary.text().unwrap_err().status(), 400);
    }

    #[test]
    fn headers_keep_order_and_repeats() {
        let r = Request::new("GET", "/")
            .with_header("X-A", "1")
            .with_header("Cookie", "a=1")
            .with_header("cookie", "b=2");
        assert_eq!(r.header("COOKIE"), Some("a=1"));
        assert_eq!(r.headers().get_all("cookie").len(), 2);
        let names: Vec<&str> = r.headers().iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["x-a", "cookie", "cookie"]);
    }

    #[test]
    fn params_are_per_clone() {
        let r = Request::new("GET", "/calls/7").with_body("x");
        let routed = r.with_params(vec![("id".into(), "7".into())]);
        assert_eq!(routed.param("id"), Some("7"));
        assert_eq!(r.param("id"), None);
        assert_eq!(routed.body(), b"x");
    }
}
