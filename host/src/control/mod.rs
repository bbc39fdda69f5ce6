//! Live changes to the mount table: list, enable, disable, hot-swap, add, remove and reload, each
//! while the server keeps serving. The admin API and CLI call [`Control`]; `serve` calls
//! [`Control::reload`] on SIGHUP.
//!
//! Why the table is one value: each listener serves from an `ArcSwap<MountTable>`, and a request
//! reads it once and clones the `Arc<MountHandle>` it routes to (`crate::http`). A change builds
//! a whole new table and swaps it in; a request or long-poll already running keeps the handle it
//! holds and finishes on that version, and the old handle is dropped when its last request ends.
//! Nothing on the request path takes a lock.
//!
//! What a change keeps: it is computed as the difference between the mounts running and the mounts
//! wanted ([`apply`]). A mount whose configuration and component bytes are unchanged keeps the
//! very same handle, so its warm instances, event stream, event-handler task and counters go on as
//! if nothing happened. A changed mount gets a new handle; its old event handler is stopped by the
//! mount's own stop signal and the new one continues from the bus event where the old one stopped,
//! feeding the same stream (sequence numbers continue); its gate is handed over when its limits did
//! not change, so requests still running on the old version count against the route's
//! `max_concurrent` (and the instance pool slots it was sized for).
//!
//! What a refusal leaves: everything is checked and compiled before anything is swapped, so a
//! plugin that does not compile, is not a component, exports no HTTP handler, or whose route's
//! private data would be lost leaves the old version serving, and the caller gets the located error.
//!
//! One change at a time: an async mutex serializes changes (a compile may take seconds; readers of
//! [`Control::list`] read a published snapshot and never wait for it).
//!
//! Persistence ([`persist`]): with a config file, every change made through [`Control`] rewrites it
//! atomically with `toml_edit`, keeping the admin's comments and order, so it survives a restart;
//! uploaded components are kept as `<config dir>/plugins/sha256-<hex>.wasm`. Without a config file
//! (the demo) changes live in memory only. Every change, refused ones too, is appended to the audit
//! ([`audit`]).

mod apply;
mod audit;
mod diff;
mod persist;
mod spec;
mod status;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::Serialize;

use crate::capabilities::Services;
use crate::config::{Config, PluginSource, normalize_route};
use crate::http::MountTable;
use crate::runtime::{PoolSize, Runtime};

pub use self::audit::AuditEntry;
pub use self::diff::{Change, Reload};
pub use self::spec::MountSpec;
pub use self::status::{Counters, GrantStatus, MountStatus};

use self::apply::{Entry, Listed, Opts, State};
use self::audit::Audit;
use self::persist::ConfigFile;

/// Where a hot swap's new component comes from.
#[derive(Debug, Clone)]
pub enum PluginUpload {
    /// The component's bytes (an upload); kept as `<config dir>/plugins/sha256-<hex>.wasm`.
    Bytes(Vec<u8>),
    /// A `.wasm` file on the server's disk, mounted from where it is.
    File(PathBuf),
    /// A plugin built into the binary, by name.
    Builtin(String),
}

/// What a hot-swapped plugin opens as its private database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataChoice {
    /// The data of the component that ran at the route before (the default: replacing a route's
    /// plugin is an upgrade of that route), recorded in the registry's audit as `adopt`.
    #[default]
    Adopt,
    /// An empty database; the earlier component's stays on disk, still bound to it.
    Fresh,
}

/// Why a change was refused; `status` and `code` are what the admin API answers with.
#[derive(Debug, Clone, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct ControlError {
    /// HTTP status: 404, 409, 422 or 500.
    pub status: u16,
    /// `no_mount`, `route_exists`, `plugin_rejected`, `invalid_mount` or `persist_failed`.
    pub code: &'static str,
    /// What went wrong, located (file:line:column, or the error chain of a failed compile).
    pub message: String,
}

impl ControlError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ControlError { status, code, message: message.into() }
    }

    pub(crate) fn no_mount(route: &str) -> Self {
        Self::new(404, "no_mount", format!("no mount at route `{route}`"))
    }

    pub(crate) fn route_exists(message: impl Into<String>) -> Self {
        Self::new(409, "route_exists", message)
    }

    pub(crate) fn rejected(message: impl Into<String>) -> Self {
        Self::new(422, "plugin_rejected", message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(422, "invalid_mount", message)
    }

    pub(crate) fn persist(message: impl Into<String>) -> Self {
        Self::new(500, "persist_failed", message)
    }
}

/// The live mount table and its operations. Cheap to clone; every clone controls the same server.
#[derive(Clone)]
pub struct Control {
    shared: Arc<Shared>,
}

/// What every operation needs.
pub(crate) struct Shared {
    runtime: Arc<Runtime>,
    services: Services,
    /// The instance pool as sized at start: a change that needs more slots or larger memories
    /// needs a restart.
    pool: PoolSize,
    /// Each listener's name and live table, in config order.
    listeners: Vec<(String, Arc<ArcSwap<MountTable>>)>,
    /// The config file changes are persisted to; `None`: in memory only.
    file: Option<ConfigFile>,
    audit: Audit,
    /// The mounts running; held for the whole of a change.
    state: tokio::sync::Mutex<State>,
    /// What [`Control::list`] reads: published after each change.
    view: ArcSwap<Vec<Listed>>,
}

impl Control {
    /// Builds every mount of `config` and the listeners' tables (the listeners themselves are
    /// bound by the server). `file` is where `config` was read from, if anywhere: changes are
    /// written back to it and the audit goes beside it.
    pub(crate) async fn start(
        config: &Config,
        file: Option<PathBuf>,
        runtime: Arc<Runtime>,
        services: Services,
        pool: PoolSize,
    ) -> anyhow::Result<Control> {
        let listeners = config.listeners.iter().map(|l| (l.name.clone(), Arc::new(ArcSwap::from_pointee(MountTable::default())))).collect();
        let audit = Audit::new(file.as_deref().map(audit::file_beside));
        let shared = Arc::new(Shared {
            runtime,
            services,
            pool,
            listeners,
            file: file.map(ConfigFile::new),
            audit,
            state: tokio::sync::Mutex::new(State { config: Config { mounts: Vec::new(), ..config.clone() }, entries: Vec::new() }),
            view: ArcSwap::from_pointee(Vec::new()),
        });
        {
            let mut state = shared.state.lock().await;
            let actor = format!("switchboard serve, {}", crate::store::registry::os_actor());
            apply::transition(&shared, &mut state, config.clone(), Opts { actor, ..Opts::default() })
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        }
        Ok(Control { shared })
    }

    /// The live table listener `name` serves.
    pub(crate) fn table(&self, name: &str) -> Option<Arc<ArcSwap<MountTable>>> {
        self.shared.listeners.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())
    }

    /// Every mount, in config order, with its version, grants, limits and live counters.
    pub fn list(&self) -> Vec<MountStatus> {
        self.shared.view.load().iter().map(status::of).collect()
    }

    /// Whether changes are written to a config file (else they last until the process ends).
    pub fn persisted(&self) -> bool {
        self.shared.file.is_some()
    }

    /// The config file changes are written to.
    pub fn config_path(&self) -> Option<&Path> {
        self.shared.file.as_ref().map(|f| f.path())
    }

    /// The newest `limit` audit entries, newest first.
    pub fn audit(&self, limit: usize) -> Vec<AuditEntry> {
        self.shared.audit.recent(limit)
    }

    /// Serves the route again (a no-op when it is enabled).
    pub async fn enable(&self, route: &str, who: &str) -> Result<MountStatus, ControlError> {
        self.set_enabled(route, true, who).await
    }

    /// Keeps the route in the table but answers 503 `mount_disabled` there: unmounting it would
    /// hand its paths to a shorter route's plugin. A disabled mount keeps no instance warm and runs
    /// no event handler.
    pub async fn disable(&self, route: &str, who: &str) -> Result<MountStatus, ControlError> {
        self.set_enabled(route, false, who).await
    }

    async fn set_enabled(&self, route: &str, enabled: bool, who: &str) -> Result<MountStatus, ControlError> {
        let what = if enabled { "enable" } else { "disable" };
        let route = clean_route(route)?;
        self.change(who, what, &route, |_, state| {
            let index = state.only(&route)?;
            let mut target = state.config.clone();
            target.mounts[index].enabled = enabled;
            Ok((target, persist::Edit::Enabled { route: route.clone(), enabled }))
        })
        .await?;
        self.status_of(&route)
    }

    /// Hot-swaps the route's plugin for `plugin`. The new component is compiled and checked first;
    /// a refusal (422 `plugin_rejected`) leaves the old one serving. Requests already running
    /// finish on the old version; new ones get the new. `data` says what the new component opens
    /// as its private database when it is not the one that owned the route's data.
    pub async fn replace(&self, route: &str, plugin: PluginUpload, data: DataChoice, who: &str) -> Result<MountStatus, ControlError> {
        let route = clean_route(route)?;
        let (shared, actor, at) = (self.shared.clone(), who.to_string(), route.clone());
        self.change_async(who, "replace", &route, move |state| {
            Box::pin(async move {
                let index = state.only(&at)?;
                let (source, text, preloaded) = apply::resolve_upload(&shared, plugin).await?;
                let mut target = state.config.clone();
                target.mounts[index].plugin = source;
                let opts = Opts { preloaded, adopt: Some((at.clone(), data)), actor };
                Ok((target, persist::Edit::Plugin { route: at, plugin: text }, opts))
            })
        })
        .await?;
        self.status_of(&route)
    }

    /// Mounts `spec` (the `[[mount]]` keys as JSON), validated as the config file's own mounts are.
    /// 409 `route_exists` when the route is mounted on one of its listeners already; 422
    /// `invalid_mount` for anything else wrong with it, such as a listener that does not exist.
    pub async fn add(&self, spec: MountSpec, who: &str) -> Result<MountStatus, ControlError> {
        let route = clean_route(&spec.route)?;
        let shared = self.shared.clone();
        self.change(who, "add", &route, |_, state| {
            let mount = spec.validate(&state.config, shared.file.as_ref().map(|f| f.dir()))?;
            let listeners = apply::resolve_listeners(&shared, &mount);
            let taken: Vec<&Entry> = state.entries.iter().filter(|e| e.mount.route == mount.route && e.listeners.iter().any(|l| listeners.contains(l))).collect();
            if !taken.is_empty() {
                return Err(ControlError::route_exists(format!(
                    "route `{}` is already mounted on listener(s) {}; replace its plugin or remove it first",
                    mount.route,
                    taken.iter().flat_map(|e| e.listeners.iter().map(|l| format!("`{l}`"))).collect::<Vec<_>>().join(", ")
                )));
            }
            let mut target = state.config.clone();
            target.mounts.push(mount);
            Ok((target, persist::Edit::Add { table: spec.to_toml() }))
        })
        .await?;
        self.status_of(&route)
    }

    /// Unmounts the route: its paths go to the next shorter route (or 404). Requests already
    /// running finish; its event handler stops.
    pub async fn remove(&self, route: &str, who: &str) -> Result<(), ControlError> {
        let route = clean_route(route)?;
        self.change(who, "remove", &route, |_, state| {
            let index = state.only(&route)?;
            let mut target = state.config.clone();
            target.mounts.remove(index);
            Ok((target, persist::Edit::Remove { route: route.clone() }))
        })
        .await
    }

    /// Reads the config file again and applies the difference to the mounts: unchanged mounts keep
    /// running untouched. Listeners and the other sections are read at start only; the answer
    /// lists the parts that differ and need a restart, and the rest is applied. Without a config
    /// file there is nothing to reload (422).
    pub async fn reload(&self, who: &str) -> Result<Reload, ControlError> {
        let Some(file) = &self.shared.file else {
            let error = ControlError::invalid("this server was started without a config file; there is nothing to reload");
            self.shared.audit.record(who, "reload", None, None, None, &Err(error.clone()));
            return Err(error);
        };
        let mut state = self.shared.state.lock().await;
        let before = serde_json::Value::Array(state.entries.iter().map(|e| status::mount_json(&e.mount, &e.handle)).collect());
        let result = async {
            let path = file.path().to_path_buf();
            let loaded = tokio::task::spawn_blocking(move || crate::config::load(&path))
                .await
                .map_err(|e| ControlError::invalid(e.to_string()))?
                .map_err(|e| ControlError::invalid(e.to_string()))?;
            let (target, restart) = diff::live_part(&state.config, loaded, &self.shared.listeners);
            let opts = Opts { actor: who.to_string(), ..Opts::default() };
            let changes = apply::transition(&self.shared, &mut state, target, opts).await?;
            Ok(Reload { changes, restart })
        }
        .await;
        let after = result.is_ok().then(|| serde_json::Value::Array(state.entries.iter().map(|e| status::mount_json(&e.mount, &e.handle)).collect()));
        self.shared.audit.record(who, "reload", None, Some(before), after, &result.as_ref().map(|_| ()).map_err(Clone::clone));
        result
    }

    /// Stops every mount's tasks (event handlers, idle eviction) and waits for them; the server
    /// calls this on shutdown.
    pub(crate) async fn shutdown(&self) {
        let mut state = self.shared.state.lock().await;
        let entries = std::mem::take(&mut state.entries);
        for entry in entries {
            entry.stop().await;
        }
    }

    fn status_of(&self, route: &str) -> Result<MountStatus, ControlError> {
        self.shared.view.load().iter().find(|l| l.mount.route == route).map(status::of).ok_or_else(|| ControlError::no_mount(route))
    }

    /// One synchronous-edit change: see [`Control::change_async`].
    async fn change(
        &self,
        who: &str,
        what: &'static str,
        route: &str,
        edit: impl FnOnce(&Shared, &State) -> Result<(Config, persist::Edit), ControlError>,
    ) -> Result<(), ControlError> {
        let shared = self.shared.clone();
        let actor = who.to_string();
        self.change_async(who, what, route, move |state| {
            let result = edit(&shared, state).map(|(target, edit)| (target, edit, Opts { actor, ..Opts::default() }));
            Box::pin(async move { result })
        })
        .await
    }

    /// Runs one change under the lock: `plan` says what the mounts should become and how to say it
    /// in the config file; the difference is applied live, then written to the file; the whole is
    /// audited with the route's mount before and after.
    async fn change_async<F>(&self, who: &str, what: &'static str, route: &str, plan: F) -> Result<(), ControlError>
    where
        F: for<'a> FnOnce(&'a State) -> futures::future::BoxFuture<'a, Result<(Config, persist::Edit, Opts), ControlError>>,
    {
        let mut state = self.shared.state.lock().await;
        let before = state.mount_json(route);
        let result = async {
            let (target, edit, opts) = plan(&state).await?;
            // The file's edit is made and checked before anything changes live, so a change that
            // could not be saved is refused rather than applied and lost at the next restart.
            let mut target = target;
            let text = match &self.shared.file {
                Some(file) => {
                    let (text, parsed) = file.edited(&edit)?;
                    // The mount as the file will read at the next start (defaults that depend on
                    // the plugin's kind, such as `limits.reuse`, included), so a restart changes
                    // nothing that the live change did not.
                    if let Some(mount) = parsed.mounts.into_iter().find(|m| m.route == route) {
                        if let Some(live) = target.mounts.iter_mut().find(|m| m.route == route) {
                            *live = mount;
                        }
                    }
                    Some(text)
                }
                None => None,
            };
            apply::transition(&self.shared, &mut state, target, opts).await?;
            if let (Some(file), Some(text)) = (&self.shared.file, text) {
                file.write(&text).map_err(|e| {
                    ControlError::persist(format!("the change is live, but writing {} failed (it will not survive a restart): {e:#}", file.path().display()))
                })?;
            }
            Ok(())
        }
        .await;
        let after = if result.is_ok() { state.mount_json(route) } else { before.clone() };
        self.shared.audit.record(who, what, Some(route), before, after, &result);
        result
    }
}

/// A route as the config normalizes it, or 404 for one that cannot be mounted at all.
fn clean_route(route: &str) -> Result<String, ControlError> {
    normalize_route(route).map_err(|_| ControlError::no_mount(route))
}

impl State {
    /// The index of the one mount at `route`: 404 when there is none, 422 when the route is mounted
    /// more than once (different plugins on different listeners), which only the config file can
    /// tell apart.
    pub(crate) fn only(&self, route: &str) -> Result<usize, ControlError> {
        let found: Vec<usize> = self.config.mounts.iter().enumerate().filter(|(_, m)| m.route == route).map(|(i, _)| i).collect();
        match found.as_slice() {
            [] => Err(ControlError::no_mount(route)),
            [one] => Ok(*one),
            _ => Err(ControlError::invalid(format!(
                "route `{route}` is mounted {} times (on different listeners); change it in the config file and reload",
                found.len()
            ))),
        }
    }

    /// The route's mount as the audit records it (`None`: not mounted).
    fn mount_json(&self, route: &str) -> Option<serde_json::Value> {
        self.entries.iter().find(|e| e.mount.route == route).map(|e| status::mount_json(&e.mount, &e.handle))
    }
}

/// The text a mount's `plugin` key gets for `source`: relative to the config file's directory when
/// the file is under it (as `config::parse` resolves it back), else absolute.
pub(crate) fn plugin_text(source: &PluginSource, dir: Option<&Path>) -> String {
    match source {
        PluginSource::Builtin(name) => name.clone(),
        PluginSource::File(path) => match dir.and_then(|d| path.strip_prefix(d).ok()) {
            Some(relative) if relative.to_string_lossy().ends_with(".wasm") => relative.display().to_string(),
            _ => path.display().to_string(),
        },
    }
}
