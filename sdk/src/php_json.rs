//! JSON the way PHP's `json_encode` writes it: no spaces, `/` escaped as `\/`, non-ASCII as
//! `\uXXXX` (lowercase hex, UTF-16 surrogate pairs), keys in insertion order.
//!
//! Compatibility plugins for PHP-era APIs (Elastix, Issabel, SARK) answer byte for byte what
//! `json_encode` produced, which `serde_json` cannot: it neither escapes `/` nor keeps the key
//! order of a `serde_json::Value` without a crate-wide feature. Build a [`Json`] and
//! [`encode`](Json::encode) it, or answer it with [`Response::php_json`](crate::Response::php_json).
//!
//! ```
//! use switchboard_sdk::php_json::{Json, obj};
//!
//! let v = obj([("path", Json::from("/var/spool")), ("name", Json::from("Zoë"))]);
//! assert_eq!(v.encode(), r#"{"path":"\/var\/spool","name":"Zo\u00eb"}"#);
//! ```

/// A JSON value with ordered object keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer, written as PHP writes an `int`.
    Int(i64),
    /// A string, escaped as PHP escapes it.
    Str(String),
    /// A list (`[…]`).
    Arr(Vec<Json>),
    /// An object whose keys keep the order they were pushed in.
    Obj(Vec<(String, Json)>),
}

impl From<i64> for Json {
    fn from(i: i64) -> Self {
        Json::Int(i)
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(v: Option<T>) -> Self {
        v.map_or(Json::Null, Into::into)
    }
}

impl<T: Into<Json>> From<Vec<T>> for Json {
    fn from(items: Vec<T>) -> Self {
        Json::Arr(items.into_iter().map(Into::into).collect())
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Json::Str(s.to_string())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Self {
        Json::Str(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Self {
        Json::Bool(b)
    }
}

/// An object from `(key, value)` pairs, in order.
pub fn obj<K: Into<String>, V: Into<Json>>(pairs: impl IntoIterator<Item = (K, V)>) -> Json {
    Json::Obj(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
}

/// Appends `s` as a PHP-escaped JSON string.
///
/// Runs of characters PHP leaves alone (printable ASCII but `"`, `\\` and `/`) are copied whole,
/// and found eight bytes at a time: lists of hundreds of rows are mostly such runs, and inside a
/// plugin (wasm32, no SIMD) a byte-by-byte scan was a fifth of a 500-row answer's time. A chunk
/// that holds something to escape is walked byte by byte with a lookup table: a `match` on the
/// byte compiled to a jump table whose indirect jump, mispredicted on every byte, was the single
/// hottest instruction of the 500-extension list (`perf annotate`).
///
/// The check and the common case (nothing to escape) are inlined where it is called; a list of
/// 2,500 values spent a tenth of this function's time entering and leaving it.
#[inline]
pub fn write_str(out: &mut String, s: &str) {
    let first = first_special(s.as_bytes());
    if first == s.len() {
        push_quoted(out, s);
    } else {
        out.reserve(s.len() + 2);
        out.push('"');
        escape_from(out, s, first);
        out.push('"');
    }
}

/// Appends the contents of `s` escaped as [`write_str`] escapes them, without the quotes: for a
/// JSON string written in pieces (`"PJSIP\/` and then a number, say) without building it first.
///
/// ```
/// use switchboard_sdk::php_json;
///
/// let mut out = String::from(r#"{"dial":"SIP\/"#);
/// php_json::push_escaped(&mut out, "10\"01");
/// out.push_str(r#""}"#);
/// assert_eq!(out, r#"{"dial":"SIP\/10\"01"}"#);
/// ```
#[inline]
pub fn push_escaped(out: &mut String, s: &str) {
    let first = first_special(s.as_bytes());
    if first == s.len() {
        out.push_str(s);
    } else {
        escape_from(out, s, first);
    }
}

/// Appends `s` escaped, knowing that `s[..first]` needs no escaping.
#[inline(never)]
fn escape_from(out: &mut String, s: &str, first: usize) {
    let bytes = s.as_bytes();
    let mut plain = 0; // start of the run not yet copied
    let mut i = first;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok())
            && !any_special(u64::from_le_bytes(chunk))
        {
            i += 8;
            continue;
        }
        // At most one chunk byte by byte, then back to whole chunks (a multi-byte character may
        // carry `i` past `end`).
        let end = (i + 8).min(bytes.len());
        while i < end {
            let byte = bytes[i];
            if PLAIN[usize::from(byte)] {
                i += 1;
                continue;
            }
            out.push_str(&s[plain..i]);
            if byte == b'/' {
                out.push_str("\\/");
                i += 1;
            } else {
                let c = s[i..].chars().next().unwrap_or_default();
                i += c.len_utf8();
                match short_escape(c) {
                    Some(escaped) => out.push_str(escaped),
                    None => {
                        let mut units = [0u16; 2];
                        for unit in c.encode_utf16(&mut units) {
                            push_u_escape(out, *unit);
                        }
                    }
                }
            }
            plain = i;
        }
    }
    out.push_str(&s[plain..]);
}

/// Where the first byte PHP escapes is in `bytes` (`bytes.len()` when there is none).
#[inline]
fn first_special(bytes: &[u8]) -> usize {
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) {
        if any_special(u64::from_le_bytes(chunk)) {
            break;
        }
        i += 8;
    }
    while i < bytes.len() && PLAIN[usize::from(bytes[i])] {
        i += 1;
    }
    i
}

/// `"s"` for a string with nothing to escape (most values of most lists): one reservation and
/// one length update, where three pushes reload and check the `String`'s length and capacity from
/// linear memory each time (2% of the 500-extension list, `cargo bench --bench issabel`).
#[inline]
fn push_quoted(out: &mut String, s: &str) {
    let n = s.len();
    out.reserve(n + 2);
    // SAFETY: `reserve` made room for `n + 2` bytes after the current length, and all of them are
    // written (two ASCII quotes around the bytes of `s`) before `set_len`; ASCII and a whole `str`
    // keep the `String` valid UTF-8.
    unsafe {
        let vec = out.as_mut_vec();
        let len = vec.len();
        let at = vec.as_mut_ptr().add(len);
        at.write(b'"');
        std::ptr::copy_nonoverlapping(s.as_ptr(), at.add(1), n);
        at.add(n + 1).write(b'"');
        vec.set_len(len + n + 2);
    }
}

/// Per byte, whether PHP copies it as is: printable ASCII (and DEL) but `"`, `\\` and `/`.
const PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0x20;
    while byte < 0x80 {
        table[byte] = !matches!(byte as u8, b'"' | b'\\' | b'/');
        byte += 1;
    }
    table
};

/// Whether any of the eight bytes in `chunk` is not [`PLAIN`] (the bit tricks of "Bit Twiddling
/// Hacks": `has_less` and `has_zero` are exact, not heuristics).
fn any_special(chunk: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let has_byte = |b: u8| has_zero(chunk ^ (ONES * u64::from(b)));
    let has_control = chunk.wrapping_sub(ONES * 0x20) & !chunk & HIGHS;
    (has_control | (chunk & HIGHS) | has_byte(b'"') | has_byte(b'\\') | has_byte(b'/')) != 0
}

/// The two-character escape PHP writes for `c`, if it has one.
fn short_escape(c: char) -> Option<&'static str> {
    Some(match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '/' => "\\/",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => return None,
    })
}

/// `\uXXXX` with lowercase hex, as PHP writes it.
fn push_u_escape(out: &mut String, unit: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((unit >> shift) & 0xf)] as char);
    }
}

impl Json {
    /// The encoded text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => {
                use std::fmt::Write as _;
                let _ = write!(out, "{i}");
            }
            Json::Str(s) => write_str(out, s),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Obj(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_php() {
        let v = obj([("a/b", Json::from("é \"x\" 😀\u{1}")), ("n", Json::Arr(vec![Json::Bool(true), Json::Null, Json::Int(-3)]))]);
        assert_eq!(v.encode(), r#"{"a\/b":"\u00e9 \"x\" \ud83d\ude00\u0001","n":[true,null,-3]}"#);
        // PHP leaves DEL and the rest of ASCII alone, and escapes backslashes and control characters.
        assert_eq!(Json::from("\u{7f}a\\b\n\t").encode(), "\"\u{7f}a\\\\b\\n\\t\"");
    }

    /// The escaping rules one character at a time, as PHP states them: the fast path must agree.
    fn reference(s: &str) -> String {
        let mut out = String::from('"');
        for c in s.chars() {
            match short_escape(c) {
                Some(escaped) => out.push_str(escaped),
                None if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{:04x}", unit));
                    }
                }
                None => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn the_fast_path_escapes_as_the_character_rules_do() {
        let samples = [
            "", "plain", "/", "a/b/c", "\"\"", "ends with é", "é starts", "mid 😀 dle", "\u{1}\u{1f}\u{7f}\u{80}\u{ffff}",
            "Ω/\\\n\r\t\u{8}\u{c}x", "日本語テキスト", "tab\tand space ", "\u{10ffff}", "<script>\"x\"</script>",
        ];
        for sample in samples {
            let mut out = String::new();
            write_str(&mut out, sample);
            assert_eq!(out, reference(sample), "{sample:?}");
        }
        // Escaped in pieces, between quotes of its own: the same.
        for sample in samples {
            let mut pieces = String::from('"');
            for piece in sample.split_inclusive('/') {
                push_escaped(&mut pieces, piece);
            }
            pieces.push('"');
            assert_eq!(pieces, reference(sample), "{sample:?}");
        }
        // Every ASCII character at every position of a 17-byte string (two chunks and a tail).
        for c in (0u8..0x80).map(char::from) {
            for at in 0..17 {
                let mut sample: String = "abcdefghijklmnopq".into();
                sample.replace_range(at..at + 1, &c.to_string());
                let mut out = String::new();
                write_str(&mut out, &sample);
                assert_eq!(out, reference(&sample), "{sample:?}");
            }
        }
    }
}
