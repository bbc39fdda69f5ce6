//! HTTPS on a listener: its certificate chain and key loaded into a rustls server configuration,
//! on the `ring` provider (the one already linked for outbound HTTPS).
//!
//! ALPN offers `h2` first, then `http/1.1`: a connection is served with the protocol it settled on
//! (the accept loop picks hyper's HTTP/2 or HTTP/1.1 connection by it), so browsers and other
//! clients that prefer HTTP/2 get it, with many requests on one connection, and the rest keep
//! HTTP/1.1.

use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context as _, bail};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use sha2::Digest as _;
use tokio_rustls::TlsAcceptor;

use crate::config::ListenerTls;

/// A listener's TLS: the acceptor its connections go through, and what to tell the admin.
#[derive(Clone)]
pub struct Tls {
    pub(crate) acceptor: TlsAcceptor,
    /// The leaf certificate's SHA-256 fingerprint at start, `AB:CD:…` as `openssl x509 -fingerprint
    /// -sha256` prints it, so an admin can compare what a client was shown with what the host serves.
    pub fingerprint: String,
    /// The pair every new handshake is answered with, replaced by [`Tls::watch`].
    served: Arc<Served>,
    files: ListenerTls,
    /// The files' modification times and lengths as they were just before the served pair was read:
    /// what [`Tls::watch`] compares with, so a change made after loading and before the watch's
    /// task first runs (a busy start) is still seen.
    loaded: Stamp,
}

/// Each file's modification time and length, when it can be read.
type Stamp = (Option<(Option<std::time::SystemTime>, u64)>, Option<(Option<std::time::SystemTime>, u64)>);

fn stamp(tls: &ListenerTls) -> Stamp {
    let of = |path: &Path| std::fs::metadata(path).ok().map(|m| (m.modified().ok(), m.len()));
    (of(&tls.cert), of(&tls.key))
}

/// The certificate and key new connections get. Read once per handshake (never per request); a
/// reload swaps it, and connections already open keep the pair they started with.
#[derive(Debug)]
struct Served(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for Served {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

/// How often the certificate and key files are looked at: their modification time and length,
/// two `stat` calls, so an admin's (or certbot's) new pair is served within seconds without a
/// restart and without a file-watching dependency.
const WATCH_EVERY: Duration = Duration::from_secs(2);

impl Tls {
    /// Loads `tls`'s files, generating them first for a self-signed listener (bound to `ip`) that
    /// has none yet.
    pub fn load(listener: &str, ip: IpAddr, tls: &ListenerTls) -> anyhow::Result<Tls> {
        if tls.self_signed && super::self_signed::ensure(listener, ip, tls)? {
            tracing::info!(listener, cert = %tls.cert.display(), key = %tls.key.display(), "generated a self-signed certificate");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let loaded = stamp(tls);
        let (pair, fingerprint) = read_pair(tls, &provider)?;
        let served = Arc::new(Served(RwLock::new(pair)));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_cert_resolver(served.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(config)), fingerprint, served, files: tls.clone(), loaded })
    }

    /// Serves the certificate and key files anew whenever they change, until `shutdown` turns
    /// true. A pair that cannot be read, or whose key does not fit its certificate (say, the
    /// certificate written and the key not yet), is logged and the one being served stays.
    pub async fn watch(self, listener: String, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut seen = self.loaded.clone();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(WATCH_EVERY) => {}
                _ = shutdown.changed() => return,
            }
            let now = stamp(&self.files);
            if now == seen {
                continue;
            }
            seen = now;
            let (files, provider) = (self.files.clone(), provider.clone());
            match tokio::task::spawn_blocking(move || read_pair(&files, &provider)).await {
                Ok(Ok((pair, sha256))) => {
                    *self.served.0.write().unwrap_or_else(|e| e.into_inner()) = pair;
                    tracing::info!(listener, %sha256, cert = %self.files.cert.display(), "serving a new TLS certificate");
                }
                Ok(Err(e)) => tracing::error!(listener, error = format!("{e:#}"), "the changed TLS certificate or key cannot be served; the previous one still is"),
                Err(e) => tracing::error!(listener, error = %e, "reading the changed TLS certificate failed"),
            }
        }
    }
}

/// The certificate chain and key of `tls`, checked to fit each other, and the leaf's fingerprint.
fn read_pair(tls: &ListenerTls, provider: &Arc<rustls::crypto::CryptoProvider>) -> anyhow::Result<(Arc<CertifiedKey>, String)> {
    let chain = read_chain(&tls.cert)?;
    let key = PrivateKeyDer::from_pem_file(&tls.key).with_context(|| format!("reading the private key in {}", tls.key.display()))?;
    let fingerprint = fingerprint(&chain[0]);
    let pair = CertifiedKey::from_der(chain, key, provider)
        .with_context(|| format!("the key in {} does not fit the certificate in {}", tls.key.display(), tls.cert.display()))?;
    Ok((Arc::new(pair), fingerprint))
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
