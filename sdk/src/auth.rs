//! Reading credentials from a request: Basic, Bearer, API-key headers, and a constant-time compare.
//!
//! Every plugin that guards an API needs these, and each is easy to get subtly wrong (scheme names are
//! case-insensitive, a Basic password may contain `:`, comparing secrets with `==` leaks how many
//! leading bytes matched through timing). Checking the credentials against the mount's settings is
//! left to the plugin:
//!
//! ```
//! use switchboard_sdk::prelude::*;
//! use switchboard_sdk::auth::constant_time_eq;
//!
//! fn check(req: &Request, expected_key: &str) -> Result<(), Error> {
//!     match req.bearer_token() {
//!         Some(token) if constant_time_eq(token.as_bytes(), expected_key.as_bytes()) => Ok(()),
//!         _ => Err(Error::unauthorized("missing or wrong token")
//!             .with_header("WWW-Authenticate", "Bearer")),
//!     }
//! }
//! # assert!(check(&Request::new("GET", "/").with_header("Authorization", "Bearer k"), "k").is_ok());
//! ```

use crate::request::Request;

impl Request {
    /// The `(user, password)` from an `Authorization: Basic …` header, or `None` when the header is
    /// absent, uses another scheme, or is not valid base64 of UTF-8 `user:password`.
    pub fn basic_auth(&self) -> Option<(String, String)> {
        parse_basic(self.header("authorization")?)
    }

    /// The token from an `Authorization: Bearer …` header, or `None`.
    pub fn bearer_token(&self) -> Option<&str> {
        parse_bearer(self.header("authorization")?)
    }

    /// The client's address as the host resolved it (the peer, or the client behind a reverse proxy
    /// the listener trusts), from the header `x-switchboard-client-addr` the host sets on every
    /// request and no client can supply; `None` when the request did not come through a host
    /// listener (a native unit test).
    pub fn client_addr(&self) -> Option<std::net::IpAddr> {
        self.header("x-switchboard-client-addr")?.parse().ok()
    }

    /// The value of an API-key header such as `X-API-Key`, trimmed; `None` when absent or blank.
    pub fn header_key(&self, name: &str) -> Option<&str> {
        let value = self.header(name)?.trim();
        (!value.is_empty()).then_some(value)
    }
}

/// Parses the value of an `Authorization` header with the `Basic` scheme (RFC 7617).
pub fn parse_basic(value: &str) -> Option<(String, String)> {
    let encoded = strip_scheme(value, "basic")?;
    let decoded = String::from_utf8(base64_decode(encoded)?).ok()?;
    // The user id cannot contain ':'; the password can.
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Parses the value of an `Authorization` header with the `Bearer` scheme (RFC 6750).
pub fn parse_bearer(value: &str) -> Option<&str> {
    strip_scheme(value, "bearer")
}

/// Whether `a` and `b` are equal, taking the same time wherever they differ, so that an attacker
/// cannot find a secret byte by byte by timing the answers. The length is not secret: different
/// lengths return `false` at once.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Keep the optimiser from turning the fold back into an early-exit comparison.
    core::hint::black_box(diff) == 0
}

/// Checks the API key in header `header` against `expected`, counting wrong keys with the host's
/// [`auth_throttle`](crate::auth_throttle) per client address: a client locked out is refused
/// before its key is looked at (429 with `Retry-After`, so a right guess during a lock counts for
/// nothing), a wrong or missing key is counted and answered 401.
///
/// ```
/// # use switchboard_sdk::{prelude::*, auth, testing::Host};
/// # let _host = Host::new().install();
/// let request = Request::new("GET", "/calls").with_header("x-api-key", "k3y");
/// assert!(auth::require_api_key(&request, "x-api-key", "k3y").is_ok());
/// assert_eq!(auth::require_api_key(&request, "x-api-key", "other").unwrap_err().status(), 401);
/// ```
pub fn require_api_key(req: &crate::Request, header: &str, expected: &str) -> Result<(), crate::Error> {
    crate::auth_throttle::check(None)?;
    if req.header_key(header).is_some_and(|k| constant_time_eq(k.as_bytes(), expected.as_bytes())) {
        return Ok(());
    }
    crate::auth_throttle::failure(None)?;
    Err(crate::Error::unauthorized(format!("missing or wrong {header}")))
}

/// `"<scheme> <rest>"` with a case-insensitive scheme → trimmed, non-empty `rest`.
fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let value = value.trim();
    let (name, rest) = value.split_once([' ', '\t'])?;
    if !name.eq_ignore_ascii_case(scheme) {
        return None;
    }
    let rest = rest.trim();
    (!rest.is_empty()).then_some(rest)
}

/// Standard base64 (RFC 4648 alphabet), padding optional. Written out here because it is 20 lines
/// and the SDK is compiled into every plugin.
fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let input = input.trim_end_matches('=');
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in input.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_known_vectors() {
        // RFC 4648 §10 test vectors.
        let cases = [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
            ("Zm9vYmE", "fooba"),
        ];
        for (encoded, plain) in cases {
            assert_eq!(
                base64_decode(encoded).unwrap(),
                plain.as_bytes(),
                "{encoded}"
            );
        }
        assert_eq!(base64_decode("Zm9v!"), None);
        assert_eq!(base64_decode("Z"), None);
    }

    #[test]
    fn basic_auth_parses_user_and_password_with_colons() {
        // "Aladdin:open sesame" from RFC 7617.
        assert_eq!(
            parse_basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            Some(("Aladdin".into(), "open sesame".into()))
        );
        // "admin:a:b" — the password keeps its colon; the scheme is case-insensitive.
        assert_eq!(
            parse_basic("bAsIc YWRtaW46YTpi"),
            Some(("admin".into(), "a:b".into()))
        );
        // "user:" — empty password.
        assert_eq!(
            parse_basic("Basic dXNlcjo="),
            Some(("user".into(), String::new()))
        );
    }

    #[test]
    fn basic_auth_rejects_other_schemes_and_garbage() {
        assert_eq!(parse_basic("Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), None);
        assert_eq!(parse_basic("Basic"), None);
        assert_eq!(parse_basic("Basic !!!"), None);
        // "nocolon"
        assert_eq!(parse_basic("Basic bm9jb2xvbg=="), None);
        // invalid UTF-8 (0xff 0x3a)
        assert_eq!(parse_basic("Basic /zo="), None);
    }

    #[test]
    fn bearer_token_parsing() {
        assert_eq!(parse_bearer("Bearer abc.def"), Some("abc.def"));
        assert_eq!(parse_bearer("bearer   abc  "), Some("abc"));
        assert_eq!(parse_bearer("Bearer "), None);
        assert_eq!(parse_bearer("Basic abc"), None);
        assert_eq!(parse_bearer("Bearerabc"), None);
    }

    #[test]
    fn request_helpers_read_the_right_headers() {
        let req = Request::new("GET", "/")
            .with_header("Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
            .with_header("X-API-Key", "  k3y  ");
        assert_eq!(
            req.basic_auth(),
            Some(("Aladdin".into(), "open sesame".into()))
        );
        assert_eq!(req.bearer_token(), None);
        assert_eq!(req.header_key("x-api-key"), Some("k3y"));
        assert_eq!(req.header_key("x-missing"), None);
        let blank = Request::new("GET", "/").with_header("X-API-Key", "  ");
        assert_eq!(blank.header_key("X-API-Key"), None);
    }

    #[test]
    fn constant_time_eq_compares_correctly() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"Secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
