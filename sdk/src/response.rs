//! Building the response a handler returns.
//!
//! A [`Response`] is a status, headers and a body that is either bytes already in memory or a
//! closure that writes the body after the headers were sent ([`Response::stream`]). It is plain data
//! until the SDK's glue hands it to the host, so handlers can be unit-tested natively.

use std::fmt;

use serde::Serialize;

use crate::body::BodyWriter;
use crate::error::Error;

/// The closure of a streaming response.
type StreamFn = Box<dyn FnOnce(&mut BodyWriter) -> Result<(), Error>>;

/// An HTTP response under construction.
pub struct Response {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Body,
}

/// What the glue writes after the headers.
pub(crate) enum Body {
    Bytes(Vec<u8>),
    Stream(StreamFn),
}

impl Response {
    /// A response with `status`, no headers and an empty body. Add to it with
    /// [`header`](Response::header) and [`body`](Response::body).
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        }
    }

    /// A response with `status` and no body, e.g. `Response::empty(204)`.
    pub fn empty(status: u16) -> Self {
        Self::new(status)
    }

    /// 200 with a `text/plain; charset=utf-8` body.
    pub fn text(text: impl Into<String>) -> Self {
        Self::bytes("text/plain; charset=utf-8", text.into().into_bytes())
    }

    /// 200 with a `text/html; charset=utf-8` body.
    pub fn html(html: impl Into<String>) -> Self {
        Self::bytes("text/html; charset=utf-8", html.into().into_bytes())
    }

    /// 200 with `value` serialized as JSON (`application/json`). A value that cannot be serialized
    /// (a map with non-string keys, a failing `Serialize` impl) is a 500, so a handler can end with
    /// `Response::json(&value)` directly.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        let body = serde_json::to_vec(value)
            .map_err(|e| Error::internal(format!("could not serialize the response: {e}")))?;
        Ok(Self::bytes("application/json", body))
    }

    /// 200 with `value` written as PHP's `json_encode` writes it (`application/json`): for
    /// compatibility plugins whose clients compare bytes. See [`php_json`](crate::php_json).
    pub fn php_json(value: &crate::php_json::Json) -> Self {
        Self::bytes("application/json", value.encode())
    }

    /// 200 with `body` and the given `Content-Type`.
    pub fn bytes(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::new(200)
            .header("content-type", content_type)
            .body(body)
    }

    /// A response whose body is written by `write` after the status and headers were sent, straight
    /// into the host's output stream: for files and other bodies too large to hold in memory.
    ///
    /// Add headers with [`header`](Response::header) as usual. Once the closure runs, the status is
    /// already on the wire: if it returns an error, the SDK logs it and aborts the body so the client
    /// sees a truncated response rather than a complete-looking one. Set `Content-Length` only when
    /// you write exactly that many bytes.
    ///
    /// ```
    /// use switchboard_sdk::prelude::*;
    ///
    /// fn numbers(_req: &Request) -> Result<Response, Error> {
    ///     Ok(Response::stream(200, |w: &mut BodyWriter| {
    ///         for i in 0..1_000_000 {
    ///             w.write(format!("{i}\n").as_bytes())?;
    ///         }
    ///         Ok(())
    ///     })
    ///     .header("content-type", "text/plain"))
    /// }
    /// # let body = numbers(&Request::new("GET", "/")).unwrap().into_body_bytes().unwrap();
    /// # assert!(body.starts_with(b"0\n1\n"));
    /// ```
    pub fn stream<F>(status: u16, write: F) -> Self
    where
        F: FnOnce(&mut BodyWriter) -> Result<(), Error> + 'static,
    {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Stream(Box::new(write)),
        }
    }

    /// Streams the regular file at `path` — inside a file area the mount grants, e.g.
    /// `/recordings/2024/05/01/call.wav` — with `Content-Type` and `Content-Length`, 64 KiB at a
    /// time: neither the plugin nor the host holds the file in memory.
    ///
    /// The file is opened here, so a missing file, a directory, or a path outside every granted
    /// area is an `Err` the handler can answer in its own format (a 404, usually). Paths cannot
    /// escape an area: the host resolves them inside it, `..` and symlinks included.
    ///
    /// ```no_run
    /// use switchboard_sdk::prelude::*;
    ///
    /// fn recording(req: &Request) -> Result<Response, Error> {
    ///     let query = req.query();
    ///     let name = query.get("name").unwrap_or_default();
    ///     Response::file(format!("/recordings/{name}"), "audio/wav")
    ///         .map_err(|_| Error::not_found("no such recording"))
    /// }
    /// ```
    pub fn file(path: impl AsRef<std::path::Path>, content_type: &str) -> std::io::Result<Self> {
        use std::io::Read as _;
        let mut file = std::fs::File::open(path.as_ref())?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
        }
        let length = meta.len();
        Ok(Response::stream(200, move |w: &mut BodyWriter| {
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let n = file.read(&mut buffer).map_err(|e| Error::internal(format!("reading the file: {e}")))?;
                if n == 0 {
                    return Ok(());
                }
                w.write(&buffer[..n])?;
            }
        })
        .header("content-type", content_type)
        .header("content-length", length.to_string()))
    }

    /// Sets header `name` to `value`, replacing earlier values of the same name (so
    /// `Response::text(csv).header("content-type", "text/csv")` does what it says). Use
    /// [`append_header`](Response::append_header) for headers that repeat, like `Set-Cookie`.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.append_header(name, value)
    }

    /// Adds a value for header `name` after any existing ones.
    pub fn append_header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.as_ref().to_vec()));
        self
    }

    /// Replaces the body with `body` (a streaming body is dropped without running).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Body::Bytes(body.into());
        self
    }

    /// Changes the status, e.g. `Response::json(&created)?.with_status(201)`.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// All headers in order, names lowercase.
    pub fn headers(&self) -> &[(String, Vec<u8>)] {
        &self.headers
    }

    /// The first value of header `name` (case-insensitive), if it is UTF-8.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// The body, when it is in memory (`None` for a streaming response).
    pub fn body_bytes(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Bytes(bytes) => Some(bytes),
            Body::Stream(_) => None,
        }
    }

    /// Whether the body is written by a closure.
    pub fn is_stream(&self) -> bool {
        matches!(self.body, Body::Stream(_))
    }

    /// The whole body, running a streaming closure into memory. Meant for unit tests of handlers.
    pub fn into_body_bytes(self) -> Result<Vec<u8>, Error> {
        match self.body {
            Body::Bytes(bytes) => Ok(bytes),
            Body::Stream(write) => {
                let mut writer = BodyWriter::in_memory();
                write(&mut writer)?;
                Ok(writer.into_memory())
            }
        }
    }

    /// The same response without a body (for `HEAD`); a streaming closure is dropped unrun.
    pub(crate) fn without_body(mut self) -> Self {
        self.body = Body::Bytes(Vec::new());
        self
    }

    pub(crate) fn into_parts(self) -> (u16, Vec<(String, Vec<u8>)>, Body) {
        (self.status, self.headers, self.body)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), String::from_utf8_lossy(v).into_owned()))
            .collect();
        let mut s = f.debug_struct("Response");
        s.field("status", &self.status).field("headers", &headers);
        match &self.body {
            Body::Bytes(bytes) => s.field("body", &String::from_utf8_lossy(bytes)),
            Body::Stream(_) => s.field("body", &"<stream>"),
        };
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_json_bytes_set_content_type_and_status() {
        let t = Response::text("hi");
        assert_eq!(t.status(), 200);
        assert_eq!(
            t.header_value("Content-Type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(t.body_bytes(), Some(b"hi".as_slice()));

        let j = Response::json(&serde_json::json!({"a": [1, 2]})).unwrap();
        assert_eq!(j.header_value("content-type"), Some("application/json"));
        assert_eq!(j.body_bytes(), Some(br#"{"a":[1,2]}"#.as_slice()));

        let b = Response::bytes("audio/wav", vec![1, 2, 3]);
        assert_eq!(b.header_value("content-type"), Some("audio/wav"));
        assert_eq!(b.body_bytes(), Some([1, 2, 3].as_slice()));
    }

    #[test]
    fn json_serialization_failure_is_a_500() {
        let mut map = std::collections::HashMap::new();
        map.insert((1, 2), "tuple keys are not JSON");
        let err = Response::json(&map).unwrap_err();
        assert_eq!(err.status(), 500);
    }

    #[test]
    fn header_replaces_and_append_header_adds() {
        let r = Response::text("a,b")
            .header("Content-Type", "text/csv")
            .append_header("Set-Cookie", "a=1")
            .append_header("set-cookie", "b=2");
        let content_types: Vec<_> = r
            .headers()
            .iter()
            .filter(|(n, _)| n == "content-type")
            .collect();
        assert_eq!(content_types.len(), 1);
        assert_eq!(r.header_value("content-type"), Some("text/csv"));
        let cookies: Vec<&[u8]> = r
            .headers()
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .map(|(_, v)| v.as_slice())
            .collect();
        assert_eq!(cookies, [b"a=1".as_slice(), b"b=2".as_slice()]);
    }

    #[test]
    fn builder_and_empty() {
        let r = Response::new(201).header("location", "/calls/1").body("x");
        assert_eq!(r.status(), 201);
        assert_eq!(r.header_value("location"), Some("/calls/1"));
        assert_eq!(r.body_bytes(), Some(b"x".as_slice()));
        let e = Response::empty(204);
        assert_eq!((e.status(), e.body_bytes()), (204, Some(b"".as_slice())));
        assert_eq!(Response::text("x").with_status(202).status(), 202);
    }

    #[test]
    fn streaming_bodies_run_only_when_collected() {
        let r = Response::stream(200, |w| {
            w.write(b"chunk1,")?;
            w.write(b"chunk2")
        })
        .header("content-type", "text/plain");
        assert!(r.is_stream());
        assert_eq!(r.body_bytes(), None);
        assert_eq!(r.into_body_bytes().unwrap(), b"chunk1,chunk2");

        let failing = Response::stream(200, |w| {
            w.write(b"partial")?;
            Err(Error::internal("disk gone"))
        });
        assert_eq!(failing.into_body_bytes().unwrap_err().status(), 500);
    }

    #[test]
    fn without_body_drops_the_stream_unrun() {
        let r = Response::stream(200, |_| panic!("must not run")).without_body();
        assert_eq!(r.into_body_bytes().unwrap(), b"");
    }
}
