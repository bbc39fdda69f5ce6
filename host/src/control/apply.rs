//! Applying a change: from the mounts running to the mounts wanted, in two phases.
//!
//! Prepare (nothing live is touched, so any failure leaves everything as it was): read each
//! component's bytes and hash them, pair each wanted mount with a running one ([`Pairing`]),
//! compile what is new, check the instance pool has room, and bind private data in the registry.
//! Commit (cannot fail): build the new handles, swap every listener's table, stop the versions
//! that left the table and hand their event streams' bus position to their successors.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Change, ControlError, DataChoice, PluginUpload, Shared};
use crate::capabilities::MountContext;
use crate::config::{Config, Mount, PluginSource};
use crate::http::{Gate, MountHandle, MountTable};
use crate::identity::PluginIdentity;
use crate::runtime::{self, LoadedPlugin};
use crate::store::DataFile;

/// The mounts running, and the config they came from (its listeners, store and areas are the
/// live ones: a reload changes only the mounts).
pub(crate) struct State {
    pub config: Config,
    /// One per mount of `config.mounts`, in the same order.
    pub entries: Vec<Entry>,
}

/// One running mount: its config, its handle in the tables, and its tasks.
pub(crate) struct Entry {
    pub mount: Mount,
    /// The listeners it is served on (a mount without `listener` is on all of them).
    pub listeners: Vec<String>,
    pub handle: Arc<MountHandle>,
    /// The mount's own stop signal: its event handler and idle eviction end when it turns true.
    stop: watch::Sender<bool>,
    handler: Option<JoinHandle<u64>>,
    evict: Option<JoinHandle<()>>,
}

impl Entry {
    /// Stops the mount's tasks and lets its idle instances go; returns the bus sequence number its
    /// event handler would have read next, when it ran one.
    pub async fn stop(self) -> Option<u64> {
        let _ = self.stop.send(true);
        self.handle.warm.retire();
        if let Some(evict) = self.evict {
            let _ = evict.await;
        }
        match self.handler {
            Some(handler) => handler.await.ok(),
            None => None,
        }
    }
}

/// A running mount as [`super::Control::list`] reads it.
#[derive(Clone)]
pub(crate) struct Listed {
    pub mount: Mount,
    pub listeners: Vec<String>,
    pub handle: Arc<MountHandle>,
}

/// How one change is made.
#[derive(Default)]
pub(crate) struct Opts {
    /// Who, for the registry's audit.
    pub actor: String,
    /// Components compiled already (an upload is checked before it is stored).
    pub preloaded: Vec<(PluginSource, LoadedPlugin)>,
    /// The route whose new component takes (or declines) the data of the one before.
    pub adopt: Option<(String, DataChoice)>,
}

/// What becomes of each wanted mount.
enum Pairing {
    /// The same config and bytes as running entry `j`: that entry goes on untouched.
    Keep(usize),
    /// A new handle, succeeding running entry `j` at the same route when there is one.
    New(Option<usize>),
}

/// The listeners `mount` is served on.
pub(crate) fn resolve_listeners(shared: &Shared, mount: &Mount) -> Vec<String> {
    if mount.listeners.is_empty() { shared.listeners.iter().map(|(n, _)| n.clone()).collect() } else { mount.listeners.clone() }
}

/// Makes the running mounts those of `target`; returns what happened to each route.
pub(crate) async fn transition(shared: &Shared, state: &mut State, target: Config, opts: Opts) -> Result<Vec<Change>, ControlError> {
    let listeners: Vec<Vec<String>> = target.mounts.iter().map(|m| resolve_listeners(shared, m)).collect();
    let read = read_components(state, &target, &opts).await?;

    // Pairing: identical mounts first, then successors by route.
    let mut taken = vec![false; state.entries.len()];
    let mut pairing: Vec<Option<Pairing>> = target.mounts.iter().map(|_| None).collect();
    for (i, mount) in target.mounts.iter().enumerate() {
        let same = state.entries.iter().enumerate().find(|(j, e)| {
            !taken[*j] && &e.mount == mount && e.handle.plugin.digest == read[i].digest && e.listeners == listeners[i]
        });
        if let Some((j, _)) = same {
            taken[j] = true;
            pairing[i] = Some(Pairing::Keep(j));
        }
    }
    for (i, mount) in target.mounts.iter().enumerate() {
        if pairing[i].is_none() {
            let before = (0..state.entries.len()).find(|&j| !taken[j] && state.entries[j].mount.route == mount.route);
            if let Some(j) = before {
                taken[j] = true;
            }
            pairing[i] = Some(Pairing::New(before));
        }
    }
    let pairing: Vec<Pairing> = pairing.into_iter().map(|p| p.expect("every mount paired")).collect();

    // Compile what is new, once per component.
    let wanted: Vec<(usize, PluginSource, Option<Vec<u8>>)> = pairing
        .iter()
        .zip(read)
        .enumerate()
        .filter(|(_, (p, _))| matches!(p, Pairing::New(_)))
        .map(|(i, (_, r))| (i, target.mounts[i].plugin.clone(), r.bytes))
        .collect();
    let routes: Vec<String> = target.mounts.iter().map(|m| m.route.clone()).collect();
    let runtime = shared.runtime.clone();
    let preloaded = opts.preloaded;
    let compiled: HashMap<usize, LoadedPlugin> = tokio::task::spawn_blocking(move || {
        let mut by_source: HashMap<String, LoadedPlugin> = preloaded.into_iter().map(|(s, p)| (s.to_string(), p)).collect();
        let mut out = HashMap::new();
        for (i, source, bytes) in wanted {
            let key = source.to_string();
            let plugin = match by_source.get(&key) {
                Some(plugin) => plugin.clone(),
                None => {
                    let loaded = match &bytes {
                        Some(bytes) => runtime.load_bytes(&source, bytes),
                        None => runtime.load(&source),
                    };
                    let plugin = loaded.map_err(|e| ControlError::rejected(format!("mount `{}`: {e:#}", routes[i])))?;
                    by_source.insert(key, plugin.clone());
                    plugin
                }
            };
            out.insert(i, plugin);
        }
        Ok::<_, ControlError>(out)
    })
    .await
    .map_err(|e| ControlError::rejected(format!("compiling: {e}")))??;

    check_pool(shared, &target)?;

    // Private data, bound for the whole table as at start (the registry remembers routes).
    let identities: Vec<PluginIdentity> = pairing
        .iter()
        .enumerate()
        .map(|(i, p)| match p {
            Pairing::Keep(j) => state.entries[*j].handle.plugin.identity.clone(),
            Pairing::New(_) => compiled[&i].identity.clone(),
        })
        .collect();
    let own_data = bind_data(shared, &target, identities, opts.adopt, opts.actor).await?;

    // Commit: from here on nothing fails.
    let mut old: Vec<Option<Entry>> = std::mem::take(&mut state.entries).into_iter().map(Some).collect();
    let mut changes = Vec::new();
    let mut entries = Vec::with_capacity(target.mounts.len());
    let mut successors: Vec<(usize, Option<usize>)> = Vec::new();
    for (i, (mount, pairing)) in target.mounts.iter().zip(&pairing).enumerate() {
        match pairing {
            Pairing::Keep(j) => {
                changes.push(Change::new(&mount.route, "unchanged"));
                entries.push(old[*j].take().expect("kept once"));
            }
            Pairing::New(before) => {
                let previous = before.and_then(|j| old[j].as_ref());
                changes.push(Change::new(&mount.route, if previous.is_some() { "changed" } else { "added" }));
                let data = own_data.as_ref().map(|files| files[i].clone());
                entries.push(build(shared, &target, mount, listeners[i].clone(), compiled[&i].clone(), data, previous));
                successors.push((i, *before));
            }
        }
    }
    publish_tables(shared, &entries);

    // The versions that left the table: their requests finish on the handles they hold.
    for (i, before) in successors {
        let from = match before.and_then(|j| old[j].take()) {
            Some(previous) => previous.stop().await,
            None => None,
        };
        start_tasks(&mut entries[i], from);
    }
    for gone in old.into_iter().flatten() {
        changes.push(Change::new(&gone.mount.route, "removed"));
        tracing::info!(route = %gone.mount.route, "mount removed");
        gone.stop().await;
    }
    let listed = entries.iter().map(|e| Listed { mount: e.mount.clone(), listeners: e.listeners.clone(), handle: e.handle.clone() }).collect();
    shared.view.store(Arc::new(listed));
    state.entries = entries;
    state.config = target;
    Ok(changes)
}

/// One wanted mount's component: its hash, and its bytes when they had to be read.
struct Read {
    digest: [u8; 32],
    bytes: Option<Vec<u8>>,
}

/// Reads and hashes each mount's component. A file is read every time (it may have been replaced
/// under the same path); a built-in's bytes never change while the process runs, so a running
/// mount's digest of it is reused.
async fn read_components(state: &State, target: &Config, opts: &Opts) -> Result<Vec<Read>, ControlError> {
    let mut known: HashMap<String, [u8; 32]> = state
        .entries
        .iter()
        .filter(|e| matches!(e.mount.plugin, PluginSource::Builtin(_)))
        .map(|e| (e.mount.plugin.to_string(), e.handle.plugin.digest))
        .collect();
    known.extend(opts.preloaded.iter().map(|(s, p)| (s.to_string(), p.digest)));
    let sources: Vec<(String, PluginSource)> = target.mounts.iter().map(|m| (m.route.clone(), m.plugin.clone())).collect();
    tokio::task::spawn_blocking(move || {
        sources
            .into_iter()
            .map(|(route, source)| {
                if let Some(digest) = known.get(&source.to_string()) {
                    return Ok(Read { digest: *digest, bytes: None });
                }
                let bytes = crate::identity::source_bytes(&source).map_err(|e| ControlError::rejected(format!("mount `{route}`: {e:#}")))?;
                let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&bytes).into();
                Ok(Read { digest, bytes: Some(bytes.into_owned()) })
            })
            .collect()
    })
    .await
    .map_err(|e| ControlError::rejected(format!("reading plugins: {e}")))?
}

/// The pooling allocator was sized at start (with spare slots for live changes); a change that
/// would need more slots, or larger memories, than it has waits for a restart.
fn check_pool(shared: &Shared, target: &Config) -> Result<(), ControlError> {
    let enabled: Vec<&Mount> = target.mounts.iter().filter(|m| m.enabled).collect();
    let needed: u64 = enabled
        .iter()
        .map(|m| u64::from(m.limits.max_concurrent) + u64::from(crate::capabilities::events::granted(&m.grants)))
        .sum();
    if needed > u64::from(shared.pool.instances) {
        return Err(ControlError::invalid(format!(
            "the enabled mounts would need {needed} instance slots (the sum of their limits.max_concurrent, and one per event handler), \
             but the instance pool was sized at start for {}: lower limits.max_concurrent, or save the change in the config file and restart",
            shared.pool.instances
        )));
    }
    if let Some(big) = enabled.iter().find(|m| m.limits.memory_bytes > shared.pool.max_memory_bytes) {
        return Err(ControlError::invalid(format!(
            "mount `{}` allows {} MiB of memory, more than the instance pool was sized for at start ({} MiB): \
             lower limits.memory_mb, or save the change in the config file and restart",
            big.route,
            big.limits.memory_bytes >> 20,
            shared.pool.max_memory_bytes >> 20
        )));
    }
    Ok(())
}

/// Each mount's private database (in mount order), as `serve` binds them at start; `None` without
/// a store. The route in `adopt` settles a conflict by adopting (or declining) the earlier
/// component's data; a conflict anywhere else refuses the change, as it refuses a start.
async fn bind_data(
    shared: &Shared,
    target: &Config,
    identities: Vec<PluginIdentity>,
    adopt: Option<(String, DataChoice)>,
    actor: String,
) -> Result<Option<Vec<DataFile>>, ControlError> {
    use crate::store::registry::{AdoptMode, Conflicts, Registry, bind_config, plan_config};

    let Some(store) = target.store.clone() else { return Ok(None) };
    if shared.services.store.is_none() {
        return Ok(None);
    }
    let target = target.clone();
    let config_path: PathBuf = shared.file.as_ref().map_or_else(|| PathBuf::from("<config file>"), |f| f.path().to_path_buf());
    let bound = tokio::task::spawn_blocking(move || -> Result<Vec<DataFile>, ControlError> {
        let failed = |e: anyhow::Error| ControlError::rejected(format!("binding private data: {e:#}"));
        let (_, conflicts) = plan_config(&target, &identities).map_err(failed)?;
        let (adopted, others): (Vec<_>, Vec<_>) =
            conflicts.into_iter().partition(|c| adopt.as_ref().is_some_and(|(route, _)| &c.route == route));
        if !others.is_empty() {
            return Err(ControlError::rejected(Conflicts(others).explain(&config_path)));
        }
        if let (Some(conflict), Some((route, choice))) = (adopted.first(), &adopt) {
            let index = target.mounts.iter().position(|m| &m.route == route).expect("the adopting route is mounted");
            let mode = match choice {
                DataChoice::Adopt => AdoptMode::Keep,
                DataChoice::Fresh => AdoptMode::Fresh,
            };
            std::fs::create_dir_all(store.dir.join("plugins")).map_err(|e| failed(e.into()))?;
            let entry = Registry::open(&store.dir).and_then(|mut r| r.adopt(route, &identities[index], mode, &actor)).map_err(failed)?;
            tracing::info!(route = %conflict.route, action = %entry.action, before = ?entry.before, after = %entry.after, data = %entry.data_after,
                "hot swap: private data settled");
        }
        bind_config(&target, &identities, &actor).map_err(failed)
    })
    .await
    .map_err(|e| ControlError::rejected(format!("binding private data: {e}")))??;
    Ok(Some(bound))
}

/// A new handle for `mount`, succeeding `previous` (same route) when there is one: its event
/// stream continues when the new plugin runs a handler too, and its gate is shared when the
/// admission limits are the same. Tasks start later ([`start_tasks`]), once the predecessor's have
/// stopped.
fn build(
    shared: &Shared,
    config: &Config,
    mount: &Mount,
    listeners: Vec<String>,
    plugin: LoadedPlugin,
    own_data: Option<DataFile>,
    previous: Option<&Entry>,
) -> Entry {
    let mut context = MountContext::new(mount, shared.services.clone());
    context.own_data = own_data;
    let runs_handler = plugin.event_handler.is_some() && crate::capabilities::events::granted(&mount.grants);
    if runs_handler {
        let carried = previous.and_then(|p| p.handle.context.stream.clone());
        context.stream = Some(carried.unwrap_or_else(|| crate::events::EventStream::new(config.events)));
    } else if plugin.event_handler.is_some() {
        tracing::warn!(route = %mount.route, plugin = %context.plugin,
            "the plugin exports an event handler, but it will not run: add grants.events = true to the mount");
    }
    let gate = match previous {
        Some(p) if p.handle.gate.same_limits(&mount.limits) => p.handle.gate.clone(),
        _ => Arc::new(Gate::new(mount.limits.max_concurrent, mount.limits.queue, mount.limits.queue_timeout)),
    };
    let handle = Arc::new(MountHandle {
        context: Arc::new(context),
        plugin,
        gate,
        warm: Arc::new(runtime::WarmPool::new(mount.limits.reuse, mount.limits.idle_timeout)),
        enabled: mount.enabled,
    });
    log_capabilities(mount, &handle);
    let (stop, _) = watch::channel(false);
    Entry { mount: mount.clone(), listeners, handle, stop, handler: None, evict: None }
}

/// Starts an enabled mount's idle eviction and event handler (from bus sequence `from`, where its
/// predecessor's stopped).
fn start_tasks(entry: &mut Entry, from: Option<u64>) {
    let handle = &entry.handle;
    if !handle.enabled {
        return;
    }
    entry.evict = Some(tokio::spawn(runtime::evict_idle(handle.warm.clone(), handle.context.route.clone(), entry.stop.subscribe())));
    let handler = handle.plugin.event_handler.clone().filter(|_| handle.context.stream.is_some());
    if let Some(handler) = handler {
        entry.handler = Some(tokio::spawn(runtime::run_event_handler(handler, handle.context.clone(), from, entry.stop.subscribe())));
    }
    tracing::info!(route = %entry.mount.route, plugin = %handle.context.plugin, version = %hex(&handle.plugin.digest[..6]), "mount serving");
}

/// Swaps every listener's table for one built from `entries`.
fn publish_tables(shared: &Shared, entries: &[Entry]) {
    for (name, table) in &shared.listeners {
        let mounts = entries.iter().filter(|e| e.listeners.iter().any(|l| l == name)).map(|e| e.handle.clone());
        table.store(Arc::new(MountTable::new(mounts)));
    }
}

/// Says, per capability the plugin imports, whether the mount grants it: a denied one is a warning,
/// since its calls will fail. A plugin that declares its needs (`crate::needs`) gets a warning per
/// need its mount lacks, and the imports it does not declare are one line, as `check` prints them.
fn log_capabilities(mount: &Mount, handle: &MountHandle) {
    let plugin = &handle.context.plugin;
    let needs = handle.plugin.needs.as_deref();
    let mut undeclared = Vec::new();
    for cap in handle.capabilities() {
        if needs.is_some_and(|n| !crate::needs::declares(&n.grants, cap.grant)) {
            undeclared.push(cap.interface);
        } else if cap.granted {
            tracing::info!(route = %mount.route, plugin = %plugin, interface = %cap.interface, "capability requested and granted");
        } else {
            tracing::warn!(route = %mount.route, plugin = %plugin, interface = %cap.interface, grant = cap.grant,
                "capability requested but not granted: its calls will be denied (add grants.{} to the mount)", cap.grant);
        }
    }
    if !undeclared.is_empty() {
        tracing::info!(route = %mount.route, plugin = %plugin, interfaces = %undeclared.join(", "), "imported without a declared need");
    }
    if let Some(needs) = needs {
        for missing in crate::needs::missing(&needs.grants, &mount.grants) {
            tracing::warn!(route = %mount.route, plugin = %plugin, need = %missing, "the plugin declares a need its mount does not grant: its calls will be denied");
        }
    }
}

/// Where a hot swap's component comes from, as a plugin source and the `plugin` text the config
/// file gets; an upload is compiled here (before it is stored) and handed on compiled.
pub(crate) async fn resolve_upload(
    shared: &Shared,
    upload: PluginUpload,
) -> Result<(PluginSource, String, Vec<(PluginSource, LoadedPlugin)>), ControlError> {
    let dir = shared.file.as_ref().map(|f| f.dir().to_path_buf());
    match upload {
        PluginUpload::Builtin(name) => {
            if crate::builtin::find(&name).is_none() {
                return Err(ControlError::rejected(format!("no built-in plugin `{name}` (built-ins: {})", crate::builtin::names().join(", "))));
            }
            Ok((PluginSource::Builtin(name.clone()), name, Vec::new()))
        }
        PluginUpload::File(path) => {
            let path = match (&dir, path.is_absolute()) {
                (Some(dir), false) => dir.join(path),
                _ => std::path::absolute(&path).unwrap_or(path),
            };
            if !path.is_file() {
                return Err(ControlError::rejected(format!("plugin file `{}` does not exist or is not a file", path.display())));
            }
            let text = super::plugin_text(&PluginSource::File(path.clone()), dir.as_deref());
            Ok((PluginSource::File(path), text, Vec::new()))
        }
        PluginUpload::Bytes(bytes) => {
            let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&bytes).into();
            let store_dir = shared.services.store.as_ref().map(|s| s.dir().join("uploads"));
            let uploads = match (&dir, store_dir) {
                (Some(dir), _) => dir.join("plugins"),
                (None, Some(store)) => store,
                (None, None) => std::env::temp_dir().join(format!("switchboard-uploads-{}", std::process::id())),
            };
            let path = uploads.join(format!("sha256-{}.wasm", hex(&digest)));
            let source = PluginSource::File(path.clone());
            let (runtime, checked) = (shared.runtime.clone(), source.clone());
            let plugin = tokio::task::spawn_blocking(move || {
                let plugin = runtime.load_bytes(&checked, &bytes).map_err(|e| ControlError::rejected(format!("{e:#}")))?;
                super::persist::store_upload(&path, &bytes)
                    .map_err(|e| ControlError::persist(format!("storing the uploaded plugin as {}: {e:#}", path.display())))?;
                Ok::<_, ControlError>(plugin)
            })
            .await
            .map_err(|e| ControlError::rejected(format!("compiling: {e}")))??;
            let text = super::plugin_text(&source, dir.as_deref());
            Ok((source.clone(), text, vec![(source, plugin)]))
        }
    }
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
