//! The admin listener's socket: bound once, HTTP/1.1 (and HTTP/2 where TLS negotiates it), each
//! request handed to the API router. Its connections are served as the plugin listeners' are
//! (`crate::http::Connections`: the same timeouts and graceful shutdown), but none of their routing: nothing a plugin serves is reachable here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hyper::body::Incoming;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::Instrument as _;

use super::Admin;
use crate::config::{ADMIN_LISTENER, AdminConfig};
use crate::http::{Connections, Tls};

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
        let connections = Connections::new(ADMIN_LISTENER);
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
            connections.serve(stream, peer, tls.as_ref(), move |request: hyper::Request<Incoming>| {
                let admin = admin.clone();
                // Like a plugin listener's: an id per request, in the answer's `X-Request-Id` and
                // in every line logged while it is handled (the audit's log line too). No proxy
                // is trusted here, so the id is always the host's own.
                let id = crate::http::new_request_id();
                let span = tracing::info_span!("admin_request", request_id = id.to_str().unwrap_or_default());
                async move {
                    let mut response = super::api::handle(&admin, peer, request).await;
                    response.headers_mut().insert(crate::http::REQUEST_ID_HEADER, id);
                    response
                }
                .instrument(span)
            });
        }
        drop(tcp);
        connections.shutdown().await;
    }
}
