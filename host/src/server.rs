//! The composition root: builds the host's services and the mounts from a [`Config`], hands the
//! mount table to the listeners, and owns everything it started until [`Server::shutdown`].
//!
//! Start-up order, each step needing the ones before it:
//! 1. the engine ([`Runtime`]), its instance pool sized from the mounts;
//! 2. the services behind the capabilities ([`Services`]): event bus, store, CDR ingester, AMI link
//!    (whose events feed the bus and the ingester), file areas, the apply-changes applier;
//! 3. each distinct plugin compiled once, and each mount's private database bound to its
//!    plugin's identity;
//! 4. each mount's context (its share of the services), warm pool, gate, event stream and
//!    event-handler task — the [`Mounts`] table;
//! 5. the listeners, bound and serving that table.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::capabilities::{CapabilityUse, MountContext, Services};
use crate::config::{Config, Mount};
use crate::http::{BoundListener, Gate, MountHandle, Mounts};
use crate::runtime::{self, LoadedPlugin, PoolSize, Runtime};

/// What is mounted where, for printing and for `check`.
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

/// A running Switchboard: services started, plugins loaded, listeners serving.
pub struct Server {
    addresses: Vec<(String, SocketAddr)>,
    /// Listener name → its certificate's SHA-256 fingerprint, for the HTTPS ones.
    fingerprints: Vec<(String, String)>,
    mounts: Vec<MountInfo>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    services: Services,
    _runtime: Arc<Runtime>,
}

impl Server {
    /// Starts everything `config` describes and starts serving.
    pub async fn start(config: &Config) -> anyhow::Result<Server> {
        let runtime = Arc::new(Runtime::new(&config.runtime, PoolSize::for_mounts(&config.mounts))?);
        let services = start_services(config).await?;
        let (shutdown, _) = watch::channel(false);
        let mut tasks = JoinSet::new();

        let plugins = load_plugins(&runtime, &config.mounts)?;
        let own_data = bind_own_data(config, &services, &plugins).await?;

        let mut mounts = Mounts::default();
        let mut infos = Vec::new();
        for ((mount, plugin), own_data) in config.mounts.iter().zip(plugins).zip(own_data) {
            let listeners: Vec<String> = if mount.listeners.is_empty() {
                config.listeners.iter().map(|l| l.name.clone()).collect()
            } else {
                mount.listeners.clone()
            };
            let (handle, runs_handler) = build_mount(config, mount, plugin, own_data, &services, &mut tasks, &shutdown);
            let capabilities = handle.capabilities();
            log_capabilities(mount, &handle, &capabilities);
            mounts.insert(handle, &listeners);
            infos.push(MountInfo {
                route: mount.route.clone(),
                plugin: mount.plugin.name(),
                listeners,
                capabilities,
                event_handler: runs_handler,
            });
        }

        let mounts = Arc::new(mounts);
        let (mut addresses, mut fingerprints) = (Vec::new(), Vec::new());
        for listener in &config.listeners {
            let bound = BoundListener::bind(listener).await?;
            addresses.push((listener.name.clone(), bound.local_addr()));
            if let Some(fingerprint) = bound.fingerprint() {
                fingerprints.push((listener.name.clone(), fingerprint.to_string()));
            }
            tasks.spawn(bound.serve(mounts.clone(), shutdown.subscribe()));
        }
        Ok(Server { addresses, fingerprints, mounts: infos, shutdown, tasks, services, _runtime: runtime })
    }

    /// The bound address of each listener (port 0 in the config is resolved here).
    pub fn addresses(&self) -> &[(String, SocketAddr)] {
        &self.addresses
    }

    /// The bound address of listener `name`.
    pub fn address(&self, name: &str) -> Option<SocketAddr> {
        self.addresses.iter().find(|(n, _)| n == name).map(|(_, a)| *a)
    }

    /// The SHA-256 fingerprint of the certificate listener `name` serves, when it speaks HTTPS.
    pub fn fingerprint(&self, name: &str) -> Option<&str> {
        self.fingerprints.iter().find(|(n, _)| n == name).map(|(_, f)| f.as_str())
    }

    /// What is mounted where.
    pub fn mounts(&self) -> &[MountInfo] {
        &self.mounts
    }

    /// The services behind the capabilities (the AMI link, the event bus, the store, …).
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

/// The services, each built from its part of the config, in the order they depend on each other.
async fn start_services(config: &Config) -> anyhow::Result<Services> {
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
        (Some(store), Some(dir)) => Some(Arc::new(crate::apply::Applier::with_options(
            store.pbx().path().to_path_buf(),
            dir.clone(),
            ami.clone(),
            crate::apply::RenderOptions::from_config(&config.asterisk),
        ))),
        _ => None,
    };
    let pbx_control = Arc::new(crate::capabilities::pbx_control::PbxControl::new(config.pbx_control.clone()));
    Ok(Services { ami, bus, store, areas: Arc::new(config.areas.clone()), applier, cdr, auth_throttle: config.auth_throttle, pbx_control, failures: Arc::default() })
}

/// Each mount's plugin, compiled once per distinct source even when it is mounted several times.
fn load_plugins(runtime: &Runtime, mounts: &[Mount]) -> anyhow::Result<Vec<LoadedPlugin>> {
    let mut loaded: HashMap<String, LoadedPlugin> = HashMap::new();
    let mut plugins = Vec::with_capacity(mounts.len());
    for mount in mounts {
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
    Ok(plugins)
}

/// Each mount's private database, by its component's identity (see `store::registry`); `None`
/// everywhere without a `[store]`.
async fn bind_own_data(
    config: &Config,
    services: &Services,
    plugins: &[LoadedPlugin],
) -> anyhow::Result<Vec<Option<crate::store::DataFile>>> {
    if services.store.is_none() {
        return Ok(vec![None; config.mounts.len()]);
    }
    let config = config.clone();
    let identities: Vec<_> = plugins.iter().map(|p| p.identity.clone()).collect();
    let actor = format!("switchboard serve, {}", crate::store::registry::os_actor());
    let files = tokio::task::spawn_blocking(move || crate::store::registry::bind_config(&config, &identities, &actor)).await??;
    Ok(files.into_iter().map(Some).collect())
}

/// One mount, ready to serve: its context, its event stream and handler task (when the plugin
/// exports a handler and the mount grants `events`), its warm pool and idle eviction, its gate.
/// Also says whether the handler runs.
fn build_mount(
    config: &Config,
    mount: &Mount,
    plugin: LoadedPlugin,
    own_data: Option<crate::store::DataFile>,
    services: &Services,
    tasks: &mut JoinSet<()>,
    shutdown: &watch::Sender<bool>,
) -> (Arc<MountHandle>, bool) {
    let mut context = MountContext::new(mount, services.clone());
    context.own_data = own_data;
    let handler = plugin.event_handler.clone().filter(|_| crate::capabilities::events::granted(&mount.grants));
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
    });
    (handle, runs_handler)
}

/// Says, per capability the plugin imports, whether the mount grants it: a denied one is a warning,
/// since its calls will fail.
fn log_capabilities(mount: &Mount, handle: &MountHandle, capabilities: &[CapabilityUse]) {
    for cap in capabilities {
        if cap.granted {
            tracing::info!(route = %mount.route, plugin = %handle.context.plugin, interface = %cap.interface, "capability requested and granted");
        } else {
            tracing::warn!(route = %mount.route, plugin = %handle.context.plugin, interface = %cap.interface, grant = cap.grant,
                "capability requested but not granted: its calls will be denied (add grants.{} to the mount)", cap.grant);
        }
    }
}
