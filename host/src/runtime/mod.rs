//! The sandbox: one wasmtime engine, a linker with WASI, `wasi:http` and Switchboard's imports,
//! and plugins pre-instantiated once so a fresh instance takes tens of microseconds; a mount may
//! also reuse instances between requests (`warm`, `limits.reuse`).
//!
//! Design points:
//! - Pooling allocator sized from the mounts: a slot per request a mount may run at once, so the pool
//!   can never run dry (running out is an instantiation error in wasmtime, not back-pressure; the
//!   per-mount gate in `http::gate` queues in front of it).
//! - Epoch interruption with a 1 ms ticker. A plugin runs undisturbed for its first slice; one that
//!   runs longer moves to the long lane (`lane`), low-priority threads apart from the host's I/O
//!   threads, where long runs take turns a tick at a time; every run is interrupted at its mount's
//!   deadline.
//! - `concurrency_support(false)`: Switchboard speaks WASI 0.2, and the component-model-async runtime
//!   costs plain 0.2 calls ~40% (measured with a fresh-instance probe on wasmtime 48).

mod ami;
mod bindings;
mod cache;
mod events;
mod handler;
mod invoke;
mod lane;
mod limits;
mod log;
mod outbound;
mod pbx;
mod settings;
mod throttle;
mod sqlite;
mod state;
mod stdio;
mod stream;
mod system;
mod warm;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config as EngineConfig, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi_http::p2::bindings::ProxyPre;

pub use self::cache::CompileCache;
pub use self::handler::{EventHandler, MAX_BATCH, run_event_handler};
pub use self::invoke::{PluginFailure, invoke};
pub use self::lane::{LANE_NICE, LONG_MEMORY, SLICE, SUSPECT_SLICE};
pub use self::limits::MemoryBound;
pub use self::outbound::OutboundPolicy;
pub use self::state::RequestState;
pub use self::warm::{WarmPool, evict_idle};

use crate::config::{Grants, Limits, Mount, PluginSource, RuntimeOptions};

/// Bytes of a pooled memory or table reset in place rather than handed back to the kernel: the
/// dirty pages of an ordinary request (a Rust `hello` touches a few dozen) are zeroed and kept, and
/// anything beyond goes back to the kernel when the instance is gone. 128 KiB: `cargo bench --bench
/// http` measured fresh-instance requests the same as with 2 MiB, while a memory bomb's slot now
/// keeps 128 KiB instead of 2 MiB after it is reset (eight slots: 1 MiB instead of 16).
const KEEP_RESIDENT: usize = 128 << 10;
/// Slots whose leftover pages are returned to the kernel in one batch: one, so that the memory of an
/// instance that grew past [`KEEP_RESIDENT`] (a memory bomb, a large report) goes back to the kernel
/// as soon as the instance is gone. Batching kept up to fifteen such slots resident while new
/// instances took other slots, which let a storm of memory bombs hold more than their mounts'
/// limits add up to. Small requests stay within `KEEP_RESIDENT` and queue nothing, so they pay
/// nothing for it.
const DECOMMIT_BATCH: usize = 1;

/// The export that makes a component an event handler (world `event-plugin`), without version.
pub const EVENT_HANDLER_EXPORT: &str = "switchboard:pbx/event-handler";

/// How often the epoch advances: the granularity of deadlines, of the first slice's end, and of the
/// turns long runs take on the long lane. A tick costs a running guest one callback (a clock read).
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// The host's shared capabilities, lent to plugins according to their mounts' grants.
#[derive(Clone)]
pub struct Services {
    /// The AMI connection, when the config has `[ami]`.
    pub ami: Option<crate::ami::AmiClient>,
    /// The event bus.
    pub bus: Arc<crate::events::EventBus>,
    /// The databases, when the config has `[store]`.
    pub store: Option<Arc<crate::store::Store>>,
    /// The configured file areas: name → directory.
    pub areas: Arc<BTreeMap<String, std::path::PathBuf>>,
    /// Renders and reloads Asterisk's configuration, when `[store]` and `[asterisk] config_dir` are set.
    pub applier: Option<Arc<crate::apply::Applier>>,
    /// Takes Asterisk's call records into the `cdr` table, when there is a `[store]` (and `[ami]`
    /// or `[asterisk] cdr_csv`).
    pub cdr: Option<Arc<crate::cdr::Ingester>>,
    /// The policy each mount's authentication-failure throttle follows (`[auth_throttle]`).
    pub auth_throttle: crate::auth_throttle::ThrottlePolicy,
}

/// The client address of a request, as the listener resolved it (a request extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

/// What one mount's requests run with.
pub struct MountContext {
    /// The plugin's name (built-in name or file stem), for logs and errors.
    pub plugin: Arc<str>,
    /// The private database the plugin's identity opens as `own` (the registry's answer, set by
    /// the server); `None` without a `[store]`.
    pub own_data: Option<crate::store::DataFile>,
    /// The mount's route prefix.
    pub route: Arc<str>,
    /// Resolved settings.
    pub settings: BTreeMap<String, String>,
    /// Limits applied to each request.
    pub limits: Limits,
    /// Outbound HTTP policy from the grants.
    pub outbound: OutboundPolicy,
    /// Everything the mount grants.
    pub grants: Grants,
    /// The host's capabilities.
    pub services: Services,
    /// Authorizer policies from `grants.sqlite`.
    pub sqlite: sqlite::SqlitePolicies,
    /// The mount's own event stream, when its plugin exports `event-handler` and its grants include
    /// `events = true` (set by the server after loading the plugin).
    pub stream: Option<Arc<crate::events::EventStream>>,
    /// The mount's runs that went on past their first slice (see `lane`).
    pub long_runs: Arc<lane::LongRuns>,
    /// Authentication failures counted for this mount's plugin (`auth-throttle`).
    pub auth_throttle: crate::auth_throttle::AuthThrottle,
}

impl MountContext {
    /// The context of a configured mount.
    pub fn new(mount: &Mount, services: Services) -> Self {
        let policy = services.auth_throttle;
        MountContext {
            plugin: plugin_name(&mount.plugin).into(),
            own_data: None,
            route: mount.route.as_str().into(),
            settings: mount.settings.clone(),
            limits: mount.limits,
            outbound: OutboundPolicy::new(&mount.grants.outbound_http),
            grants: mount.grants.clone(),
            services,
            sqlite: sqlite::SqlitePolicies::new(&mount.grants.sqlite),
            stream: None,
            long_runs: Arc::default(),
            auth_throttle: crate::auth_throttle::AuthThrottle::new(policy),
        }
    }
}

/// A short name for a plugin source: the built-in's name or the file's stem.
pub fn plugin_name(source: &PluginSource) -> String {
    match source {
        PluginSource::Builtin(name) => name.clone(),
        PluginSource::File(path) => path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned()),
    }
}

/// A compiled, linked plugin, ready to instantiate per request.
#[derive(Clone)]
pub struct LoadedPlugin {
    /// Pre-instantiated component: imports resolved and type-checked once.
    pub pre: ProxyPre<RequestState>,
    /// The interfaces the component imports, e.g. `wasi:http/outgoing-handler@0.2.0`.
    pub imports: Vec<String>,
    /// The component's `event-handler` export, when it has one (world `event-plugin`).
    pub event_handler: Option<EventHandler>,
    /// Who the plugin is: the hash of exactly the bytes compiled here, or the built-in's name.
    pub identity: crate::identity::PluginIdentity,
}

/// A capability that needs a grant, and whether the mount gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityUse {
    /// The WIT interface the plugin imports (without version).
    pub interface: String,
    /// The config key that grants it.
    pub grant: &'static str,
    /// Whether this mount grants it.
    pub granted: bool,
}

/// Interfaces that need a grant, the `grants` key that gives each one, and whether a mount's
/// grants give it. Interfaces not listed (WASI basics, `settings`, `log`) need none. Later
/// capability adds a row here.
const GRANTED_INTERFACES: &[(&str, &str, fn(&Grants) -> bool)] = &[
    ("wasi:http/outgoing-handler", "outbound_http", |g| !g.outbound_http.is_empty()),
    ("switchboard:pbx/ami", "ami", |g| !g.ami.is_empty()),
    ("switchboard:pbx/events", "events", |g| g.events),
    ("switchboard:pbx/event-stream", "events", |g| g.events),
    ("switchboard:pbx/sqlite", "sqlite", |g| g.sqlite.pbx.is_some() || g.sqlite.own),
    ("switchboard:pbx/system", "system", |g| g.system),
    ("switchboard:pbx/pbx", "apply_changes", |g| g.apply_changes),
    ("wasi:filesystem/preopens", "files", |g| !g.files.is_empty()),
];

impl LoadedPlugin {
    /// The plugin's capability imports compared with what `grants` allows: "requested vs granted".
    pub fn capabilities(&self, grants: &Grants) -> Vec<CapabilityUse> {
        let mut uses = Vec::new();
        for import in &self.imports {
            let interface = import.split('@').next().unwrap_or(import);
            if let Some((_, grant, is_granted)) = GRANTED_INTERFACES.iter().find(|(i, _, _)| *i == interface) {
                uses.push(CapabilityUse { interface: interface.to_string(), grant, granted: is_granted(grants) });
            }
        }
        uses
    }
}

/// The engine and linker shared by every mount.
pub struct Runtime {
    engine: Engine,
    linker: Linker<RequestState>,
    cache: Option<CompileCache>,
    ticker_stop: Arc<AtomicBool>,
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// Pool sizing derived from the mounts.
#[derive(Debug, Clone, Copy)]
pub struct PoolSize {
    /// Component instances alive at once: the sum of the mounts' `max_concurrent` (a mount's busy
    /// plus idle warm instances never exceed it), plus one for each mount granted `events` (its
    /// event handler's long-lived instance, should it export one).
    pub instances: u32,
    /// The largest linear memory any mount allows.
    pub max_memory_bytes: u64,
}

impl PoolSize {
    /// Enough slots for every mount to run `max_concurrent` requests at once.
    pub fn for_mounts(mounts: &[Mount]) -> Self {
        let instances = mounts.iter().map(|m| m.limits.max_concurrent + u32::from(m.grants.events)).sum::<u32>().max(1);
        let max_memory_bytes = mounts.iter().map(|m| m.limits.memory_bytes).max().unwrap_or(Limits::default().memory_bytes);
        PoolSize { instances, max_memory_bytes }
    }
}

impl Runtime {
    /// Builds the engine and linker and starts the epoch ticker.
    pub fn new(options: &RuntimeOptions, pool: PoolSize) -> anyhow::Result<Self> {
        let mut config = EngineConfig::new();
        config.epoch_interruption(true);
        config.concurrency_support(false);
        // A Rust component holds ~3 core instances; give the shims room.
        let mut pooling = PoolingAllocationConfig::default();
        pooling
            .total_component_instances(pool.instances)
            .total_core_instances(pool.instances.saturating_mul(4))
            .total_memories(pool.instances.saturating_mul(2))
            .total_tables(pool.instances.saturating_mul(4))
            .total_stacks(pool.instances)
            .max_memory_size(usize::try_from(pool.max_memory_bytes).context("memory limit too large")?)
            // Reset a finished instance's memory by rewriting only the pages it touched (found with
            // Linux's PAGEMAP_SCAN where the kernel has it, ≥ 6.7) instead of madvise: madvise makes
            // every request pay page faults and cross-core TLB shootdowns, which were the largest
            // cost of a small request in the profile.
            .pagemap_scan(wasmtime::Enabled::Auto)
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(KEEP_RESIDENT)
            .decommit_batch_size(DECOMMIT_BATCH);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
        let engine = Engine::new(&config)
            .map_err(anyhow::Error::from)
            .context("creating the wasm engine (the pooling allocator reserves virtual memory per slot)")?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(anyhow::Error::from)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(anyhow::Error::from)?;
        bindings::settings::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)?;
        bindings::log::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)?;
        bindings::types::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)?;
        bindings::ami::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)?;
        bindings::events::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)?;
        bindings::sqlite::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)?;
        bindings::system::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)?;
        bindings::pbx::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)?;
        bindings::event_stream::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)?;
        bindings::auth_throttle::add_to_linker::<RequestState, HasSelf<RequestState>>(&mut linker, |s| s)
            .map_err(anyhow::Error::from)?;

        let cache = match &options.cache_dir {
            Some(dir) => Some(CompileCache::new(dir)?),
            None => None,
        };

        lane::start();
        let ticker_stop = Arc::new(AtomicBool::new(false));
        let (stop, ticking) = (ticker_stop.clone(), engine.weak());
        std::thread::Builder::new()
            .name("switchboard-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match ticking.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .context("starting the epoch ticker thread")?;

        Ok(Runtime { engine, linker, cache, ticker_stop })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles (or loads from the cache) and links a plugin.
    pub fn load(&self, source: &PluginSource) -> anyhow::Result<LoadedPlugin> {
        let bytes = crate::identity::source_bytes(source)?;
        // One hash of the bytes serves both the identity and the compile cache's key.
        let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&bytes).into();
        let identity = crate::identity::PluginIdentity::from_digest(source, digest);
        let component = match &self.cache {
            Some(cache) => cache.load_or_compile(&self.engine, &bytes, &digest),
            None => Component::new(&self.engine, &*bytes).map_err(anyhow::Error::from),
        }
        .with_context(|| format!("compiling plugin {source}"))?;

        let imports = component
            .component_type()
            .imports(&self.engine)
            .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentInstance(_)))
            .map(|(name, _)| name.to_string())
            .collect();
        let exports_handler = component
            .component_type()
            .exports(&self.engine)
            .any(|(name, _)| name.split('@').next() == Some(EVENT_HANDLER_EXPORT));
        let instance_pre = self.linker.instantiate_pre(&component).map_err(anyhow::Error::from).with_context(|| {
            format!("plugin {source} imports something this host does not provide (is it built for a newer switchboard:pbx?)")
        })?;
        let event_handler = match exports_handler {
            true => {
                let indices = bindings::event_handler::GuestIndices::new(&instance_pre)
                    .map_err(anyhow::Error::from)
                    .with_context(|| format!("plugin {source} exports {EVENT_HANDLER_EXPORT} with a shape this host does not know"))?;
                Some(EventHandler { pre: instance_pre.clone(), indices: Arc::new(indices) })
            }
            false => None,
        };
        let pre = ProxyPre::new(instance_pre)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("plugin {source} does not export wasi:http/incoming-handler@0.2"))?;
        Ok(LoadedPlugin { pre, imports, event_handler, identity })
    }
}
