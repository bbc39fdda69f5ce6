//! The certificate of a `tls = { self_signed = true }` listener: generated on its first start and
//! kept in the store directory, then served unchanged on every later start.
//!
//! A PBX appliance ships answering HTTPS before anyone has a certificate for it; the admin trusts
//! the one it made (`curl --cacert`, a browser exception). Generating a new one per start would
//! break that trust on every restart, so the pair is written once and reused while both files are
//! there. The key is written first and the certificate last, each to a temporary file renamed into
//! place: a crash in between leaves no certificate, and the next start makes a new pair instead of
//! serving a certificate whose key is gone.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;

use anyhow::Context as _;

use crate::config::ListenerTls;

/// Makes sure `tls`'s certificate and key exist, generating them for `listener` when they do not.
/// Returns whether it generated them.
pub fn ensure(listener: &str, tls: &ListenerTls) -> anyhow::Result<bool> {
    if tls.cert.is_file() && tls.key.is_file() {
        return Ok(false);
    }
    let (cert_pem, key_pem) = generate(listener).with_context(|| format!("generating listener `{listener}`'s self-signed certificate"))?;
    if let Some(dir) = tls.key.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    write_atomically(&tls.key, key_pem.as_bytes(), 0o600)?;
    write_atomically(&tls.cert, cert_pem.as_bytes(), 0o644)?;
    Ok(true)
}

/// The names the certificate is valid for: what a client on the machine itself types (`localhost`,
/// the loopback addresses) and the machine's host name, which is what one on the LAN usually does.
fn subject_alt_names() -> Vec<String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    if let Some(host) = host_name() {
        if !names.contains(&host) {
            names.push(host);
        }
    }
    names
}

/// The kernel's host name, when it is one a certificate can name.
fn host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim().to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty() && label.len() <= 63 && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    valid.then_some(name)
}

/// A new ECDSA P-256 key and a certificate for it, both PEM.
fn generate(listener: &str) -> anyhow::Result<(String, String)> {
    let mut params = rcgen::CertificateParams::new(subject_alt_names())?;
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::OrganizationName, "Switchboard");
    name.push(rcgen::DnType::CommonName, format!("Switchboard listener {listener} ({})", host_name().unwrap_or_else(|| "localhost".into())));
    params.distinguished_name = name;
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Writes `bytes` to a temporary file beside `path` with `mode`, syncs it, and renames it over
/// `path`, so a reader sees the old file or the whole new one.
fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let temp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&temp)
        .with_context(|| format!("creating {}", temp.display()))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).with_context(|| format!("writing {}", temp.display()))?;
    std::fs::rename(&temp, path).with_context(|| format!("renaming {} to {}", temp.display(), path.display()))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn generated_once_then_reused_with_a_private_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let tls = ListenerTls { cert: dir.path().join("tls/a.crt"), key: dir.path().join("tls/a.key"), self_signed: true };
        assert!(ensure("a", &tls).unwrap());
        let first = std::fs::read(&tls.cert).unwrap();
        assert!(!ensure("a", &tls).unwrap());
        assert_eq!(std::fs::read(&tls.cert).unwrap(), first, "reused, not regenerated");
        let mode = std::fs::metadata(&tls.key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A certificate without its key (a crash between the two writes) is replaced.
        std::fs::remove_file(&tls.key).unwrap();
        assert!(ensure("a", &tls).unwrap());
        assert_ne!(std::fs::read(&tls.cert).unwrap(), first);
    }

    #[test]
    fn names_the_loopback_addresses() {
        let names = subject_alt_names();
        assert!(names.iter().any(|n| n == "localhost") && names.iter().any(|n| n == "::1"));
    }
}
