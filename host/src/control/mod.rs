//! STANDIN(live): the whole file. Helper "live" writes the real live mount table here; this stand-in
//! has the signatures of the plan's decision 12 and works on the static mount list the server
//! started with, so the admin API's HTTP layer can be built and tested: `list` and `audit` answer,
//! every change answers 501 `not_implemented`. Signatures as in live's branch (`list`, `persisted`,
//! `config_path`, `audit` synchronous; `reload` answers a `Reload`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::config::Mount;
use crate::http::MountHandle;

/// The live mount table's controls (STANDIN(live)).
#[derive(Clone, Default)]
pub struct Control {
    mounts: Arc<Vec<Static>>,
}

struct Static {
    mount: Mount,
    handle: Arc<MountHandle>,
    listeners: Vec<String>,
    event_handler: bool,
    version: String,
}

/// One mount as the admin sees it (decision 8's `MountStatus`).
#[derive(Debug, Clone, Serialize)]
pub struct MountStatus {
    /// The route.
    pub route: String,
    /// The plugin's name.
    pub plugin: String,
    /// `builtin:x` or the component's path.
    pub source: String,
    /// SHA-256 of the component's bytes, hex.
    pub version: String,
    /// The plugin's identity.
    pub identity: String,
    /// Listener names.
    pub listeners: Vec<String>,
    /// Whether it serves.
    pub enabled: bool,
    /// Requested vs granted.
    pub grants: Vec<GrantStatus>,
    /// Limits, as TOML keys.
    pub limits: serde_json::Value,
    /// Whether its event handler runs.
    pub event_handler: bool,
    /// Live counters.
    pub counters: Counters,
    /// `ok`, `disabled` or `failing`.
    pub health: &'static str,
}

/// One requested capability.
#[derive(Debug, Clone, Serialize)]
pub struct GrantStatus {
    /// WIT interface.
    pub interface: String,
    /// Grant key.
    pub grant: &'static str,
    /// Always true: the plugin imports it.
    pub requested: bool,
    /// Whether the mount grants it.
    pub granted: bool,
}

/// Live counters (STANDIN(live): zero but for `idle_instances`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    /// Requests answered.
    pub requests: u64,
    /// Requests running.
    pub in_flight: u64,
    /// 5xx answers.
    pub errors_5xx: u64,
    /// Instances created.
    pub instantiations: u64,
    /// Requests served by a warm instance.
    pub reuse_hits: u64,
    /// Traps.
    pub traps: u64,
    /// Timeouts.
    pub timeouts: u64,
    /// Idle warm instances now.
    pub idle_instances: u64,
}

/// A plugin to swap in.
#[derive(Debug)]
pub enum PluginUpload {
    /// The component's bytes.
    Bytes(Vec<u8>),
    /// A component file on the server.
    File(PathBuf),
    /// A built-in plugin by name.
    Builtin(String),
}

/// What a swapped-in plugin's private data is.
#[derive(Debug, Clone, Copy)]
pub enum DataChoice {
    /// The route's data.
    Adopt,
    /// Empty.
    Fresh,
}

/// A new mount, with the TOML `[[mount]]` keys.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct MountSpec(pub serde_json::Value);

/// What a reload did.
#[derive(Debug, Serialize)]
pub struct Reload {
    /// Each route.
    pub changes: Vec<Change>,
    /// Parts that need a restart.
    pub restart: Vec<String>,
}

/// One route's fate in a reload.
#[derive(Debug, Serialize)]
pub struct Change {
    /// The route.
    pub route: String,
    /// `added`, `removed`, `changed` or `unchanged`.
    pub what: &'static str,
}

/// A refused change.
#[derive(Debug)]
pub struct ControlError {
    /// HTTP status.
    pub status: u16,
    /// Error code.
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
}

fn not_implemented() -> ControlError {
    ControlError { status: 501, code: "not_implemented", message: "changing the mount table comes with the live mount table (STANDIN)".into() }
}

impl Control {
    /// The static table (STANDIN(live)).
    pub fn standin(mounts: Vec<(Mount, Arc<MountHandle>, Vec<String>, bool)>) -> Control {
        let mounts = mounts
            .into_iter()
            .map(|(mount, handle, listeners, event_handler)| {
                let version = crate::identity::source_bytes(&mount.plugin).map(|b| hex(&sha2::Sha256::digest(&b))).unwrap_or_default();
                Static { mount, handle, listeners, event_handler, version }
            })
            .collect();
        Control { mounts: Arc::new(mounts) }
    }

    /// Every mount.
    pub fn list(&self) -> Vec<MountStatus> {
        self.mounts
            .iter()
            .map(|s| MountStatus {
                route: s.mount.route.clone(),
                plugin: s.mount.plugin.name(),
                source: match &s.mount.plugin {
                    crate::config::PluginSource::Builtin(name) => format!("builtin:{name}"),
                    crate::config::PluginSource::File(path) => path.display().to_string(),
                },
                version: s.version.clone(),
                identity: s.handle.plugin.identity.to_string(),
                listeners: s.listeners.clone(),
                enabled: true,
                grants: s
                    .handle
                    .capabilities()
                    .into_iter()
                    .map(|c| GrantStatus { interface: c.interface, grant: c.grant, requested: true, granted: c.granted })
                    .collect(),
                limits: serde_json::json!({
                    "timeout_ms": s.mount.limits.timeout.as_millis() as u64,
                    "memory_mb": s.mount.limits.memory_bytes >> 20,
                    "max_concurrent": s.mount.limits.max_concurrent,
                    "queue": s.mount.limits.queue,
                    "queue_timeout_ms": s.mount.limits.queue_timeout.as_millis() as u64,
                    "reuse": s.mount.limits.reuse,
                    "idle_timeout_ms": s.mount.limits.idle_timeout.as_millis() as u64,
                    "event_batch_timeout_ms": s.mount.limits.event_batch_timeout.as_millis() as u64,
                }),
                event_handler: s.event_handler,
                counters: Counters { idle_instances: s.handle.warm.idle_count() as u64, ..Counters::default() },
                health: "ok",
            })
            .collect()
    }

    /// Whether changes are written to the config file.
    pub fn persisted(&self) -> bool {
        false
    }

    /// The config file changes are written to.
    pub fn config_path(&self) -> Option<&Path> {
        None
    }

    /// Enables a route.
    pub async fn enable(&self, route: &str, who: &str) -> Result<MountStatus, ControlError> {
        self.change(route, who)
    }

    /// Disables a route.
    pub async fn disable(&self, route: &str, who: &str) -> Result<MountStatus, ControlError> {
        self.change(route, who)
    }

    /// Hot swap.
    pub async fn replace(&self, route: &str, plugin: PluginUpload, data: DataChoice, who: &str) -> Result<MountStatus, ControlError> {
        let _ = (plugin, data);
        self.change(route, who)
    }

    /// Adds a mount.
    pub async fn add(&self, spec: MountSpec, who: &str) -> Result<MountStatus, ControlError> {
        let _ = (spec, who);
        Err(not_implemented())
    }

    /// Removes a mount.
    pub async fn remove(&self, route: &str, who: &str) -> Result<(), ControlError> {
        self.change(route, who).map(|_| ())
    }

    /// Reloads the config file.
    pub async fn reload(&self, who: &str) -> Result<Reload, ControlError> {
        let _ = who;
        Err(not_implemented())
    }

    /// The audit, newest first.
    pub fn audit(&self, limit: usize) -> Vec<serde_json::Value> {
        let _ = limit;
        Vec::new()
    }

    fn change(&self, route: &str, who: &str) -> Result<MountStatus, ControlError> {
        let _ = who;
        if !self.mounts.iter().any(|s| s.mount.route == route) {
            return Err(ControlError { status: 404, code: "no_mount", message: format!("no mount at route {route}") });
        }
        Err(not_implemented())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
