//! The signature a CRM checks before it trusts a webhook.
//!
//! `X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over `<t>.<body>` with the
//! mount's `secret` — the scheme Stripe and others use. The timestamp is inside what is signed, so
//! a receiver that refuses a `t` older than a few minutes cannot be fed a recorded request again.
//! Each attempt is signed afresh.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's value for `body` sent at `timestamp`.
pub fn header(secret: &str, timestamp: u64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex(&sign(secret, timestamp, body)))
}

/// HMAC-SHA256 of `<timestamp>.<body>`.
pub fn sign(secret: &str, timestamp: u64, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() {
        // What a receiver computes: the HMAC of "<t>.<body>" with the shared secret.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1700000000.what do ya want for nothing?");
        let expected = hex(&mac.finalize().into_bytes());
        assert_eq!(header("Jefe", 1_700_000_000, b"what do ya want for nothing?"), format!("t=1700000000,v1={expected}"));
        assert_ne!(sign("Jefe", 1_700_000_001, b"{}"), sign("Jefe", 1_700_000_000, b"{}"), "the timestamp is signed");
        assert_ne!(sign("other", 1_700_000_000, b"{}"), sign("Jefe", 1_700_000_000, b"{}"), "the key is used");
    }
}
