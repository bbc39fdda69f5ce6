//! `multipart/form-data` bodies: the uploads HTML forms, `curl -F` and Postman send.
//!
//! The SDK hands a handler the whole body in memory, so this only splits it: one [`Part`] per
//! field, with its name, the client's file name and `Content-Type` when it is a file, and its bytes
//! (borrowed from the body, never copied). What a plugin does with a file name is its own
//! business: it is whatever the client wrote (`../../etc/passwd` included), so never use it as a
//! path without cleaning it.
//!
//! ```
//! use switchboard_sdk::multipart;
//! use switchboard_sdk::prelude::*;
//!
//! fn upload(req: &Request) -> Result<Response, Error> {
//!     let parts = multipart::parts(req).map_err(|e| Error::bad_request(e.to_string()))?;
//!     let file = parts
//!         .iter()
//!         .find(|p| p.name == "file" && p.is_file())
//!         .ok_or_else(|| Error::bad_request("no file field"))?;
//!     Ok(Response::text(format!("{} bytes", file.data.len())))
//! }
//! # let body = multipart::form("XyZ", &[("file", Some("a.wav"), b"RIFF")]);
//! # let req = Request::new("POST", "/")
//! #     .with_header("content-type", "multipart/form-data; boundary=XyZ")
//! #     .with_body(body);
//! # assert_eq!(upload(&req).unwrap().body_bytes(), Some(b"4 bytes".as_slice()));
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::request::Request;

/// One field of a multipart form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// The field name (`name="…"` of its `Content-Disposition`).
    pub name: String,
    /// The client's file name (`filename="…"`), for a file field; bytes that are not UTF-8 are
    /// replaced by U+FFFD.
    pub filename: Option<String>,
    /// The part's own `Content-Type`, when it has one.
    pub content_type: Option<String>,
    /// The part's bytes.
    pub data: &'a [u8],
}

impl Part<'_> {
    /// Whether the client sent this part as a file (it has a `filename`, even an empty one).
    pub fn is_file(&self) -> bool {
        self.filename.is_some()
    }

    /// The part's bytes as UTF-8 text, for plain fields; `None` when they are not UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(self.data).ok()
    }
}

/// Bounds on what [`parse_with`] accepts, so a hostile body cannot make a plugin collect
/// thousands of parts or scan megabytes of "headers".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// At most this many parts.
    pub max_parts: usize,
    /// At most this many bytes of headers in one part.
    pub max_header_bytes: usize,
}

impl Default for Limits {
    /// 64 parts, 8 KiB of headers each: far beyond any form a person fills in.
    fn default() -> Self {
        Limits { max_parts: 64, max_header_bytes: 8 * 1024 }
    }
}

/// Why a body is not a multipart form (or not one within the [`Limits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMultipart(pub &'static str);

impl fmt::Display for NotMultipart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a multipart/form-data body: {}", self.0)
    }
}

impl std::error::Error for NotMultipart {}

/// The boundary a `Content-Type: multipart/form-data; boundary=…` names.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    split_params(params).find_map(|p| {
        let (key, value) = p.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = unquote(value.trim());
        // RFC 2046: 1 to 70 characters.
        (!value.is_empty() && value.len() <= 70).then(|| value.into_owned())
    })
}

/// The parts of the request's body, with the boundary its `Content-Type` names and the default
/// [`Limits`].
pub fn parts(req: &Request) -> Result<Vec<Part<'_>>, NotMultipart> {
    let boundary = req
        .header("content-type")
        .and_then(boundary)
        .ok_or(NotMultipart("the Content-Type is not multipart/form-data with a boundary"))?;
    parse(req.body(), &boundary)
}

/// The parts of `body`, split at `--boundary` lines, within the default [`Limits`].
pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, NotMultipart> {
    parse_with(body, boundary, Limits::default())
}

/// The parts of `body`, split at `--boundary` lines, within `limits`.
pub fn parse_with<'a>(body: &'a [u8], boundary: &str, limits: Limits) -> Result<Vec<Part<'a>>, NotMultipart> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // The first delimiter may follow a preamble; every later one follows the CRLF that ends the
    // previous part's data.
    let mut at = if body.starts_with(delimiter) {
        0
    } else {
        find(body, &[b"\r\n", delimiter].concat(), 0).ok_or(NotMultipart("no boundary line"))? + 2
    };
    let next = [b"\r\n", delimiter].concat();
    let mut parts = Vec::new();
    loop {
        at += delimiter.len();
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        if parts.len() == limits.max_parts {
            return Err(NotMultipart("too many parts"));
        }
        // The rest of the boundary line (transport padding), then CRLF.
        let line_end = find(body, b"\r\n", at).ok_or(NotMultipart("a boundary line without CRLF"))?;
        let headers_start = line_end + 2;
        let headers_end = if body[headers_start..].starts_with(b"\r\n") {
            // No headers at all: refused below for want of a name, but found cleanly.
            headers_start
        } else {
            let window = &body[..body.len().min(headers_start + limits.max_header_bytes + 4)];
            find(window, b"\r\n\r\n", headers_start).ok_or(NotMultipart("a part without a blank line after its headers"))?
        };
        let data_start = if headers_end == headers_start { headers_start + 2 } else { headers_end + 4 };
        // The part's data ends at CRLF before the next delimiter.
        let data_end = find(body, &next, data_start).ok_or(NotMultipart("a part that never ends"))?;
        let headers = String::from_utf8_lossy(&body[headers_start..headers_end]);
        let (name, filename) = disposition(&headers).ok_or(NotMultipart("a part without a form-data name"))?;
        let content_type = header(&headers, "content-type").map(|v| v.trim().to_string());
        parts.push(Part { name, filename, content_type, data: &body[data_start..data_end] });
        at = data_end + 2;
    }
}

/// A multipart body as curl sends it, `(field, file name, bytes)` per part: for tests of
/// handlers that take uploads. Use it with `Content-Type: multipart/form-data; boundary=<boundary>`.
pub fn form(boundary: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// The value of header `name` among a part's header lines.
fn header<'h>(headers: &'h str, name: &str) -> Option<&'h str> {
    headers.split("\r\n").find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then_some(value)
    })
}

/// `name` and `filename` of the part's `Content-Disposition: form-data; …` header.
fn disposition(headers: &str) -> Option<(String, Option<String>)> {
    let value = header(headers, "content-disposition")?;
    let mut params = split_params(value);
    let kind = params.next()?;
    if !kind.trim().eq_ignore_ascii_case("form-data") {
        return None;
    }
    let (mut name, mut filename) = (None, None);
    for param in params {
        let Some((key, value)) = param.split_once('=') else { continue };
        let value = unquote(value.trim());
        match key.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(value.into_owned()),
            "filename" => filename = Some(value.into_owned()),
            _ => {}
        }
    }
    Some((name?, filename))
}

/// The `;`-separated parameters of a header value, `;` inside quotes kept.
fn split_params(value: &str) -> impl Iterator<Item = &str> {
    let mut pieces = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pieces.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&value[start..]);
    pieces.into_iter()
}

/// A parameter value without its quotes and backslash escapes.
fn unquote(value: &str) -> Cow<'_, str> {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) if inner.contains('\\') => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                out.push(if c == '\\' { chars.next().unwrap_or('\\') } else { c });
            }
            Cow::Owned(out)
        }
        Some(inner) => Cow::Borrowed(inner),
        None => Cow::Borrowed(value),
    }
}

/// The first position of `needle` in `haystack` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    let first = needle[0];
    let mut at = from;
    // Jump between occurrences of the first byte rather than comparing every window: file data
    // rarely holds `\r`, so a 10 MiB upload is scanned at memchr-like speed.
    while let Some(p) = haystack[at..].iter().position(|&b| b == first) {
        let start = at + p;
        if haystack.len() - start < needle.len() {
            return None;
        }
        if &haystack[start..start + needle.len()] == needle {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_come_from_the_content_type() {
        assert_eq!(boundary("multipart/form-data; boundary=abc").as_deref(), Some("abc"));
        assert_eq!(boundary("multipart/form-data; charset=utf-8; boundary=\"a b\"").as_deref(), Some("a b"));
        assert_eq!(boundary("multipart/form-data; boundary=\"a;b\"").as_deref(), Some("a;b"));
        assert_eq!(boundary("application/json"), None);
        assert_eq!(boundary("multipart/form-data"), None);
        assert_eq!(boundary("multipart/form-data; boundary="), None);
        assert_eq!(boundary(&format!("multipart/form-data; boundary={}", "x".repeat(71))), None);
    }

    #[test]
    fn parts_keep_names_file_names_types_and_bytes() {
        let body = form("XyZ", &[("note", None, b"hello"), ("greeting", Some("usergreeting1234.wav"), b"RIFF\r\n--Xy\x00binary")]);
        let parts = parse(&body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].filename.as_deref(), parts[0].data), ("note", None, b"hello".as_slice()));
        assert!(!parts[0].is_file());
        assert_eq!(parts[0].text(), Some("hello"));
        assert_eq!(parts[0].content_type, None);
        assert_eq!(parts[1].filename.as_deref(), Some("usergreeting1234.wav"));
        assert_eq!(parts[1].content_type.as_deref(), Some("application/octet-stream"));
        assert_eq!(parts[1].data, b"RIFF\r\n--Xy\x00binary");
    }

    #[test]
    fn a_preamble_and_an_empty_file_are_fine() {
        let mut body = b"ignored preamble\r\n".to_vec();
        body.extend(form("b", &[("file", Some(""), b"")]));
        let parts = parse(&body, "b").unwrap();
        assert_eq!((parts[0].filename.as_deref(), parts[0].data), (Some(""), b"".as_slice()));
    }

    #[test]
    fn file_names_that_are_not_utf8_are_kept_lossily() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\xff.wav\"\r\n\r\nx\r\n--b--";
        let parts = parse(body, "b").unwrap();
        assert_eq!(parts[0].filename.as_deref(), Some("a\u{fffd}.wav"));
    }

    #[test]
    fn quoted_parameters_may_hold_semicolons_and_escapes() {
        let headers = "Content-Disposition: form-data; name=\"a;b\"; filename=\"x\\\"y.wav\"";
        assert_eq!(disposition(headers), Some(("a;b".to_string(), Some("x\"y.wav".to_string()))));
    }

    #[test]
    fn broken_bodies_are_refused() {
        assert!(parse(b"nothing here", "b").is_err());
        assert!(parse(b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nnever ends", "b").is_err());
        assert!(parse(b"--b\r\nX-Other: 1\r\n\r\ndata\r\n--b--", "b").is_err());
        assert!(parse(b"--b\r\n\r\ndata\r\n--b--", "b").is_err());
        assert_eq!(parse(b"--b--\r\n", "b").unwrap(), Vec::new());
    }

    #[test]
    fn limits_bound_parts_and_headers() {
        let fields: Vec<(&str, Option<&str>, &[u8])> = (0..3).map(|_| ("f", None, b"x".as_slice())).collect();
        let body = form("b", &fields);
        let two = Limits { max_parts: 2, ..Limits::default() };
        assert_eq!(parse_with(&body, "b", two), Err(NotMultipart("too many parts")));
        assert_eq!(parse_with(&body, "b", Limits { max_parts: 3, ..two }).unwrap().len(), 3);

        let long = format!("--b\r\nContent-Disposition: form-data; name=\"f\"\r\nX-Pad: {}\r\n\r\nx\r\n--b--", "p".repeat(100));
        let small = Limits { max_header_bytes: 64, ..Limits::default() };
        assert!(parse_with(long.as_bytes(), "b", small).is_err());
        assert!(parse(long.as_bytes(), "b").is_ok());
    }

    #[test]
    fn requests_are_read_through_their_content_type() {
        let req = Request::new("POST", "/")
            .with_header("content-type", "multipart/form-data; boundary=q")
            .with_body(form("q", &[("a", None, b"1")]));
        assert_eq!(parts(&req).unwrap()[0].name, "a");
        let plain = Request::new("POST", "/").with_body("a=1");
        assert!(parts(&plain).is_err());
    }
}
