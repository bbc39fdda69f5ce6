//! JSON or XML: the `.json`/`.xml` suffix wins, then the `Accept` header; JSON is the default and
//! the answer to any type we do not know. XML is rendered only for GET (the original accepted and
//! answered POSTs in JSON only).

use switchboard_sdk::prelude::*;

use crate::xml;

/// The representation a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// Splits a `.json`/`.xml` suffix off the last path segment.
fn strip_suffix(path: &str) -> (Option<Format>, &str) {
    for (suffix, format) in [(".json", Format::Json), (".xml", Format::Xml)] {
        if let Some(stripped) = path.strip_suffix(suffix) {
            if !stripped.ends_with('/') && !stripped.is_empty() {
                return (Some(format), stripped);
            }
        }
    }
    (None, path)
}

/// What an `Accept` header asks for: JSON when it names JSON (or nothing we know), XML when it names
/// XML and not JSON.
fn from_accept(accept: Option<&str>) -> Format {
    let Some(accept) = accept else { return Format::Json };
    let types: Vec<String> =
        accept.split(',').map(|t| t.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()).collect();
    let names = |wanted: &[&str]| types.iter().any(|t| wanted.contains(&t.as_str()));
    if names(&["application/json"]) {
        Format::Json
    } else if names(&["application/xml", "text/xml"]) {
        Format::Xml
    } else {
        Format::Json
    }
}

/// The format asked for, and the request with any suffix removed so the router sees plain paths.
pub fn negotiate(req: &Request) -> (Format, Request) {
    let (suffix, path) = strip_suffix(req.path());
    let format = suffix.unwrap_or_else(|| from_accept(req.header("accept")));
    if suffix.is_none() {
        return (format, req.clone());
    }
    let target = match req.query_string() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let stripped = Request::new(req.method(), &target)
        .with_mount_route(req.mount_route())
        .with_headers(req.headers().clone())
        .with_body(req.body().to_vec());
    (format, stripped)
}

/// The element names XML output uses: the resource (first path segment, `users`) as the root.
fn root_name(req: &Request) -> String {
    let first = req.relative_path().trim_start_matches('/').split('/').next().unwrap_or_default();
    if first.is_empty() || !first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        "response".to_string()
    } else {
        first.to_string()
    }
}

/// Re-renders a JSON answer to a GET as XML when XML was asked for; anything else passes through.
pub fn render(format: Format, req: &Request, response: Response) -> Response {
    let is_get = matches!(req.method(), "GET" | "HEAD");
    let is_json = response.header_value("content-type").is_some_and(|t| t.starts_with("application/json"));
    if format != Format::Xml || !is_get || !is_json {
        return response;
    }
    let Some(value) = response.body_bytes().and_then(|b| serde_json::from_slice::<xml::Value>(b).ok()) else {
        return response;
    };
    let mut out = Response::bytes("application/xml; charset=utf-8", xml::document(&root_name(req), &value))
        .with_status(response.status());
    for (name, value) in response.headers() {
        if name != "content-type" && name != "content-length" {
            out = out.append_header(name, value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_wins_over_accept_and_is_stripped() {
        let req = Request::new("GET", "/apis/pbx/users.xml?status=1")
            .with_mount_route("/apis/pbx")
            .with_header("accept", "application/json");
        let (format, stripped) = negotiate(&req);
        assert_eq!(format, Format::Xml);
        assert_eq!(stripped.relative_path(), "/users");
        assert_eq!(stripped.query_string(), Some("status=1"));
        let (format, stripped) = negotiate(&Request::new("GET", "/apis/pbx/users.json").with_mount_route("/apis/pbx"));
        assert_eq!((format, stripped.relative_path()), (Format::Json, "/users"));
    }

    #[test]
    fn accept_picks_xml_only_when_json_is_not_named() {
        assert_eq!(from_accept(None), Format::Json);
        assert_eq!(from_accept(Some("application/xml")), Format::Xml);
        assert_eq!(from_accept(Some("text/xml;q=0.9")), Format::Xml);
        assert_eq!(from_accept(Some("application/xml, application/json")), Format::Json);
        assert_eq!(from_accept(Some("image/png")), Format::Json);
        assert_eq!(from_accept(Some("*/*")), Format::Json);
    }

    #[test]
    fn a_bare_suffix_is_not_a_format() {
        assert_eq!(strip_suffix("/.json"), (None, "/.json"));
        assert_eq!(strip_suffix("/users"), (None, "/users"));
    }
}
