//! HTTP listeners: accept connections, route each request to its mount, and answer with the
//! plugin's response or a JSON error. hyper is used directly on this path (no router framework):
//! the mount table is the router, and every microsecond here is a microsecond of each request.

mod client_addr;
mod error;
mod gate;
mod mounts;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hyper::body::Incoming;
use hyper::body::Body as _;
use hyper::header::{CONTENT_LENGTH, HOST, HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use self::client_addr::CLIENT_ADDR_HEADER;
pub use self::error::{HttpResponse, json, json_error};
pub use self::gate::{Gate, Rejected};
pub use self::mounts::{MountHandle, MountTable, path_is_clean, route_matches};

use crate::config::{Config, RESERVED_PREFIX};
use crate::runtime::{self, CapabilityUse, LoadedPlugin, MountContext, PoolSize, Runtime, Services};

/// How long a graceful shutdown lets open requests finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// A client must send its request headers within this time.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What is mounted where, for printing and for the health endpoint.
#[derive(Debug, Clone)]
pub struct MountInfo {
    /// The route prefix.
    pub route: String,
    /// The plugin's name.
    pub plugin: String,
    /// Listener names it is served on.
    pub listeners: Vec<String>,
    /// Requested vs granted capabilities.
    pub capabilities: Vec<CapabilityUse>,
    /// Whether the plugin's event handler runs for this mount (it exports one and the mount grants
    /// `events`).
    pub event_handler: bool,
}

/// Shared by every connection of one listener.
struct Listener {
    mounts: MountTable,
    local_addr: SocketAddr,
    trusted_proxies: Vec<ipnet::IpNet>,
}

/// A running Switchboard: listeners bound, plugins loaded.
pub struct Server {
    addresses: Vec<(String, SocketAddr)>,
    mounts: Vec<MountInfo>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    services: Services,
    _runtime: Arc<Runtime>,
}

impl Server {
    /// Loads every mount's plugin, binds every listener and starts serving.
    pub async fn start(config: &Config) -> anyhow::Result<Server> {
        let runtime = Arc::new(Runtime::new(&config.runtime, PoolSize::for_mounts(&config.mounts))?);
        let bus = crate::events::EventBus::new(config.events);
        let store = match &config.store {
            Some(store) => {
                let (dir, bus) = (store.dir.clone(), bus.clone());
                let opened = tokio::task::spawn_blocking(move || crate::store::Store::open(&dir, bus)).await??;
                Some(Arc::new(opened))
            }
            None => None,
        };
        // Call records go wherever there is a store: from `Cdr` events when there is AMI, and from
        // Master.csv when `[asterisk] cdr_csv` names it.
        let cdr = match &store {
            Some(store) if config.ami.is_some() || config.asterisk.cdr_csv.is_some() => {
                Some(crate::cdr::Ingester::start(store.pbx().clone(), crate::cdr::Settings::from_config(&config.asterisk))?)
            }
            _ => None,
        };
        let sink = Arc::new(crate::cdr::HostSink { bus: bus.clone(), cdr: cdr.clone() });
        let ami = config.ami.clone().map(|ami| crate::ami::AmiClient::start(ami, sink));
        for (name, dir) in &config.areas {
            std::fs::create_dir_all(dir).with_context(|| format!("creating file area `{name}` at {}", dir.display()))?;
        }
        let applier = match (&store, &config.asterisk.config_dir) {
            (Some(store), Some(dir)) => {
                Some(Arc::new(crate::apply::Applier::with_options(
                    store.pbx().path().to_path_buf(),
                    dir.clone(),
                    ami.clone(),
                    crate::apply::RenderOptions::from_config(&config.asterisk),
                )))
            }
            _ => None,
        };
        let services = Services {
            ami,
            bus,
            store,
            areas: Arc::new(config.areas.clone()),
            applier,
            cdr,
            auth_throttle: config.auth_throttle,
        };

        let (shutdown, _) = watch::channel(false);
        let mut tasks = JoinSet::new();

        // Compile each distinct plugin once, even when it is mounted several times.
        let mut loaded: HashMap<String, LoadedPlugin> = HashMap::new();
        let mut plugins = Vec::with_capacity(config.mounts.len());
        for mount in &config.mounts {
            let key = mount.plugin.to_string();
            let plugin = match loaded.get(&key) {
                Some(plugin) => plugin.clone(),
                None => {
                    let plugin = runtime.load(&mount.plugin).with_context(|| format!("mount {}", mount.route))?;
                    loaded.insert(key, plugin.clone());
                    plugin
                }
            };
            plugins.push(plugin);
        }
        // Each mount's private database, by its component's identity (see `store::registry`).
        let own_data = match &services.store {
            Some(_) => {
                let config = config.clone();
                let identities: Vec<_> = plugins.iter().map(|p| p.identity.clone()).collect();
                let actor = format!("switchboard serve, {}", crate::store::registry::os_actor());
                let files =
                    tokio::task::spawn_blocking(move || crate::store::registry::bind_config(&config, &identities, &actor)).await??;
                files.into_iter().map(Some).collect()
            }
            None => vec![None; config.mounts.len()],
        };

        let mut tables: HashMap<String, MountTable> =
            config.listeners.iter().map(|l| (l.name.clone(), MountTable::default())).collect();
        let mut infos = Vec::new();
        for ((mount, plugin), own_data) in config.mounts.iter().zip(plugins).zip(own_data) {
            let mut context = MountContext::new(mount, services.clone());
            context.own_data = own_data;
            let handler = plugin.event_handler.clone().filter(|_| mount.grants.events);
            let runs_handler = handler.is_some();
            if handler.is_some() {
                context.stream = Some(crate::events::EventStream::new(config.events));
            } else if plugin.event_handler.is_some() {
                tracing::warn!(route = %mount.route, plugin = %context.plugin,
                    "the plugin exports an event handler, but it will not run: add grants.events = true to the mount");
            }
            let context = Arc::new(context);
            if let Some(handler) = handler {
                tasks.spawn(runtime::run_event_handler(handler, context.clone(), shutdown.subscribe()));
            }
            let warm = Arc::new(runtime::WarmPool::new(mount.limits.reuse, mount.limits.idle_timeout));
            tasks.spawn(runtime::evict_idle(warm.clone(), context.route.clone(), shutdown.subscribe()));
            let handle = Arc::new(MountHandle {
                context,
                plugin,
                gate: Gate::new(mount.limits.max_concurrent, mount.limits.queue, mount.limits.queue_timeout),
                warm,
                source: mount.plugin.clone(),
                grants: mount.grants.clone(),
            });
            let capabilities = handle.capabilities();
            for cap in &capabilities {
                if cap.granted {
                    tracing::info!(route = %mount.route, plugin = %handle.context.plugin, interface = %cap.interface, "capability requested and granted");
                } else {
                    tracing::warn!(route = %mount.route, plugin = %handle.context.plugin, interface = %cap.interface, grant = cap.grant,
                        "capability requested but not granted: its calls will be denied (add grants.{} to the mount)", cap.grant);
                }
            }
            let listeners: Vec<String> = if mount.listeners.is_empty() {
                config.listeners.iter().map(|l| l.name.clone()).collect()
            } else {
                mount.listeners.clone()
            };
            for name in &listeners {
                tables.get_mut(name).expect("validated listener name").insert(handle.clone());
            }
            infos.push(MountInfo {
                route: mount.route.clone(),
                plugin: runtime::plugin_name(&mount.plugin),
                listeners,
                capabilities,
                event_handler: runs_handler,
            });
        }

        let mut addresses = Vec::new();
        for listener in &config.listeners {
            let tcp = TcpListener::bind(listener.address)
                .await
                .with_context(|| format!("binding listener `{}` to {}", listener.name, listener.address))?;
            let local_addr = tcp.local_addr()?;
            let mounts = tables.remove(&listener.name).unwrap_or_default();
            let state = Arc::new(Listener { mounts, local_addr, trusted_proxies: listener.trusted_proxies.clone() });
            tasks.spawn(accept_loop(tcp, state, shutdown.subscribe()));
            addresses.push((listener.name.clone(), local_addr));
            tracing::info!(listener = %listener.name, address = %local_addr, "listening");
        }
        Ok(Server { addresses, mounts: infos, shutdown, tasks, services, _runtime: runtime })
    }

    /// The bound address of each listener (port 0 in the config is resolved here).
    pub fn addresses(&self) -> &[(String, SocketAddr)] {
        &self.addresses
    }

    /// The bound address of listener `name`.
    pub fn address(&self, name: &str) -> Option<SocketAddr> {
        self.addresses.iter().find(|(n, _)| n == name).map(|(_, a)| *a)
    }

    /// What is mounted where.
    pub fn mounts(&self) -> &[MountInfo] {
        &self.mounts
    }

    /// The host's shared capabilities (the AMI link and the event bus).
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Stops accepting, lets open requests finish (up to 10 s), closes the AMI link, writes the
    /// call records it brought, then returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
        if let Some(ami) = &self.services.ami {
            ami.stop();
        }
        if let Some(cdr) = &self.services.cdr {
            cdr.shutdown().await;
        }
    }
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

async fn accept_loop(tcp: TcpListener, state: Arc<Listener>, mut shutdown: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT).keep_alive(true);
    loop {
        tokio::select! {
            accepted = tcp.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let service = hyper::service::service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, Infallible>(handle(&state, peer, req).await) }
                });
                let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(tcp);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("some connections were still open after the shutdown grace period");
    }
}

/// Routes one request.
async fn handle(state: &Listener, peer: SocketAddr, mut request: hyper::Request<Incoming>) -> HttpResponse {
    let path = request.uri().path();
    if path == RESERVED_PREFIX || path.starts_with(&format!("{RESERVED_PREFIX}/")) {
        return match path {
            "/_switchboard/health" => json(200, &health_body(&state.mounts)),
            _ => json_error(404, "not_found", &format!("no such host endpoint: {path}"), None),
        };
    }
    if !path_is_clean(path) {
        return json_error(400, "bad_path", "the request path has `.` or `..` segments", None);
    }
    let Some(mount) = state.mounts.find(path) else {
        let message = format!("no plugin is mounted at {path}");
        return json_error(404, "no_mount", &message, None);
    };
    let (route, plugin) = (&*mount.context.route, &*mount.context.plugin);

    let permit = match mount.gate.enter().await {
        Ok(permit) => permit,
        Err(rejected) => {
            let message = match rejected {
                Rejected::QueueFull => "too many requests are waiting for this mount; try again shortly",
                Rejected::WaitedTooLong => "no slot for this mount freed up in time; try again shortly",
            };
            tracing::warn!(route, plugin, ?rejected, "request refused: mount overloaded");
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
    // wasi:http needs an authority; an HTTP/1.0 client may send no Host header.
    if !request.headers().contains_key(HOST) {
        if let Ok(host) = HeaderValue::from_str(&state.local_addr.to_string()) {
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
