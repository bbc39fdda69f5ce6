//! [`Router`]: method + path pattern → handler, matched against the mount-relative path.

use std::cmp::Ordering;

use crate::error::Error;
use crate::request::Request;
use crate::response::Response;

type HandlerFn = Box<dyn Fn(&Request) -> Result<Response, Error>>;
type ErrorFn = Box<dyn Fn(Error) -> Response>;
/// Path parameters captured by a match, `(name, decoded value)` in pattern order.
type Captures = Vec<(String, String)>;

/// Routes requests to handlers by method and path pattern, matched against
/// [`Request::relative_path`], so the same plugin works on `/crm` or `/`.
///
/// Patterns:
/// - a literal segment matches itself exactly (`/calls`);
/// - `{name}` matches one non-empty segment, available as `req.param("name")` (percent-decoded);
/// - `{*rest}` as the last segment matches the remainder of the path, possibly empty, without its
///   leading `/` (`/files/{*rest}` matches `/files`, `/files/` and `/files/a/b` with `rest` =
///   `""`, `""`, `"a/b"`).
///
/// When several patterns match, the most specific wins (segment by segment a literal beats
/// `{name}`, which beats `{*rest}`; then a route for the exact method beats `GET` serving a `HEAD`,
/// which beats [`Router::any`]), so registration order only breaks exact ties. A path nobody matches
/// is a 404; a path that matches only for other methods is a 405 with an `Allow` header. A `HEAD`
/// request without its own route is served by the `GET` route with the body dropped.
///
/// ```
/// use switchboard_sdk::prelude::*;
///
/// fn show(req: &Request) -> Result<Response, Error> {
///     Response::json(&serde_json::json!({ "id": req.param("id") }))
/// }
///
/// let router = Router::new()
///     .get("/calls/{id}", show)
///     .post("/calls", |req: &Request| Ok(Response::text("created").with_status(201)));
///
/// let res = router.handle(&Request::new("GET", "/calls/42"));
/// assert_eq!(res.body_bytes(), Some(br#"{"id":"42"}"#.as_slice()));
/// assert_eq!(router.handle(&Request::new("DELETE", "/calls")).status(), 405);
/// ```
#[derive(Default)]
pub struct Router {
    routes: Vec<Route>,
    on_error: Option<ErrorFn>,
}

struct Route {
    /// `None` for [`Router::any`].
    method: Option<String>,
    pattern: Pattern,
    handler: HandlerFn,
}

impl Router {
    /// A router with no routes (every request is a 404).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a `GET` route (which also serves `HEAD`).
    pub fn get(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response, Error> + 'static,
    ) -> Self {
        self.route("GET", pattern, handler)
    }

    /// Adds a `POST` route.
    pub fn post(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response, Error> + 'static,
    ) -> Self {
        self.route("POST", pattern, handler)
    }

    /// Adds a `PUT` route.
    pub fn put(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response, Error> + 'static,
    ) -> Self {
        self.route("PUT", pattern, handler)
    }

    /// Adds a `PATCH` route.
    pub fn patch(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response, Error> + 'static,
    ) -> Self {
        self.route("PATCH", pattern, handler)
    }

    /// Adds a `DELETE` route.
    pub fn delete(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response, Error> + 'static,
    ) -> Self {
        self.route("DELETE", pattern, handler)
    }

    /// Adds a route for any method name (`"OPTIONS"`, `"PROPFIND"`, …; matched case-sensitively
    /// after uppercasing what you pass here, since clients send standard methods uppercase).
    ///
    /// # Panics
    /// When `pattern` is malformed (see [`Router::any`]).
    pub fn route(
        mut self,
        method: &str,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response, Error> + 'static,
    ) -> Self {
        self.routes.push(Route {
            method: Some(method.to_ascii_uppercase()),
            pattern: Pattern::parse(pattern),
            handler: Box::new(handler),
        });
        self
    }

    /// Adds a route that accepts every method.
    ///
    /// # Panics
    /// When `pattern` does not start with `/`, has an empty `{}` name, has `{*rest}` anywhere but
    /// last, or has a `{` in a segment that is not wholly a parameter: these are programming errors
    /// that should fail on the first request in a test, not silently never match.
    pub fn any(
        mut self,
        pattern: &str,
        handler: impl Fn(&Request) -> Result<Response, Error> + 'static,
    ) -> Self {
        self.routes.push(Route {
            method: None,
            pattern: Pattern::parse(pattern),
            handler: Box::new(handler),
        });
        self
    }

    /// Renders errors (from handlers, and the router's own 404/405) with `render` instead of the
    /// default JSON shape: for plugins that must answer in another API's error format. Headers the
    /// error carries (`Allow`, `WWW-Authenticate`) are added to the response unless `render` set them.
    pub fn on_error(mut self, render: impl Fn(Error) -> Response + 'static) -> Self {
        self.on_error = Some(Box::new(render));
        self
    }

    /// Routes `req` and renders any error: what the glue calls for every request.
    pub fn handle(&self, req: &Request) -> Response {
        let response = match self.dispatch(req) {
            Ok(response) => response,
            Err(error) => self.render_error(error),
        };
        if req.method() == "HEAD" {
            response.without_body()
        } else {
            response
        }
    }

    /// Routes `req` without rendering errors: for tests and for nesting routers.
    pub fn dispatch(&self, req: &Request) -> Result<Response, Error> {
        let path = req.relative_path();
        let method = req.method();
        let mut best: Option<(Rank, &Route, Captures)> = None;
        let mut allowed: Vec<&str> = Vec::new();
        let mut path_matched = false;

        for route in &self.routes {
            let Some((segments, params)) = route.pattern.matches(path) else {
                continue;
            };
            path_matched = true;
            let method_rank = match route.method.as_deref() {
                Some(m) if m == method => 3,
                Some("GET") if method == "HEAD" => 2,
                None => 1,
                Some(other) => {
                    allowed.push(other);
                    continue;
                }
            };
            let rank = Rank {
                segments,
                catch_all: route.pattern.has_rest(),
                method: method_rank,
            };
            if best.as_ref().is_none_or(|(b, _, _)| rank > *b) {
                best = Some((rank, route, params));
            }
        }

        if let Some((_, route, params)) = best {
            return (route.handler)(&req.with_params(params));
        }
        if path_matched {
            return Err(
                Error::method_not_allowed(format!("{method} is not allowed on {path}"))
                    .with_header("allow", allow_header(allowed)),
            );
        }
        Err(Error::not_found(format!("no route for {method} {path}")))
    }

    /// Renders `error` with the [`on_error`](Router::on_error) renderer, or the default JSON shape.
    pub fn render_error(&self, error: Error) -> Response {
        let Some(render) = &self.on_error else {
            return error.into_response();
        };
        let headers = error.headers().to_vec();
        let mut response = render(error);
        for (name, value) in headers {
            if response.header_value(&name).is_none() {
                response = response.append_header(&name, value);
            }
        }
        response
    }
}

/// The `Allow` value: unique methods in a conventional order, `HEAD` implied by `GET`.
fn allow_header(mut methods: Vec<&str>) -> String {
    if methods.contains(&"GET") {
        methods.push("HEAD");
    }
    const ORDER: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    let position = |m: &str| ORDER.iter().position(|o| *o == m).unwrap_or(ORDER.len());
    methods.sort_by(|a, b| position(a).cmp(&position(b)).then(a.cmp(b)));
    methods.dedup();
    methods.join(", ")
}

/// How well a route matched; greater is better.
#[derive(PartialEq, Eq)]
struct Rank {
    /// Per path segment: 3 literal, 2 `{name}`, 1 `{*rest}`. All matches of one path have equal length.
    segments: Vec<u8>,
    catch_all: bool,
    method: u8,
}

impl Ord for Rank {
    fn cmp(&self, other: &Self) -> Ordering {
        self.segments
            .cmp(&other.segments)
            // A pattern without `{*rest}` is more specific.
            .then(other.catch_all.cmp(&self.catch_all))
            .then(self.method.cmp(&other.method))
    }
}

impl PartialOrd for Rank {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param(String),
    Rest(String),
}

#[derive(Debug)]
struct Pattern {
    segments: Vec<Segment>,
}

impl Pattern {
    fn parse(pattern: &str) -> Self {
        let Some(body) = pattern.strip_prefix('/') else {
            panic!("route pattern {pattern:?} must start with '/'");
        };
        let parts: Vec<&str> = if body.is_empty() {
            Vec::new()
        } else {
            body.split('/').collect()
        };
        let count = parts.len();
        let segments = parts
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                if let Some(name) = part.strip_prefix("{*").and_then(|p| p.strip_suffix('}')) {
                    assert!(i + 1 == count, "{{*{name}}} must be the last segment of {pattern:?}");
                    assert!(!name.is_empty(), "empty parameter name in {pattern:?}");
                    Segment::Rest(name.to_string())
                } else if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    assert!(!name.is_empty(), "empty parameter name in {pattern:?}");
                    Segment::Param(name.to_string())
                } else {
                    assert!(
                        !part.contains(['{', '}']),
                        "segment {part:?} of {pattern:?} mixes text and a parameter; use a whole segment"
                    );
                    Segment::Literal(part.to_string())
                }
            })
            .collect();
        Pattern { segments }
    }

    fn has_rest(&self) -> bool {
        matches!(self.segments.last(), Some(Segment::Rest(_)))
    }

    /// The per-segment rank and the captured parameters, if `path` matches.
    fn matches(&self, path: &str) -> Option<(Vec<u8>, Captures)> {
        let body = path.strip_prefix('/').unwrap_or(path);
        let parts: Vec<&str> = if body.is_empty() {
            Vec::new()
        } else {
            body.split('/').collect()
        };
        let mut ranks = Vec::with_capacity(parts.len());
        let mut params = Vec::new();
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Rest(name) => {
                    let rest = parts.get(i..).unwrap_or_default().join("/");
                    ranks.resize(parts.len(), 1);
                    params.push((name.clone(), percent_decode(&rest)));
                    return Some((ranks, params));
                }
                Segment::Literal(literal) => {
                    if parts.get(i) != Some(&literal.as_str()) {
                        return None;
                    }
                    ranks.push(3);
                }
                Segment::Param(name) => {
                    let value = parts.get(i).filter(|v| !v.is_empty())?;
                    ranks.push(2);
                    params.push((name.clone(), percent_decode(value)));
                }
            }
        }
        (parts.len() == self.segments.len()).then_some((ranks, params))
    }
}

/// Decodes `%XX` escapes (not `+`, which is literal in a path); invalid escapes are kept as they are
/// and invalid UTF-8 is replaced.
fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &'static str) -> impl Fn(&Request) -> Result<Response, Error> {
        move |req: &Request| {
            let params: Vec<String> = req.params().map(|(k, v)| format!("{k}={v}")).collect();
            Ok(Response::text(format!("{name} {}", params.join(" "))))
        }
    }

    fn body(router: &Router, method: &str, path: &str) -> (u16, String) {
        let res = router.handle(&Request::new(method, path));
        let status = res.status();
        (
            status,
            String::from_utf8(res.into_body_bytes().unwrap()).unwrap(),
        )
    }

    #[test]
    fn literal_param_and_rest_matching() {
        let r = Router::new()
            .get("/", tag("root"))
            .get("/calls", tag("list"))
            .get("/calls/{id}", tag("show"))
            .get("/calls/{id}/legs/{leg}", tag("leg"))
            .get("/files/{*path}", tag("file"));
        assert_eq!(body(&r, "GET", "/"), (200, "root ".into()));
        assert_eq!(body(&r, "GET", "/calls"), (200, "list ".into()));
        assert_eq!(body(&r, "GET", "/calls/42"), (200, "show id=42".into()));
        assert_eq!(
            body(&r, "GET", "/calls/42/legs/b"),
            (200, "leg id=42 leg=b".into())
        );
        assert_eq!(body(&r, "GET", "/files"), (200, "file path=".into()));
        assert_eq!(body(&r, "GET", "/files/"), (200, "file path=".into()));
        assert_eq!(
            body(&r, "GET", "/files/a/b.wav"),
            (200, "file path=a/b.wav".into())
        );
        assert_eq!(body(&r, "GET", "/calls/42/legs").0, 404);
        // `{name}` never matches an empty segment, and trailing slashes are significant.
        assert_eq!(body(&r, "GET", "/calls/").0, 404);
        assert_eq!(body(&r, "GET", "/nope").0, 404);
    }

    #[test]
    fn params_are_percent_decoded_but_matching_uses_raw_segments() {
        let r = Router::new()
            .get("/u/{name}", tag("u"))
            .get("/f/{*rest}", tag("f"));
        assert_eq!(
            body(&r, "GET", "/u/J%C3%B6rg%20M+x"),
            (200, "u name=Jörg M+x".into())
        );
        // An encoded slash stays inside the one segment.
        assert_eq!(body(&r, "GET", "/u/a%2Fb"), (200, "u name=a/b".into()));
        assert_eq!(body(&r, "GET", "/f/a%20b/c"), (200, "f rest=a b/c".into()));
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn most_specific_route_wins_regardless_of_order() {
        let r = Router::new()
            .get("/{*rest}", tag("catchall"))
            .get("/{name}", tag("name"))
            .any("/echo/{*rest}", tag("echo-rest"))
            .any("/echo", tag("echo"));
        assert_eq!(body(&r, "GET", "/echo"), (200, "echo ".into()));
        assert_eq!(body(&r, "GET", "/echo/x"), (200, "echo-rest rest=x".into()));
        assert_eq!(body(&r, "GET", "/bob"), (200, "name name=bob".into()));
        assert_eq!(body(&r, "GET", "/a/b"), (200, "catchall rest=a/b".into()));
        assert_eq!(body(&r, "GET", "/"), (200, "catchall rest=".into()));
    }

    #[test]
    fn exact_method_beats_any() {
        let r = Router::new().any("/x", tag("any")).post("/x", tag("post"));
        assert_eq!(body(&r, "POST", "/x").1, "post ");
        assert_eq!(body(&r, "PURGE", "/x").1, "any ");
    }

    #[test]
    fn wrong_method_is_405_with_allow() {
        let r = Router::new()
            .delete("/calls/{id}", tag("del"))
            .get("/calls/{id}", tag("show"))
            .route("patch", "/calls/{id}", tag("patch"))
            .get("/other", tag("other"));
        let res = r.handle(&Request::new("POST", "/calls/1"));
        assert_eq!(res.status(), 405);
        assert_eq!(res.header_value("allow"), Some("GET, HEAD, PATCH, DELETE"));
        let json: serde_json::Value = serde_json::from_slice(res.body_bytes().unwrap()).unwrap();
        assert_eq!(json["error"]["code"], "method_not_allowed");
        assert_eq!(body(&r, "PATCH", "/calls/1").1, "patch id=1");
    }

    #[test]
    fn unknown_path_is_404_json() {
        let res = Router::new().handle(&Request::new("GET", "/missing"));
        assert_eq!(res.status(), 404);
        let json: serde_json::Value = serde_json::from_slice(res.body_bytes().unwrap()).unwrap();
        assert_eq!(json["error"]["code"], "not_found");
    }

    #[test]
    fn head_falls_back_to_get_without_body_but_prefers_its_own_route() {
        let r = Router::new()
            .get("/a", tag("get-a"))
            .get("/b", tag("get-b"))
            .route("HEAD", "/b", |_: &Request| {
                Ok(Response::empty(204).header("x-head", "1"))
            });
        let res = r.handle(&Request::new("HEAD", "/a"));
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.header_value("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(res.body_bytes(), Some(b"".as_slice()));
        let res = r.handle(&Request::new("HEAD", "/b"));
        assert_eq!((res.status(), res.header_value("x-head")), (204, Some("1")));
    }

    #[test]
    fn matches_the_path_relative_to_the_mount() {
        let r = Router::new()
            .get("/", tag("root"))
            .get("/{name}", tag("name"));
        let req = Request::new("GET", "/hello/bob?x=1").with_mount_route("/hello");
        assert_eq!(r.handle(&req).into_body_bytes().unwrap(), b"name name=bob");
        let req = Request::new("GET", "/hello").with_mount_route("/hello");
        assert_eq!(r.handle(&req).into_body_bytes().unwrap(), b"root ");
    }

    #[test]
    fn handler_errors_and_on_error_rendering() {
        let r = Router::new()
            .get("/fail", |_: &Request| Err(Error::conflict("busy")))
            .on_error(|e: Error| {
                Response::text(format!("ERR {} {}", e.code(), e.message())).with_status(e.status())
            });
        assert_eq!(body(&r, "GET", "/fail"), (409, "ERR conflict busy".into()));
        assert_eq!(body(&r, "GET", "/nope").0, 404);
        // The 405's Allow header survives the custom renderer.
        let res = r.handle(&Request::new("PUT", "/fail"));
        assert_eq!(
            (res.status(), res.header_value("allow")),
            (405, Some("GET, HEAD"))
        );
    }

    #[test]
    fn handlers_may_be_closures_with_state() {
        let greeting = String::from("Hi");
        let r = Router::new().get("/", move |_: &Request| Ok(Response::text(greeting.clone())));
        assert_eq!(body(&r, "GET", "/").1, "Hi");
    }

    #[test]
    #[should_panic(expected = "must be the last segment")]
    fn rest_must_be_last() {
        let _ = Router::new().get("/{*rest}/x", tag("bad"));
    }

    #[test]
    #[should_panic(expected = "must start with '/'")]
    fn pattern_must_start_with_slash() {
        let _ = Router::new().get("calls", tag("bad"));
    }

    #[test]
    #[should_panic(expected = "mixes text and a parameter")]
    fn partial_parameters_are_rejected() {
        let _ = Router::new().get("/calls/{id}.json", tag("bad"));
    }
}
