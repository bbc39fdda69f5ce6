//! What the simulated Asterisk computes the same way wherever it shows it, in AMI actions and in
//! CLI output alike: its versions, MD5 keys (challenge logins, contact ids), astdb key paths.

use md5::{Digest, Md5};

use super::seed::SipDriver;

/// (`AsteriskVersion`, `AMIversion`) of the simulated Asterisk.
pub fn versions(driver: SipDriver) -> (&'static str, &'static str) {
    match driver {
        SipDriver::Pjsip => ("22.10.1", "11.0.0"),
        SipDriver::ChanSip => ("13.38.3", "2.10.6"),
    }
}

/// Lower-case hex MD5 of challenge + secret (the `Key` of an MD5 login).
pub fn md5_key(challenge: &str, secret: &str) -> String {
    let digest = Md5::digest(format!("{challenge}{secret}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The astdb key `/family[/key]`.
pub fn db_path(family: &str, key: &str) -> String {
    let family = family.trim_matches('/');
    let key = key.trim_matches('/');
    if key.is_empty() { format!("/{family}") } else { format!("/{family}/{key}") }
}

/// Is `key` the tree `prefix` or below it?
pub fn db_in_tree(key: &str, prefix: &str) -> bool {
    prefix == "/" || key == prefix || key.strip_prefix(prefix).is_some_and(|r| r.starts_with('/'))
}
