//! The admin API's routes (JSON, the host's error shape), each a thin translation of one HTTP
//! request into one call of the live mount table's controls ([`crate::control::Control`]), the
//! shared check ([`crate::check`]), the metrics registry or the failures ring.
//!
//! hyper directly, like the plugin listeners: a dozen fixed routes are a `match`, and a router
//! framework would add more than it saves.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use hyper::{HeaderMap, Method, Request};
use serde_json::json;

use super::Admin;
use crate::control::{ControlError, DataChoice, MountSpec, PluginUpload};
use crate::http::{HttpResponse, json, json_error};

/// The header a client names its human with (the CLI sends `$USER@hostname`); the audit records
/// it after the token's peer.
pub const ACTOR_HEADER: &str = "x-switchboard-actor";

/// Largest plugin upload: a component with its dependencies compiled in is a few MiB; 64 MiB is
/// far beyond any, and bounds what one request can make the host hold.
const MAX_UPLOAD: usize = 64 << 20;
/// Largest JSON or TOML body.
const MAX_BODY: usize = 1 << 20;
/// `limit` of the audit and failures lists: its default and its largest value.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// Every route and the methods it answers, for 405's `Allow`.
const ROUTES: &[(&str, &str)] = &[
    ("/metrics", "GET"),
    ("/admin/api/mounts", "GET, POST, DELETE"),
    ("/admin/api/mounts/enable", "POST"),
    ("/admin/api/mounts/disable", "POST"),
    ("/admin/api/mounts/plugin", "PUT"),
    ("/admin/api/reload", "POST"),
    ("/admin/api/check", "POST"),
    ("/admin/api/audit", "GET"),
    ("/admin/api/failures", "GET"),
    ("/admin/api/events", "GET"),
];

/// An answer that is not the happy one.
type Refusal = HttpResponse;

/// Answers one request, with the headers every admin answer carries.
pub(super) async fn handle(admin: &Admin, peer: SocketAddr, request: Request<Incoming>) -> HttpResponse {
    let mut response = route(admin, peer, request).await.unwrap_or_else(|refusal| refusal);
    let headers = response.headers_mut();
    // Mount tables and audits are nobody's cache's business.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

async fn route(admin: &Admin, peer: SocketAddr, request: Request<Incoming>) -> Result<HttpResponse, Refusal> {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    if let Some(asset) = super::assets::find(&path) {
        return match method {
            Method::GET | Method::HEAD => Ok(asset.response()),
            _ => Err(method_not_allowed("GET")),
        };
    }
    if path != "/metrics" && !path.starts_with("/admin/api/") {
        return Err(json_error(404, "not_found", &format!("no admin endpoint at {path}"), None));
    }
    // Everything past here needs the token; unknown API paths too, so that probing without it
    // learns nothing.
    admin.auth.check(peer.ip(), request.headers())?;
    let who = who(peer, request.headers());
    let query = Query::parse(request.uri().query().unwrap_or(""));
    let control = &admin.control;
    match (path.as_str(), &method) {
        ("/metrics", &Method::GET) => {
            let mut response = text(admin.services.metrics.encode());
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(crate::metrics::CONTENT_TYPE));
            Ok(response)
        }
        ("/admin/api/mounts", &Method::GET) => {
            let (mounts, persisted, config) = (control.list(), control.persisted(), control.config_path());
            Ok(json(200, &json!({ "mounts": mounts, "persisted": persisted, "config": config })))
        }
        ("/admin/api/mounts", &Method::POST) => {
            let spec: MountSpec = serde_json::from_value(json_body(request).await?)
                .map_err(|e| json_error(422, "invalid_mount", &format!("not a mount: {e}"), None))?;
            let mount = control.add(spec, &who).await.map_err(refused)?;
            Ok(json(201, &json!({ "mount": mount })))
        }
        ("/admin/api/mounts", &Method::DELETE) => {
            let route = query.route()?;
            control.remove(&route, &who).await.map_err(refused)?;
            Ok(json(200, &json!({ "removed": route })))
        }
        ("/admin/api/mounts/enable" | "/admin/api/mounts/disable", &Method::POST) => {
            let body = json_body(request).await?;
            let Some(route) = body.get("route").and_then(|r| r.as_str()) else {
                return Err(json_error(400, "bad_request", "the body is `{\"route\": \"/x\"}`", None));
            };
            let mount = if path.ends_with("/enable") { control.enable(route, &who).await } else { control.disable(route, &who).await };
            Ok(json(200, &json!({ "mount": mount.map_err(refused)? })))
        }
        ("/admin/api/mounts/plugin", &Method::PUT) => {
            let route = query.route()?;
            let data = match query.get("data") {
                None | Some("adopt") => DataChoice::Adopt,
                Some("fresh") => DataChoice::Fresh,
                Some(other) => return Err(json_error(400, "bad_request", &format!("data={other}: use `adopt` (the default) or `fresh`"), None)),
            };
            let upload = upload(request).await?;
            let mount = control.replace(&route, upload, data, &who).await.map_err(refused)?;
            Ok(json(200, &json!({ "mount": mount })))
        }
        ("/admin/api/reload", &Method::POST) => {
            // `{"changes":[{"route","what"}…],"restart":[…]}`: what changed, and what waits for a restart.
            let reload = control.reload(&who).await.map_err(refused)?;
            Ok(json(200, &serde_json::to_value(reload).unwrap_or_default()))
        }
        ("/admin/api/check", &Method::POST) => check(admin, request, &query).await,
        ("/admin/api/audit", &Method::GET) => {
            let limit = query.limit()?;
            Ok(json(200, &json!({ "entries": control.audit(limit) })))
        }
        ("/admin/api/failures", &Method::GET) => {
            let limit = query.limit()?;
            Ok(json(200, &json!({ "failures": admin.services.failures.recent(limit) })))
        }
        ("/admin/api/events", &Method::GET) => {
            let last = request.headers().get("last-event-id").and_then(|v| v.to_str().ok()?.trim().parse().ok());
            Ok(super::events::stream(admin.services.bus.clone(), last, admin.shutdown.clone()))
        }
        _ => Err(match ROUTES.iter().find(|(p, _)| *p == path) {
            Some((_, allowed)) => method_not_allowed(allowed),
            None => json_error(404, "not_found", &format!("no admin endpoint at {path}"), None),
        }),
    }
}

/// `POST /admin/api/check[?path=/etc/switchboard/switchboard.toml]`: the body checked as if it were
/// the file at `path` (default: the server's own configuration file), which names it in the
/// problems' locations and anchors its relative paths — what `switchboard check --config <path>`
/// says of the same text. One check at a time: each compiles every plugin it mounts.
async fn check(admin: &Admin, request: Request<Incoming>, query: &Query) -> Result<HttpResponse, Refusal> {
    let body = read_body(request, MAX_BODY).await?;
    let text = String::from_utf8(body.to_vec()).map_err(|_| json_error(400, "bad_request", "the configuration is not UTF-8 text", None))?;
    let path = match query.get("path") {
        Some(path) => PathBuf::from(path),
        None => admin.control.config_path().map_or_else(|| PathBuf::from("switchboard.toml"), Path::to_path_buf),
    };
    // `?strict=true`: what `switchboard check --strict` says.
    let strict = matches!(query.get("strict"), Some("true" | "1"));
    let _one = admin.checks.acquire().await.map_err(|_| json_error(503, "shutting_down", "the server is stopping", None))?;
    let report = tokio::task::spawn_blocking(move || {
        let report = crate::check::check_text(&text, &path);
        if strict { report.strict() } else { report }
    })
        .await
        .map_err(|e| json_error(500, "check_failed", &format!("the check stopped: {e}"), None))?;
    Ok(json(200, &serde_json::to_value(report).unwrap_or_default()))
}

/// The plugin of a hot swap: the component's bytes (`application/wasm`, or any other type but
/// JSON), or JSON naming a file on the server (`{"path": "/abs/x.wasm"}`) or a built-in
/// (`{"builtin": "elastix"}`).
async fn upload(request: Request<Incoming>) -> Result<PluginUpload, Refusal> {
    let is_json = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if !is_json {
        return Ok(PluginUpload::Bytes(read_body(request, MAX_UPLOAD).await?.to_vec()));
    }
    let body = json_body(request).await?;
    match (body.get("path").and_then(|p| p.as_str()), body.get("builtin").and_then(|b| b.as_str())) {
        (Some(path), None) => Ok(PluginUpload::File(PathBuf::from(path))),
        (None, Some(name)) => Ok(PluginUpload::Builtin(name.to_string())),
        _ => Err(json_error(400, "bad_request", "give the .wasm bytes (Content-Type: application/wasm), or {\"path\": \"/abs/file.wasm\"}, or {\"builtin\": \"name\"}", None)),
    }
}

/// The request body, at most `limit` bytes (413 beyond).
async fn read_body(request: Request<Incoming>, limit: usize) -> Result<Bytes, Refusal> {
    match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            Err(json_error(413, "too_large", &format!("the body is larger than {} bytes", limit), None))
        }
        Err(e) => Err(json_error(400, "bad_request", &format!("reading the body: {e}"), None)),
    }
}

/// The body as JSON.
async fn json_body(request: Request<Incoming>) -> Result<serde_json::Value, Refusal> {
    let body = read_body(request, MAX_BODY).await?;
    serde_json::from_slice(&body).map_err(|e| json_error(400, "bad_json", &format!("the body is not JSON: {e}"), None))
}

fn refused(error: ControlError) -> HttpResponse {
    json_error(error.status, error.code, &error.message, None)
}

fn method_not_allowed(allowed: &'static str) -> HttpResponse {
    let mut response = json_error(405, "method_not_allowed", &format!("this endpoint answers {allowed}"), None);
    response.headers_mut().insert(ALLOW, HeaderValue::from_static(allowed));
    response
}

fn text(body: String) -> HttpResponse {
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed_unsync());
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// Who the audit says made a change: the token (there is one) from its peer, and the actor the
/// client named, cut to 128 printable characters.
fn who(peer: SocketAddr, headers: &HeaderMap) -> String {
    let ip = crate::capabilities::client_block(peer.ip());
    let actor: String = headers
        .get(ACTOR_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').take(128).collect::<String>())
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    if actor.is_empty() { format!("admin token (peer {ip})") } else { format!("admin token (peer {ip}) as {actor}") }
}

/// A query string's parameters, percent-decoded (`route=%2Fapi` is `/api`).
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(query: &str) -> Query {
        Query(
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(key), decode(value))
                })
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// `route`, required.
    fn route(&self) -> Result<String, Refusal> {
        self.get("route")
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .ok_or_else(|| json_error(400, "bad_request", "name the mount: ?route=/x", None))
    }

    /// `limit`: default 100, at most 1000.
    fn limit(&self) -> Result<usize, Refusal> {
        match self.get("limit") {
            None => Ok(DEFAULT_LIMIT),
            Some(text) => match text.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(n.min(MAX_LIMIT)),
                _ => Err(json_error(400, "bad_request", &format!("limit={text}: give a number from 1 to {MAX_LIMIT}"), None)),
            },
        }
    }
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte; bad escapes stay as
/// they are.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && hex(bytes[i + 1]).is_some() && hex(bytes[i + 2]).is_some() => {
                out.push((hex(bytes[i + 1]).unwrap_or(0) * 16 + hex(bytes[i + 2]).unwrap_or(0)) as u8);
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode() {
        let q = Query::parse("route=%2Fapi%2Findex&data=fresh&x&limit=5");
        assert_eq!(q.get("route"), Some("/api/index"));
        assert_eq!(q.get("data"), Some("fresh"));
        assert_eq!(q.get("x"), Some(""));
        assert_eq!(q.limit().ok(), Some(5));
        assert_eq!(decode("a+b%2"), "a b%2");
        assert_eq!(decode("%zz%41"), "%zzA");
        assert_eq!(decode("%"), "%");
    }
}
