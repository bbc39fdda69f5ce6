//! `multipart/form-data` bodies: the uploads of greetings, backups and snapshots.
//!
//! SARK's clients post a regular HTML form (`-F greeting=@file.wav` with curl, a form-data body in
//! Postman). The SDK hands the plugin the whole body in memory, so this only splits it: one
//! [`Part`] per field, with its name, the client's file name when it is a file, and its bytes
//! (borrowed from the body, never copied).

use std::borrow::Cow;

/// One field of a multipart form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// The field name (`name="…"` of its `Content-Disposition`).
    pub name: String,
    /// The client's file name (`filename="…"`), for a file field.
    pub filename: Option<String>,
    /// The part's bytes.
    pub data: &'a [u8],
}

/// Why a body is not a multipart form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMultipart(pub &'static str);

/// The boundary a `Content-Type: multipart/form-data; boundary=…` names.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (key, value) = p.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim().trim_matches('"');
        // RFC 2046: 1 to 70 characters.
        (!value.is_empty() && value.len() <= 70).then(|| value.to_string())
    })
}

/// The parts of `body`, split at `--boundary` lines.
pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, NotMultipart> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut at = find(body, delimiter, 0).ok_or(NotMultipart("no boundary line"))?;
    let mut parts = Vec::new();
    loop {
        at += delimiter.len();
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        // The rest of the boundary line (transport padding), then CRLF.
        let line_end = find(body, b"\r\n", at).ok_or(NotMultipart("a boundary line without CRLF"))?;
        let headers_start = line_end + 2;
        let headers_end = find(body, b"\r\n\r\n", headers_start).ok_or(NotMultipart("a part without a blank line after its headers"))?;
        let data_start = headers_end + 4;
        // The part's data ends at CRLF before the next delimiter.
        let next = format!("\r\n--{boundary}").into_bytes();
        let data_end = find(body, &next, data_start).ok_or(NotMultipart("a part that never ends"))?;
        let headers = std::str::from_utf8(&body[headers_start..headers_end]).map_err(|_| NotMultipart("part headers are not UTF-8"))?;
        let (name, filename) = disposition(headers).ok_or(NotMultipart("a part without a form-data name"))?;
        parts.push(Part { name, filename, data: &body[data_start..data_end] });
        at = data_end + 2;
        if parts.len() > 64 {
            return Err(NotMultipart("more than 64 parts"));
        }
    }
}

/// The uploaded file of form field `field`, as a Laravel `required|file` rule reads it: 422
/// `The <field> field is required.` when the body is not a multipart form or has no such field,
/// `The <field> must be a file.` when the field is a plain value.
pub fn file<'a>(req: &'a switchboard_sdk::Request, field: &str) -> Result<Part<'a>, switchboard_sdk::Error> {
    let attribute = crate::laravel::attribute(field);
    let required = || crate::laravel::invalid(field, format!("The {attribute} field is required."));
    let Some(boundary) = req.header("content-type").and_then(boundary) else { return Err(required()) };
    let parts = parse(req.body(), &boundary).map_err(|_| required())?;
    let part = parts.into_iter().find(|p| p.name == field).ok_or_else(required)?;
    if part.filename.is_none() {
        return Err(crate::laravel::invalid(field, format!("The {attribute} must be a file.")));
    }
    if part.data.is_empty() {
        // PHP drops an empty upload (UPLOAD_ERR_NO_FILE): Laravel sees no field at all.
        return Err(required());
    }
    Ok(part)
}

/// `name` and `filename` of the part's `Content-Disposition: form-data; …` header.
fn disposition(headers: &str) -> Option<(String, Option<String>)> {
    let value = headers.split("\r\n").find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case("content-disposition").then_some(value)
    })?;
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
    haystack[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_come_from_the_content_type() {
        assert_eq!(boundary("multipart/form-data; boundary=abc").as_deref(), Some("abc"));
        assert_eq!(boundary("multipart/form-data; charset=utf-8; boundary=\"a b\"").as_deref(), Some("a b"));
        assert_eq!(boundary("application/json"), None);
        assert_eq!(boundary("multipart/form-data"), None);
        assert_eq!(boundary("multipart/form-data; boundary="), None);
    }

    #[test]
    fn parts_keep_names_file_names_and_bytes() {
        let body = form("XyZ", &[("note", None, b"hello"), ("greeting", Some("usergreeting1234.wav"), b"RIFF\r\n--Xy\x00binary")]);
        let parts = parse(&body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].filename.as_deref(), parts[0].data), ("note", None, b"hello".as_slice()));
        assert_eq!(parts[1].filename.as_deref(), Some("usergreeting1234.wav"));
        assert_eq!(parts[1].data, b"RIFF\r\n--Xy\x00binary");
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
        assert_eq!(parse(b"--b--\r\n", "b").unwrap(), Vec::new());
    }
}

/// A multipart body as curl sends it, for tests: `(field, file name, bytes)` per part.
#[cfg(test)]
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
