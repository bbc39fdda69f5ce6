//! The engine: one wasmtime engine and linker, plugins compiled (through an on-disk cache) and
//! pre-instantiated once so a fresh instance takes tens of microseconds, requests invoked under
//! their mount's limits, warm instances reused between requests (`warm`, `limits.reuse`), and
//! event handlers driven. What plugins may call is not decided here: the linker registers every
//! capability of [`crate::capabilities::ALL`], and each capability checks its own grant.
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

mod cache;
mod handler;
mod instance;
mod invoke;
pub(crate) mod lane;
mod limits;
mod stdio;
mod wake;
mod warm;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config as EngineConfig, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi_http::p2::bindings::ProxyPre;

pub use self::cache::CompileCache;
pub use self::handler::{EventHandler, MAX_BATCH, run_event_handler};
pub use self::invoke::{PluginFailure, invoke};
pub use self::lane::{LANE_NICE, LONG_MEMORY, SLICE, SUSPECT_SLICE};
pub use self::limits::MemoryBound;
pub use self::instance::{InstanceState, SseRequest, SseSlot};
pub use crate::capabilities::{MountContext, Services};
pub use self::wake::Wake;
pub use self::warm::{WarmPool, evict_idle};

use crate::capabilities::{self, CapabilityUse, Grants, bindings};
use crate::config::{Limits, Mount, PluginSource, RuntimeOptions};

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

/// The client address of a request, as the listener resolved it (a request extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

/// The id of a request (`X-Request-Id`), as the listener resolved it (a request extension), for
/// the failures it may cause (`crate::failures`).
#[derive(Debug, Clone)]
pub struct RequestId(pub hyper::header::HeaderValue);

/// A compiled, linked plugin, ready to instantiate per request.
#[derive(Clone)]
pub struct LoadedPlugin {
    /// Pre-instantiated component: imports resolved and type-checked once.
    pub pre: ProxyPre<InstanceState>,
    /// The interfaces the component imports, e.g. `wasi:http/outgoing-handler@0.2.0`.
    pub imports: Vec<String>,
    /// The component's `event-handler` export, when it has one (world `event-plugin`).
    pub event_handler: Option<EventHandler>,
    /// Who the plugin is: the hash of exactly the bytes compiled here, or the built-in's name.
    pub identity: crate::identity::PluginIdentity,
    /// The SHA-256 of the component's bytes, built-in or not: the version the admin sees, and what
    /// tells a live reload that a file changed under the same path.
    pub digest: [u8; 32],
    /// The grants the plugin declares it needs ([`crate::needs`]), when it declares them.
    pub needs: Option<Arc<crate::needs::Needs>>,
}

impl LoadedPlugin {
    /// The plugin's capability imports compared with what `grants` lend: "requested vs granted".
    pub fn capabilities(&self, grants: &Grants) -> Vec<CapabilityUse> {
        capabilities::requested_vs_granted(&self.imports, grants)
    }
}

/// The engine and linker shared by every mount.
pub struct Runtime {
    engine: Engine,
    linker: Linker<InstanceState>,
    cache: Option<CompileCache>,
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

/// Instance slots the pool keeps beyond what the configured mounts need, for live changes (see
/// `crate::control`): the pool is sized once, at start, and a mount added without a restart, or a
/// hot swap whose new limits raise `max_concurrent`, needs slots of its own. 130 is room for two
/// mounts with the default `max_concurrent` (64) and an event handler each. A slot that is never
/// used costs address space only (its memory is reserved, not committed).
pub const LIVE_SPARE_INSTANCES: u32 = 130;

impl PoolSize {
    /// [`PoolSize::for_mounts`] with room for live changes: [`LIVE_SPARE_INSTANCES`] more slots,
    /// and memories as large as the default `memory_mb` at least, so a mount added live with
    /// default limits fits.
    pub fn for_live_mounts(mounts: &[Mount]) -> Self {
        let base = PoolSize::for_mounts(mounts);
        PoolSize {
            instances: base.instances.saturating_add(LIVE_SPARE_INSTANCES),
            max_memory_bytes: base.max_memory_bytes.max(Limits::default().memory_bytes),
        }
    }

    /// Enough slots for every mount to run `max_concurrent` requests at once.
    pub fn for_mounts(mounts: &[Mount]) -> Self {
        let instances = mounts.iter().map(|m| m.limits.max_concurrent + u32::from(capabilities::events::granted(&m.grants))).sum::<u32>().max(1);
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
        for capability in capabilities::ALL {
            if let Some(link) = capability.link {
                link(&mut linker).map_err(anyhow::Error::from)?;
            }
        }

        let cache = match &options.cache_dir {
            Some(dir) => Some(CompileCache::new(dir)?),
            None => None,
        };

        lane::start();
        // The epoch ticks for as long as the engine lives, not as long as the `Runtime`: a run
        // whose server has shut down (the holder of a request gone, an event batch on the long
        // lane) still holds the engine through its store and must still be interrupted at its
        // deadline. Stopping the ticker with the `Runtime` left such a run spinning on a lane thread
        // for good, and every later long run of the process queued behind it.
        let ticking = engine.weak();
        std::thread::Builder::new()
            .name("switchboard-epoch".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(EPOCH_TICK);
                    match ticking.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .context("starting the epoch ticker thread")?;

        Ok(Runtime { engine, linker, cache })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles (or loads from the cache) and links a plugin.
    pub fn load(&self, source: &PluginSource) -> anyhow::Result<LoadedPlugin> {
        let bytes = crate::identity::source_bytes(source)?;
        self.load_bytes(source, &bytes)
    }

    /// Compiles and links `bytes` as the plugin `source` names: for a hot swap, whose uploaded
    /// bytes are checked before they are stored where `source` points.
    pub fn load_bytes(&self, source: &PluginSource, bytes: &[u8]) -> anyhow::Result<LoadedPlugin> {
        // One hash of the bytes serves both the identity and the compile cache's key.
        let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(bytes).into();
        let identity = crate::identity::PluginIdentity::from_digest(source, digest);
        let component = match &self.cache {
            Some(cache) => cache.load_or_compile(&self.engine, bytes, &digest),
            None => Component::new(&self.engine, bytes).map_err(anyhow::Error::from),
        }
        .with_context(|| format!("compiling plugin {source}"))?;

        let imports: Vec<String> = component
            .component_type()
            .imports(&self.engine)
            .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentInstance(_)))
            .map(|(name, _)| name.to_string())
            .collect();
        let imports_wake = imports.iter().any(|name| name.split('@').next() == Some(capabilities::events::WAKE_INTERFACE));
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
                Some(EventHandler { pre: instance_pre.clone(), indices: Arc::new(indices), start_call: imports_wake })
            }
            false => None,
        };
        let pre = ProxyPre::new(instance_pre)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("plugin {source} does not export wasi:http/incoming-handler@0.2"))?;
        let needs = crate::needs::read(bytes, std::path::Path::new(&source.to_string()))?.map(Arc::new);
        Ok(LoadedPlugin { pre, imports, event_handler, identity, digest, needs })
    }
}
