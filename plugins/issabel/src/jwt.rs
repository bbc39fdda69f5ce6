//! HS256 JSON Web Tokens, byte for byte as the original's `firebase/php-jwt` wrote them: header
//! `{"typ":"JWT","alg":"HS256"}` (that key order, no spaces), the payload as PHP's `json_encode`
//! wrote the claims array, base64url without padding, HMAC-SHA256 over `header.payload`.
//!
//! Pure functions of `(secret, claims, now)`, so the exact bytes are unit-tested with a fixed clock.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use switchboard_sdk::php_json::Json;

type HmacSha256 = Hmac<Sha256>;

/// The header php-jwt writes for HS256.
const HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

/// Why a token was not accepted.
#[derive(Debug, PartialEq)]
pub enum Rejected {
    /// Not three base64url segments, not our header, payload not a JSON object, or bad signature.
    Invalid,
    /// Well-formed and correctly signed, but `exp` is in the past (php-jwt's "Expired token").
    Expired,
}

fn mac(secret: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length")
}

/// A signed token for `claims` (already a [`Json`] object in the original's key order).
pub fn encode(secret: &[u8], claims: &Json) -> String {
    let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(HEADER), URL_SAFE_NO_PAD.encode(claims.encode()));
    let mut mac = mac(secret);
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// The verified claims of `token` at time `now` (Unix seconds). `leeway` seconds are added to
/// `exp`, as php-jwt's `JWT::$leeway` did.
pub fn decode(secret: &[u8], token: &str, now: i64, leeway: i64) -> Result<serde_json::Map<String, serde_json::Value>, Rejected> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(Rejected::Invalid);
    };
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| Rejected::Invalid)?;
    let mut mac = mac(secret);
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(payload.as_bytes());
    // Constant time: the comparison does not stop at the first differing byte.
    mac.verify_slice(&signature).map_err(|_| Rejected::Invalid)?;
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).map_err(|_| Rejected::Invalid)?).map_err(|_| Rejected::Invalid)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(Rejected::Invalid);
    }
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| Rejected::Invalid)?;
    let claims: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&payload).map_err(|_| Rejected::Invalid)?;
    if let Some(exp) = claims.get("exp") {
        let exp = exp.as_i64().ok_or(Rejected::Invalid)?;
        if now >= exp.saturating_add(leeway) {
            return Err(Rejected::Expired);
        }
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_sdk::php_json::obj;

    /// The key the original shipped hard-coded in `index.php`; with it the original API document's tokens
    /// are reproduced exactly, which pins header, key order, encoding and signature.
    const ORIGINAL_KEY: &[u8] = b"da893kasdfam43k29akdkfaFFlsdfhj23rasdf";
    const SEED_ACCESS: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpYXQiOjE1MjExMTQyODksImV4cCI6MTUyMTIwMDY4OSwiZGF0YSI6eyJuYW1lIjoiYWRtaW4ifX0.5cF825r08UHsaw9odM3up9l4oiEZF7ufGaa6xjZl9H4";
    const SEED_REFRESH: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpYXQiOjE1MjExMTQyODksImV4cCI6MTUyMzE4Nzg4OSwiZGF0YSI6W119.w9XptKx1EzXGqswE2x5L3PA240xYelf8gqx94PUlkpE";

    #[test]
    fn reproduces_the_seed_documents_tokens_byte_for_byte() {
        let access = obj([("iat", Json::Int(1521114289)), ("exp", Json::Int(1521200689)), ("data", obj([("name", "admin")]))]);
        assert_eq!(encode(ORIGINAL_KEY, &access), SEED_ACCESS);
        let refresh = obj([("iat", Json::Int(1521114289)), ("exp", Json::Int(1523187889)), ("data", Json::Arr(vec![]))]);
        assert_eq!(encode(ORIGINAL_KEY, &refresh), SEED_REFRESH);
        assert!(decode(ORIGINAL_KEY, SEED_ACCESS, 1521114289, 0).is_ok());
        assert_eq!(decode(ORIGINAL_KEY, SEED_ACCESS, 1521200689, 0), Err(Rejected::Expired));
    }

    #[test]
    fn signs_and_verifies_with_the_secret() {
        let claims = obj([("iat", Json::Int(1000)), ("exp", Json::Int(4600)), ("data", Json::Arr(vec![]))]);
        let token = encode(b"s3cret", &claims);
        let decoded = decode(b"s3cret", &token, 1000, 0).unwrap();
        assert_eq!(serde_json::Value::Object(decoded), serde_json::json!({"iat": 1000, "exp": 4600, "data": []}));
        assert_eq!(decode(b"other", &token, 1000, 0), Err(Rejected::Invalid));
        assert_eq!(decode(b"s3cret", &token, 4600, 0), Err(Rejected::Expired));
        assert!(decode(b"s3cret", &token, 4600, 10).is_ok(), "leeway extends exp");
        // A flipped payload byte breaks the signature.
        let (head, rest) = token.split_once('.').unwrap();
        let tampered = format!("{head}.{}", rest.replacen('Q', "R", 1));
        assert_eq!(decode(b"s3cret", &tampered, 1000, 0), Err(Rejected::Invalid));
    }

    #[test]
    fn malformed_tokens_are_invalid() {
        for bad in ["", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.AAAA"] {
            assert_eq!(decode(b"k", bad, 0, 0), Err(Rejected::Invalid), "{bad}");
        }
        // Signed, but `alg: none` in the header.
        let none = format!("{}.{}", URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"none"}"#), URL_SAFE_NO_PAD.encode("{}"));
        let mut m = mac(b"k");
        m.update(none.as_bytes());
        let forged = format!("{none}.{}", URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()));
        assert_eq!(decode(b"k", &forged, 0, 0), Err(Rejected::Invalid));
    }
}
