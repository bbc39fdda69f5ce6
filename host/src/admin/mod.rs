//! The admin listener: its own socket (default `127.0.0.1:8081`, see `[admin]`), apart from every
//! plugin listener, serving the admin API (`/admin/api/…`), Prometheus' `/metrics` and the web
//! console (`/`, `/console.js`, `/console.css`).
//!
//! - [`listener`]: binding (HTTPS when `[admin] tls` is set) and serving connections;
//! - [`auth`]: the bearer token, compared in constant time, failures throttled per address;
//! - [`api`]: the routes, each one call into [`crate::control::Control`], [`crate::check`], the
//!   metrics or the failures ring;
//! - [`assets`]: the console's files, compiled in; [`events`]: the event bus as server-sent events;
//! - [`client`]: the other end, for `switchboard admin …`.
//!
//! Plugins can never reach it: it serves no mount, and the outbound HTTP capability refuses its
//! address whatever a grant says (see `capabilities::outbound_http`).

mod api;
mod assets;
mod auth;
pub mod client;
mod events;
mod listener;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

pub use self::api::ACTOR_HEADER;
use crate::capabilities::Services;
use crate::config::AdminConfig;
use crate::control::Control;

/// What every admin request is served with.
pub struct Admin {
    auth: auth::Auth,
    control: Control,
    services: Services,
    /// The server's shutdown, which ends open event streams.
    shutdown: watch::Receiver<bool>,
    /// One configuration check at a time (each compiles every plugin it mounts).
    checks: Semaphore,
}

/// The running admin listener, as the server reports it.
#[derive(Debug, Clone)]
pub struct AdminInfo {
    /// The bound address.
    pub address: SocketAddr,
    /// The certificate's SHA-256 fingerprint, when it speaks HTTPS.
    pub fingerprint: Option<String>,
}

/// Binds the admin listener `config` describes, refuses its address to plugins' outbound HTTP,
/// and serves it (a task in `tasks`) until `shutdown`.
pub async fn start(
    config: &AdminConfig,
    services: &Services,
    control: Control,
    tasks: &mut JoinSet<()>,
    shutdown: &watch::Sender<bool>,
) -> anyhow::Result<AdminInfo> {
    let bound = listener::Bound::bind(config).await?;
    services.host_only.refuse(bound.local_addr);
    let info = AdminInfo { address: bound.local_addr, fingerprint: bound.fingerprint().map(str::to_string) };
    let admin = Arc::new(Admin {
        auth: auth::Auth::new(&config.token, services.auth_throttle),
        control,
        services: services.clone(),
        shutdown: shutdown.subscribe(),
        checks: Semaphore::new(1),
    });
    tasks.spawn(bound.serve(admin, shutdown.subscribe()));
    Ok(info)
}
