//! The admin listener's socket: bound once, HTTP/1.1 (and HTTP/2 where TLS negotiates it), each
//! request handed to the API router. The same timeouts and graceful shutdown as the plugin
//! listeners (`crate::http`), but none of their routing: nothing a plugin serves is reachable here.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::Instrument as _;

use super::Admin;
use crate::config::{ADMIN_LISTENER, AdminConfig};
use crate::http::Tls;

const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const H2_KEEP_ALIVE: Duration = Duration::from_secs(30);

/// The admin listener, bound.
pub struct Bound {
    tcp: TcpListener,
    tls: Option<Tls>,
    /// The bound address (port 0 resolved).
    pub local_addr: SocketAddr,
}

impl Bound {
    /// Loads the certificate when `config` has `tls`, then binds.
    pub async fn bind(config: &AdminConfig) -> anyhow::Result<Bound> {
        let tls = match &config.tls {
            Some(tls) => {
                let (ip, tls) = (config.address.ip(), tls.clone());
                let loaded = tokio::task::spawn_blocking(move || Tls::load(ADMIN_LISTENER, ip, &tls)).await?;
                Some(loaded.context("the admin listener's TLS certificate")?)
            }
            None => None,
        };
        let tcp = TcpListener::bind(config.address).await.with_context(|| format!("binding the admin listener to {}", config.address))?;
        let local_addr = tcp.local_addr()?;
        if tls.is_none() && !local_addr.ip().is_loopback() {
            tracing::warn!(address = %local_addr,
                "the admin listener is reachable beyond this machine over plain HTTP: its token crosses the network in clear; add [admin] tls");
        }
        Ok(Bound { tcp, tls, local_addr })
    }

    /// The certificate's fingerprint, when it speaks HTTPS.
    pub fn fingerprint(&self) -> Option<&str> {
        self.tls.as_ref().map(|tls| tls.fingerprint.as_str())
    }

    /// Serves `admin` until `shutdown` turns true, then lets open requests finish (up to 10 s;
    /// event streams end at once, see `events`).
    pub async fn serve(self, admin: Arc<Admin>, mut shutdown: watch::Receiver<bool>) {
        let Bound { tcp, tls, local_addr } = self;
        tracing::info!(address = %local_addr, https = tls.is_some(), "admin listener");
        if let Some(tls) = &tls {
            tokio::spawn(tls.clone().watch(ADMIN_LISTENER.to_string(), shutdown.clone()));
        }
        let graceful = GracefulShutdown::new();
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT).keep_alive(true);
        let mut h2 = http2::Builder::new(TokioExecutor::new());
        h2.timer(TokioTimer::new()).keep_alive_interval(H2_KEEP_ALIVE).keep_alive_timeout(HANDSHAKE_TIMEOUT);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = tcp.accept() => match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        tracing::warn!(error = %e, "admin listener: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = shutdown.changed() => break,
            };
            let admin = admin.clone();
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let admin = admin.clone();
                // Like a plugin listener's: an id per request, in the answer's `X-Request-Id` and
                // in every line logged while it is handled (the audit's log line too). No proxy
                // is trusted here, so the id is always the host's own.
                let id = crate::http::new_request_id();
                let span = tracing::info_span!("admin_request", request_id = id.to_str().unwrap_or_default());
                async move {
                    let mut response = super::api::handle(&admin, peer, request).await;
                    response.headers_mut().insert(crate::http::REQUEST_ID_HEADER, id);
                    Ok::<_, Infallible>(response)
                }
                .instrument(span)
            });
            let Some(tls) = &tls else {
                let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "admin connection ended with an error");
                    }
                });
                continue;
            };
            let (acceptor, watcher, http, h2) = (tls.acceptor.clone(), graceful.watcher(), http.clone(), h2.clone());
            tokio::spawn(async move {
                let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) => return tracing::debug!(%peer, error = %e, "admin listener: TLS handshake failed"),
                    Err(_) => return tracing::debug!(%peer, "admin listener: TLS handshake timed out"),
                };
                let ended = if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
                    watcher.watch(h2.serve_connection(TokioIo::new(stream), service)).await
                } else {
                    watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await
                };
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "admin connection ended with an error");
                }
            });
        }
        drop(tcp);
        if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
            tracing::warn!("some admin connections were still open after the shutdown grace period");
        }
    }
}
