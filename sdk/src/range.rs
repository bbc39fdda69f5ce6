//! `Range: bytes=…` requests: parsing the header and serving a file's part.
//!
//! Audio players and download managers ask for parts of a recording (`bytes=0-1023` to sniff the
//! format, `bytes=-128` for an ID3v1 tag, `bytes=5000000-` to seek or resume). A plugin that answers
//! such a request with the whole file still works, only slower; one that answers it with the wrong
//! part breaks playback. So this module serves a single range exactly and falls back to the whole
//! file whenever the header is anything else: a malformed header, another unit, or several ranges
//! (a `multipart/byteranges` answer is allowed to be skipped, and players never need it).
//!
//! ```no_run
//! use switchboard_sdk::prelude::*;
//!
//! fn recording(req: &Request) -> Result<Response, Error> {
//!     // 200 with the whole file, 206 with `Content-Range`, or 416 with `Content-Range: bytes */len`.
//!     Response::file_range("/recordings/call.wav", "audio/wav", req.header("range"))
//!         .map_err(|_| Error::not_found("no such recording"))
//! }
//! ```

use std::io::{Read as _, Seek as _, SeekFrom};

use crate::body::BodyWriter;
use crate::error::Error;
use crate::response::Response;

/// What a `Range` header asks of a representation `len` bytes long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// The whole representation: no header, or one this module does not serve as a part (malformed,
    /// another unit, several ranges). Answered 200.
    Whole,
    /// Bytes `start..=end` (inclusive, as `Content-Range` writes them), both inside the
    /// representation. Answered 206.
    Part {
        /// The first byte.
        start: u64,
        /// The last byte (inclusive).
        end: u64,
    },
    /// A well-formed single range that no byte satisfies (it starts at or past the end, or asks for
    /// the last 0 bytes). Answered 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

impl ByteRange {
    /// Reads the `Range` header value `header` (`None` when absent) against a length of `len`
    /// bytes.
    ///
    /// Accepted: `bytes=a-b` (the end clamped to the last byte), `bytes=a-` and `bytes=-n` (the
    /// last `n` bytes, the whole when `n` ≥ `len`), with optional spaces around the numbers.
    ///
    /// ```
    /// use switchboard_sdk::range::ByteRange;
    ///
    /// assert_eq!(ByteRange::parse(Some("bytes=0-99"), 1000), ByteRange::Part { start: 0, end: 99 });
    /// assert_eq!(ByteRange::parse(Some("bytes=-100"), 1000), ByteRange::Part { start: 900, end: 999 });
    /// assert_eq!(ByteRange::parse(Some("bytes=1000-"), 1000), ByteRange::Unsatisfiable);
    /// assert_eq!(ByteRange::parse(Some("bytes=0-1,5-9"), 1000), ByteRange::Whole);
    /// ```
    pub fn parse(header: Option<&str>, len: u64) -> ByteRange {
        let Some(header) = header else { return ByteRange::Whole };
        let Some((unit, spec)) = header.trim().split_once('=') else { return ByteRange::Whole };
        if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
            return ByteRange::Whole;
        }
        let Some((first, last)) = spec.split_once('-') else { return ByteRange::Whole };
        let (first, last) = (first.trim(), last.trim());
        match (first.is_empty(), last.is_empty()) {
            // `-n`: the last n bytes.
            (true, false) => match number(last) {
                None => ByteRange::Whole,
                Some(0) => ByteRange::Unsatisfiable,
                Some(_) if len == 0 => ByteRange::Unsatisfiable,
                Some(n) => ByteRange::Part { start: len.saturating_sub(n), end: len - 1 },
            },
            // `a-`: from a to the end.
            (false, true) => match number(first) {
                None => ByteRange::Whole,
                Some(start) if start >= len => ByteRange::Unsatisfiable,
                Some(start) => ByteRange::Part { start, end: len - 1 },
            },
            // `a-b`.
            (false, false) => match (number(first), number(last)) {
                (Some(start), Some(end)) if start <= end => {
                    if start >= len {
                        ByteRange::Unsatisfiable
                    } else {
                        ByteRange::Part { start, end: end.min(len - 1) }
                    }
                }
                // `b < a` is invalid syntax: ignored like any malformed header.
                _ => ByteRange::Whole,
            },
            (true, true) => ByteRange::Whole,
        }
    }
}

/// A decimal byte position: ASCII digits only (no sign, no `+`), fitting in a `u64`.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl Response {
    /// Streams the regular file at `path` like [`Response::file`], honouring the request's `Range`
    /// header value `range` (`req.header("range")`): 206 with `Content-Range` and only the asked
    /// bytes for a single satisfiable range, 416 with `Content-Range: bytes */<len>` (and the
    /// default JSON error body, code `range_not_satisfiable`) when no byte satisfies it, and 200
    /// with the whole file otherwise. Every answer carries `Accept-Ranges: bytes`, so clients
    /// know they may seek.
    ///
    /// A `HEAD` request gets the same status and headers without a body (the router drops it), so
    /// a client can learn the length and the range support first.
    ///
    /// As with [`Response::file`], a missing file, a directory or a path outside every granted
    /// area is an `Err` for the handler to answer in its own format.
    pub fn file_range(
        path: impl AsRef<std::path::Path>,
        content_type: &str,
        range: Option<&str>,
    ) -> std::io::Result<Self> {
        let mut file = std::fs::File::open(path.as_ref())?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
        }
        let length = meta.len();
        let (status, start, count) = match ByteRange::parse(range, length) {
            ByteRange::Whole => (200, 0, length),
            ByteRange::Part { start, end } => (206, start, end - start + 1),
            ByteRange::Unsatisfiable => {
                return Ok(Error::new(
                    416,
                    "range_not_satisfiable",
                    format!("the range asked for lies outside the file's {length} bytes"),
                )
                .into_response()
                .header("content-range", format!("bytes */{length}"))
                .header("accept-ranges", "bytes"));
            }
        };
        if start > 0 {
            file.seek(SeekFrom::Start(start))?;
        }
        let mut response = Response::stream(status, move |w: &mut BodyWriter| {
            // `take`: a file that grows while it is served (a recording still being written)
            // must not send more than the `Content-Length` announced.
            let mut part = file.take(count);
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let n = part
                    .read(&mut buffer)
                    .map_err(|e| Error::internal(format!("reading the file: {e}")))?;
                if n == 0 {
                    return Ok(());
                }
                w.write(&buffer[..n])?;
            }
        })
        .header("content-type", content_type)
        .header("content-length", count.to_string())
        .header("accept-ranges", "bytes");
        if status == 206 {
            let end = start + count - 1;
            response = response.header("content-range", format!("bytes {start}-{end}/{length}"));
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(header: &str, len: u64) -> ByteRange {
        ByteRange::parse(Some(header), len)
    }

    #[test]
    fn single_ranges_of_every_form() {
        assert_eq!(parse("bytes=0-0", 10), ByteRange::Part { start: 0, end: 0 });
        assert_eq!(parse("bytes=2-5", 10), ByteRange::Part { start: 2, end: 5 });
        assert_eq!(parse("bytes=2-500", 10), ByteRange::Part { start: 2, end: 9 });
        assert_eq!(parse("bytes=7-", 10), ByteRange::Part { start: 7, end: 9 });
        assert_eq!(parse("bytes=-3", 10), ByteRange::Part { start: 7, end: 9 });
        assert_eq!(parse("bytes=-30", 10), ByteRange::Part { start: 0, end: 9 });
        assert_eq!(parse("BYTES = 1 - 2 ", 10), ByteRange::Part { start: 1, end: 2 });
    }

    #[test]
    fn ranges_no_byte_satisfies() {
        assert_eq!(parse("bytes=10-", 10), ByteRange::Unsatisfiable);
        assert_eq!(parse("bytes=10-20", 10), ByteRange::Unsatisfiable);
        assert_eq!(parse("bytes=-0", 10), ByteRange::Unsatisfiable);
        assert_eq!(parse("bytes=0-", 0), ByteRange::Unsatisfiable);
        assert_eq!(parse("bytes=-5", 0), ByteRange::Unsatisfiable);
    }

    #[test]
    fn anything_else_is_the_whole() {
        assert_eq!(ByteRange::parse(None, 10), ByteRange::Whole);
        for header in [
            "bytes=0-1,3-4",
            "bytes=5-2",
            "bytes=-",
            "bytes=a-b",
            "bytes=+1-2",
            "bytes=--1",
            "bytes=1",
            "items=0-1",
            "bytes 0-1",
            "",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(parse(header, 10), ByteRange::Whole, "{header:?}");
        }
    }

    fn temp_file(bytes: &[u8]) -> std::path::PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "sdk-range-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn files_are_served_whole_in_part_or_refused() {
        let path = temp_file(b"0123456789");

        let whole = Response::file_range(&path, "audio/wav", None).unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.header_value("accept-ranges"), Some("bytes"));
        assert_eq!(whole.header_value("content-length"), Some("10"));
        assert_eq!(whole.header_value("content-range"), None);
        assert_eq!(whole.into_body_bytes().unwrap(), b"0123456789");

        let part = Response::file_range(&path, "audio/wav", Some("bytes=3-5")).unwrap();
        assert_eq!(part.status(), 206);
        assert_eq!(part.header_value("content-range"), Some("bytes 3-5/10"));
        assert_eq!(part.header_value("content-length"), Some("3"));
        assert_eq!(part.header_value("content-type"), Some("audio/wav"));
        assert_eq!(part.into_body_bytes().unwrap(), b"345");

        let suffix = Response::file_range(&path, "audio/wav", Some("bytes=-2")).unwrap();
        assert_eq!(suffix.header_value("content-range"), Some("bytes 8-9/10"));
        assert_eq!(suffix.into_body_bytes().unwrap(), b"89");

        let refused = Response::file_range(&path, "audio/wav", Some("bytes=10-")).unwrap();
        assert_eq!(refused.status(), 416);
        assert_eq!(refused.header_value("content-range"), Some("bytes */10"));
        assert!(String::from_utf8(refused.into_body_bytes().unwrap()).unwrap().contains("range_not_satisfiable"));

        let multi = Response::file_range(&path, "audio/wav", Some("bytes=0-1,4-5")).unwrap();
        assert_eq!(multi.status(), 200);
        assert_eq!(multi.into_body_bytes().unwrap(), b"0123456789");

        std::fs::remove_file(&path).unwrap();
        assert!(Response::file_range(&path, "audio/wav", None).is_err());
        assert!(Response::file_range(std::env::temp_dir(), "audio/wav", None).is_err());
    }

    #[test]
    fn head_keeps_the_range_headers() {
        let path = temp_file(b"0123456789");
        let router = crate::Router::new().get("/f", {
            let path = path.clone();
            move |req: &crate::Request| {
                Response::file_range(&path, "audio/wav", req.header("range"))
                    .map_err(|e| Error::not_found(e.to_string()))
            }
        });
        let res = router.handle(&crate::Request::new("HEAD", "/f").with_header("range", "bytes=1-2"));
        assert_eq!(res.status(), 206);
        assert_eq!(res.header_value("content-range"), Some("bytes 1-2/10"));
        assert_eq!(res.into_body_bytes().unwrap(), b"");
        std::fs::remove_file(&path).unwrap();
    }
}
