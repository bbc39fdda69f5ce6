//! The SDK's request side (`switchboard_sdk::{Router, Request, Params}`): a router with literal,
//! `{param}` and `{*rest}` routes runs a handler only for a path of that route's shape and a
//! method the route takes, else answers 404, or 405 with an `Allow` header; a captured `{param}`
//! is never empty; the strict form parser agrees with the lenient one wherever it accepts; the
//! relative path starts with `/`; Basic credentials never put a `:` in the user; JSON, text and
//! header parsing never panic.

use arbitrary::Unstructured;
use switchboard_sdk::prelude::*;

use crate::request::{Shape, request};

const SHAPE: Shape<'static> = Shape {
    mount: "/crm",
    paths: &["/", "/calls", "/calls/{id}", "/calls/{id}/notes", "/files/", "/files/{id}/x", "/calls/{id}/"],
    fields: &["x", "cmd", "id", "a b", "%41"],
    secrets: &["1", "%2F", "+", "é", "%ZZ", "%C3"],
};

/// Which route ran, and what it was given (the parameters `Debug`-quoted, so a value holding the
/// separator or a quote cannot pass for another parameter).
fn answer(route: &str, req: &Request) -> Result<Response, Error> {
    let params: Vec<(String, String)> = req.params().map(|(n, v)| (n.to_string(), v.to_string())).collect();
    Ok(Response::text(format!("{route}|{params:?}")))
}

fn router() -> Router {
    Router::new()
        .get("/", |r: &Request| answer("root", r))
        .get("/calls", |r: &Request| answer("list", r))
        .post("/calls", |r: &Request| answer("create", r))
        .get("/calls/{id}", |r: &Request| answer("show", r))
        .delete("/calls/{id}", |r: &Request| answer("delete", r))
        .get("/calls/{id}/notes", |r: &Request| answer("notes", r))
        .any("/files/{*rest}", |r: &Request| answer("files", r))
}

pub fn check(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(req) = request(&mut u, &SHAPE, Some("token")) else { return };
    let path = req.relative_path().to_string();
    assert!(path.starts_with('/'), "relative path {path:?} of {:?}", req.path());
    let segments: Vec<&str> = path[1..].split('/').collect();
    let method = req.method().to_string();

    let response = router().handle(&req);
    let status = response.status();
    let body = String::from_utf8(response.body_bytes().unwrap_or_default().to_vec()).unwrap_or_default();
    let routed = body.split('|').next().unwrap_or_default().to_string();
    let expected: &[(&str, &[&str])] = match segments.as_slice() {
        [""] => &[("root", &["GET", "HEAD"])],
        ["calls"] => &[("list", &["GET", "HEAD"]), ("create", &["POST"])],
        ["calls", id] if !id.is_empty() => &[("show", &["GET", "HEAD"]), ("delete", &["DELETE"])],
        ["calls", id, "notes"] if !id.is_empty() => &[("notes", &["GET", "HEAD"])],
        ["files", ..] => &[("files", &[])],
        _ => &[],
    };
    let allowed: Vec<&str> = expected.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    match expected.iter().find(|(_, methods)| methods.is_empty() || methods.contains(&method.as_str())) {
        Some((route, _)) => {
            assert_eq!(status, 200, "{method} {path}");
            if method != "HEAD" {
                assert_eq!(&routed, route, "{method} {path} ran the wrong handler");
                if *route == "files" {
                    assert!(body.contains("(\"rest\", "), "{body}");
                } else if ["show", "delete", "notes"].contains(route) {
                    assert!(body.contains("(\"id\", \"") && !body.contains("(\"id\", \"\")"), "empty {{id}} in {body}");
                }
            }
        }
        None if expected.is_empty() => assert_eq!(status, 404, "{method} {path}"),
        None => {
            assert_eq!(status, 405, "{method} {path}");
            let allow = response.header_value("allow").unwrap_or_default();
            for m in allowed {
                assert!(allow.split(", ").any(|a| a == m), "Allow {allow:?} lacks {m} for {path}");
            }
        }
    }

    let _ = req.query();
    let lenient = req.form();
    if let Ok(strict) = req.form_strict() {
        assert_eq!(strict, lenient, "the strict and lenient form parsers disagree on {:?}", req.body());
    }
    let _ = req.text();
    let _ = req.json::<serde_json::Value>();
    let _ = req.bearer_token();
    if let Some((user, _)) = req.basic_auth() {
        assert!(!user.contains(':'), "Basic user {user:?}");
    }
    let _ = req.header_key("x-api-key");
}
