//! HTTPS on a listener: its certificate chain and key loaded into a rustls server configuration,
//! on the `ring` provider (the one already linked for outbound HTTPS).
//!
//! ALPN offers `h2` first, then `http/1.1`: a connection is served with the protocol it settled on
//! (the accept loop picks hyper's HTTP/2 or HTTP/1.1 connection by it), so browsers and other
//! clients that prefer HTTP/2 get it, with many requests on one connection, and the rest keep
//! HTTP/1.1.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::Digest as _;
use tokio_rustls::TlsAcceptor;

use crate::config::ListenerTls;

/// A listener's TLS: the acceptor its connections go through, and what to tell the admin.
#[derive(Clone)]
pub struct Tls {
    pub(super) acceptor: TlsAcceptor,
    /// The leaf certificate's SHA-256 fingerprint, `AB:CD:…` as `openssl x509 -fingerprint -sha256`
    /// prints it, so an admin can compare what a client was shown with what the host serves.
    pub fingerprint: String,
}

impl Tls {
    /// Loads `tls`'s files, generating them first for a self-signed listener (bound to `ip`) that
    /// has none yet.
    pub fn load(listener: &str, ip: IpAddr, tls: &ListenerTls) -> anyhow::Result<Tls> {
        if tls.self_signed && super::self_signed::ensure(listener, ip, tls)? {
            tracing::info!(listener, cert = %tls.cert.display(), key = %tls.key.display(), "generated a self-signed certificate");
        }
        let chain = read_chain(&tls.cert)?;
        let key = PrivateKeyDer::from_pem_file(&tls.key)
            .with_context(|| format!("reading the private key in {}", tls.key.display()))?;
        let fingerprint = fingerprint(&chain[0]);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .with_context(|| format!("the key in {} does not fit the certificate in {}", tls.key.display(), tls.cert.display()))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(config)), fingerprint })
    }
}

/// Every certificate in the PEM file, leaf first.
fn read_chain(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading the certificates in {}", path.display()))?;
    if chain.is_empty() {
        bail!("{} holds no PEM certificate", path.display());
    }
    Ok(chain)
}

/// SHA-256 of the certificate's DER bytes, as colon-separated upper-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = sha2::Sha256::digest(der);
    digest.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}
