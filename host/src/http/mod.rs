//! HTTP listeners: accept connections, route each request to its mount, and answer with the
//! plugin's response or, when the plugin fails, a JSON error. Start-up (services, plugins, the
//! mount table) is the server's (`crate::server`); this module only serves what it is handed. hyper is used directly on this path (no router framework):
//! the mount table is the router, and every microsecond here is a microsecond of each request.

mod client_addr;
mod connections;
mod error;
mod gate;
mod mounts;
mod request_id;
mod self_signed;
mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use arc_swap::ArcSwap;
use hyper::body::Incoming;
use hyper::body::Body as _;
use hyper::header::{CONTENT_LENGTH, HOST, HeaderValue, RETRY_AFTER};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::Instrument as _;

pub use self::client_addr::CLIENT_ADDR_HEADER;
pub use self::error::{HttpResponse, json, json_error};
pub use self::gate::{Gate, Rejected};
pub use self::request_id::REQUEST_ID_HEADER;
pub(crate) use self::request_id::generate as new_request_id;
pub use self::mounts::{MountHandle, MountTable, path_is_clean, route_matches};
pub use self::tls::{Tls, fingerprint};

use crate::config::RESERVED_PREFIX;
use crate::runtime;

pub(crate) use self::connections::Connections;

/// A listener, bound and ready to serve.
pub struct BoundListener {
    tcp: TcpListener,
    name: String,
    local_addr: SocketAddr,
    trusted_proxies: Vec<ipnet::IpNet>,
    tls: Option<Tls>,
}

impl BoundListener {
    /// Loads `listener`'s certificate, when it has `tls` (generating a self-signed one on first
    /// start), then binds its address (port 0 is resolved here).
    pub async fn bind(listener: &crate::config::Listener) -> anyhow::Result<Self> {
        let tls = match &listener.tls {
            Some(tls) => {
                let (name, ip, tls) = (listener.name.clone(), listener.address.ip(), tls.clone());
                let loaded = tokio::task::spawn_blocking(move || Tls::load(&name, ip, &tls)).await?;
                Some(loaded.with_context(|| format!("listener `{}`'s TLS certificate", listener.name))?)
            }
            None => None,
        };
        let tcp = TcpListener::bind(listener.address)
            .await
            .with_context(|| format!("binding listener `{}` to {}", listener.name, listener.address))?;
        let local_addr = tcp.local_addr()?;
        Ok(BoundListener { tcp, name: listener.name.clone(), local_addr, trusted_proxies: listener.trusted_proxies.clone(), tls })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The served certificate's SHA-256 fingerprint, when the listener speaks HTTPS.
    pub fn fingerprint(&self) -> Option<&str> {
        self.tls.as_ref().map(|tls| tls.fingerprint.as_str())
    }

    /// Accepts connections and serves `mounts`' routes for this listener until `shutdown` turns
    /// true, then lets open requests finish (up to 10 s).
    /// Each request reads the table once (see [`handle`]), so a live change takes effect for the
    /// next request without a restart.
    pub async fn serve(self, mounts: Arc<ArcSwap<MountTable>>, shutdown: watch::Receiver<bool>) {
        let state = Arc::new(Listener { mounts, local_addr: self.local_addr, trusted_proxies: self.trusted_proxies });
        match &self.tls {
            Some(tls) => tracing::info!(listener = %self.name, address = %self.local_addr, sha256 = %tls.fingerprint, "listening (HTTPS)"),
            None => tracing::info!(listener = %self.name, address = %self.local_addr, "listening"),
        }
        if let Some(tls) = &self.tls {
            tokio::spawn(tls.clone().watch(self.name.clone(), shutdown.clone()));
        }
        accept_loop(self.name, self.tcp, self.tls, state, shutdown).await
    }
}

/// Shared by every connection of one listener.
struct Listener {
    /// This listener's live mount table (`crate::control` swaps it).
    mounts: Arc<ArcSwap<MountTable>>,
    local_addr: SocketAddr,
    trusted_proxies: Vec<ipnet::IpNet>,
}

/// The health answer: built per request, since it carries each mount's idle instance count (which
/// goes to zero once a quiet mount's instances have been evicted).
fn health_body(mounts: &MountTable) -> serde_json::Value {
    let mounts: Vec<_> = mounts
        .iter()
        .map(|m| {
            serde_json::json!({ "route": &*m.context.route, "plugin": &*m.context.plugin, "idle_instances": m.warm.idle_count() })
        })
        .collect();
    serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION"), "mounts": mounts })
}

async fn accept_loop(name: String, tcp: TcpListener, tls: Option<Tls>, state: Arc<Listener>, mut shutdown: watch::Receiver<bool>) {
    let connections = Connections::new(name);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = tcp.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        connections.serve(stream, peer, tls.as_ref(), move |mut req: hyper::Request<Incoming>| {
            let state = state.clone();
            // Every line logged while the request is handled — here, in the plugin's run (which
            // keeps this span, see `runtime::invoke`) — carries the request's id, and so does
            // every failure it records (`crate::failures`).
            let id = request_id::resolve(peer.ip(), req.headers(), &state.trusted_proxies);
            req.extensions_mut().insert(runtime::RequestId(id.clone()));
            let span = tracing::info_span!("request", request_id = id.to_str().unwrap_or_default());
            async move {
                let mut response = handle(&state, peer, req).await;
                response.headers_mut().insert(REQUEST_ID_HEADER, id);
                response
            }
            .instrument(span)
        });
    }
    drop(tcp);
    connections.shutdown().await;
}

/// Routes one request.
async fn handle(state: &Listener, peer: SocketAddr, request: hyper::Request<Incoming>) -> HttpResponse {
    let path = request.uri().path();
    if path == RESERVED_PREFIX || path.starts_with(&format!("{RESERVED_PREFIX}/")) {
        return match path {
            "/_switchboard/health" => json(200, &health_body(&state.mounts.load())),
            _ => json_error(404, "not_found", &format!("no such host endpoint: {path}"), None),
        };
    }
    if !path_is_clean(path) {
        return json_error(400, "bad_path", "the request path has `.` or `..` segments", None);
    }
    // The table is read once and the mount's handle cloned out of it: this request (a long-poll
    // too) finishes on the version it found, whatever a live change swaps in meanwhile.
    let Some(mount) = state.mounts.load().find(path).cloned() else {
        let message = format!("no plugin is mounted at {path}");
        return json_error(404, "no_mount", &message, None);
    };
    // Counted from here: in flight until the response head is returned (or the client goes away).
    let tracked = mount.context.metrics.request();
    let response = if mount.enabled { serve(state, peer, request, &mount).await } else { disabled(&mount) };
    tracked.answered(response.status().as_u16());
    response
}

/// A disabled mount's answer. It stays in the table, so its paths never fall through to a shorter
/// route's plugin; and it is not transient, so no `Retry-After`.
fn disabled(mount: &MountHandle) -> HttpResponse {
    let (route, plugin) = (&*mount.context.route, &*mount.context.plugin);
    let message = format!("the mount at {route} is disabled by the administrator");
    json_error(503, "mount_disabled", &message, Some((route, plugin)))
}

/// Admits `request` to `mount` and runs it through the plugin.
async fn serve(state: &Listener, peer: SocketAddr, mut request: hyper::Request<Incoming>, mount: &MountHandle) -> HttpResponse {
    let (route, plugin) = (&*mount.context.route, &*mount.context.plugin);
    let permit = match mount.gate.enter(&mount.context.metrics).await {
        Ok(permit) => permit,
        Err(rejected) => {
            let message = match rejected {
                Rejected::QueueFull => "too many requests are waiting for this mount; try again shortly",
                Rejected::WaitedTooLong => "no slot for this mount freed up in time; try again shortly",
            };
            tracing::warn!(route, plugin, ?rejected, "request refused: mount overloaded");
            let id = request.extensions().get::<runtime::RequestId>().and_then(|id| id.0.to_str().ok());
            let failures = &mount.context.services.failures;
            failures.record(route, plugin, crate::failures::FailureKind::Overloaded, &format!("503 overloaded: {message}"), id);
            let mut response = json_error(503, "overloaded", message, Some((route, plugin)));
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
    };

    // The client's address, as the host resolved it, replaces any header of that name the client sent.
    let client = client_addr::resolve(peer.ip(), request.headers(), &state.trusted_proxies);
    request.headers_mut().remove(CLIENT_ADDR_HEADER);
    if let Ok(value) = HeaderValue::from_str(&client.to_string()) {
        request.headers_mut().insert(CLIENT_ADDR_HEADER, value);
    }
    request.extensions_mut().insert(runtime::ClientAddr(client));
    // wasi:http needs an authority; an HTTP/1.0 client may send no Host header, and an HTTP/2 one
    // sends the `:authority` the URI carries instead.
    if !request.headers().contains_key(HOST) {
        let authority = request.uri().authority().map(|a| a.to_string()).unwrap_or_else(|| state.local_addr.to_string());
        if let Ok(host) = HeaderValue::from_str(&authority) {
            request.headers_mut().insert(HOST, host);
        }
    }
    // A request that has no body (HTTP/1.1: neither `Content-Length` nor `Transfer-Encoding`) says
    // so with `Content-Length: 0`. wasi:http cannot tell a plugin that the body is empty, and hides
    // `Transfer-Encoding`; with this the SDK skips the six host calls of reading an empty body,
    // which were an eighth of a small GET's cost (`cargo bench --bench http`).
    if request.body().is_end_stream() && !request.headers().contains_key(CONTENT_LENGTH) {
        request.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    }
    match runtime::invoke(&mount.plugin, &mount.warm, mount.context.clone(), request, permit).await {
        Ok(response) => response,
        Err(failure) => {
            let message = format!("plugin `{plugin}` {failure}");
            json_error(failure.status(), failure.code(), &message, Some((route, plugin)))
        }
    }
}
