//! The composition root: builds the host's services and the mounts from a [`Config`], hands the
//! live mount tables to the listeners, and owns everything it started until [`Server::shutdown`].
//!
//! Start-up order, each step needing the ones before it:
//! 1. the engine ([`Runtime`]), its instance pool sized from the mounts (with spare slots for
//!    live changes);
//! 2. the services behind the capabilities ([`Services`]): event bus, store, CDR ingester, AMI link
//!    (whose events feed the bus and the ingester), file areas, the apply-changes applier;
//! 3. the mounts, through [`Control`] (the live mount table): each plugin compiled, each mount's
//!    private database bound to its plugin's identity, its context, warm pool, gate, event stream
//!    and event-handler task;
//! 4. the listeners, bound and serving their live tables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::capabilities::{CapabilityUse, Services};
use crate::config::Config;
use crate::control::Control;
use crate::http::BoundListener;
use crate::runtime::{PoolSize, Runtime};

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
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    services: Services,
    control: Control,
    /// The admin listener, when the config has `[admin]`.
    admin: Option<crate::admin::AdminInfo>,
    _runtime: Arc<Runtime>,
}

impl Server {
    /// Starts everything `config` describes and starts serving. Live changes ([`Server::control`])
    /// last until the process ends: there is no file to write them to.
    pub async fn start(config: &Config) -> anyhow::Result<Server> {
        Server::start_with_file(config, None).await
    }

    /// [`Server::start`] for `config` read from the file at `file`: live changes are written back
    /// to it, the audit goes beside it, and [`Control::reload`] reads it again.
    pub async fn start_with_file(config: &Config, file: Option<PathBuf>) -> anyhow::Result<Server> {
        let pool = PoolSize::for_live_mounts(&config.mounts);
        let runtime = Arc::new(Runtime::new(&config.runtime, pool)?);
        let (shutdown, _) = watch::channel(false);
        let services = start_services(config, shutdown.subscribe()).await?;
        let mut tasks = JoinSet::new();

        let control = Control::start(config, file, runtime.clone(), services.clone(), pool).await?;
        let (mut addresses, mut fingerprints) = (Vec::new(), Vec::new());
        for listener in &config.listeners {
            let bound = BoundListener::bind(listener).await?;
            addresses.push((listener.name.clone(), bound.local_addr()));
            if let Some(fingerprint) = bound.fingerprint() {
                fingerprints.push((listener.name.clone(), fingerprint.to_string()));
            }
            let table = control.table(&listener.name).context("every listener has a table")?;
            tasks.spawn(bound.serve(table, shutdown.subscribe()));
        }
        let admin = match &config.admin {
            Some(admin) => Some(crate::admin::start(admin, &services, control.clone(), &mut tasks, &shutdown).await?),
            None => None,
        };
        Ok(Server { addresses, fingerprints, shutdown, tasks, services, control, admin, _runtime: runtime })
    }

    /// The admin listener's address and certificate fingerprint, when the config has `[admin]`.
    pub fn admin(&self) -> Option<&crate::admin::AdminInfo> {
        self.admin.as_ref()
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

    /// What is mounted where, now.
    pub fn mounts(&self) -> Vec<MountInfo> {
        self.control
            .list()
            .into_iter()
            .map(|m| MountInfo {
                capabilities: m
                    .grants
                    .iter()
                    .map(|g| CapabilityUse { interface: g.interface.clone(), grant: g.grant, granted: g.granted })
                    .collect(),
                route: m.route,
                plugin: m.plugin,
                listeners: m.listeners,
                event_handler: m.event_handler,
            })
            .collect()
    }

    /// The live mount table's operations (enable, disable, hot swap, add, remove, reload).
    pub fn control(&self) -> Control {
        self.control.clone()
    }

    /// The services behind the capabilities (the AMI link, the event bus, the store, …).
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Stops accepting, lets open requests finish (up to 10 s), stops the mounts' event handlers,
    /// closes the AMI link, writes the call records it brought, then returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        let listeners = async { while self.tasks.join_next().await.is_some() {} };
        tokio::join!(listeners, self.control.shutdown());
        if let Some(ami) = &self.services.ami {
            ami.stop();
        }
        if let Some(cdr) = &self.services.cdr {
            cdr.shutdown().await;
        }
    }
}

/// The services, each built from its part of the config, in the order they depend on each other.
async fn start_services(config: &Config, shutdown: watch::Receiver<bool>) -> anyhow::Result<Services> {
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
    let metrics = Arc::new(crate::metrics::Metrics::new(ami.clone(), bus.clone(), store.clone()));
    Ok(Services {
        ami,
        bus,
        store,
        areas: Arc::new(config.areas.clone()),
        applier,
        cdr,
        auth_throttle: config.auth_throttle,
        pbx_control,
        host_only: Default::default(),
        metrics,
        failures: Default::default(),
        shutdown,
    })
}

