//! What the admin sees of a mount ([`MountStatus`]) and what the audit records of one
//! ([`mount_json`]).

use serde::Serialize;

use super::apply::{Listed, hex};
use crate::config::{Limits, Mount, PluginSource};
use crate::http::MountHandle;

/// One mount as [`super::Control::list`] reports it.
#[derive(Debug, Clone, Serialize)]
pub struct MountStatus {
    /// Route prefix.
    pub route: String,
    /// The plugin's name (built-in name or file stem).
    pub plugin: String,
    /// `builtin:<name>` or the `.wasm` file's path.
    pub source: String,
    /// SHA-256 of the component's bytes, hex.
    pub version: String,
    /// The identity its private data is bound to (`sha256:…` or `builtin:…`).
    pub identity: String,
    /// Listeners it is served on.
    pub listeners: Vec<String>,
    /// `false`: the route answers 503 `mount_disabled`.
    pub enabled: bool,
    /// Each capability the plugin imports that needs a grant, and whether the mount grants it.
    pub grants: Vec<GrantStatus>,
    /// The limits, with the config file's keys.
    pub limits: serde_json::Value,
    /// Whether the plugin's event handler runs for this mount.
    pub event_handler: bool,
    /// Live figures.
    pub counters: Counters,
    /// `ok`, `disabled`, or `failing` (a trap or timeout in the last minute).
    pub health: &'static str,
}

/// A capability requested vs granted.
#[derive(Debug, Clone, Serialize)]
pub struct GrantStatus {
    /// The WIT interface the plugin imports (`switchboard:pbx/ami`).
    pub interface: String,
    /// The `grants` key that lends it.
    pub grant: &'static str,
    /// Always true: only imported interfaces are listed.
    pub requested: bool,
    /// Whether the mount grants it.
    pub granted: bool,
}

/// A mount's live figures: the per-request counts are the route's metrics (they continue across
/// hot swaps), the idle instances are read from the mount's warm pool. Serialized flat:
/// `{"requests", …, "timeouts", "idle_instances"}`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    /// What the route's metrics counted.
    #[serde(flatten)]
    pub counted: crate::metrics::MountCounters,
    /// Warm instances waiting on the idle list now.
    pub idle_instances: u64,
}

/// The status of a running mount.
pub(crate) fn of(listed: &Listed) -> MountStatus {
    let handle = &listed.handle;
    let grants = handle
        .capabilities()
        .into_iter()
        .map(|c| GrantStatus { interface: c.interface, grant: c.grant, requested: true, granted: c.granted })
        .collect();
    let counters = Counters { counted: handle.context.metrics.snapshot(), idle_instances: handle.warm.idle_count() as u64 };
    MountStatus {
        route: listed.mount.route.clone(),
        plugin: handle.context.plugin.to_string(),
        source: source_text(&listed.mount.plugin),
        version: hex(&handle.plugin.digest),
        identity: handle.plugin.identity.to_string(),
        listeners: listed.listeners.clone(),
        enabled: handle.enabled,
        grants,
        limits: limits_json(&listed.mount.limits),
        event_handler: handle.enabled && handle.context.stream.is_some() && handle.plugin.event_handler.is_some(),
        counters,
        health: if !handle.enabled {
            "disabled"
        } else if handle.context.services.failures.failing(&listed.mount.route, std::time::Duration::from_secs(60)) {
            "failing"
        } else {
            "ok"
        },
    }
}

fn source_text(source: &PluginSource) -> String {
    match source {
        PluginSource::Builtin(name) => format!("builtin:{name}"),
        PluginSource::File(path) => path.display().to_string(),
    }
}

/// The limits with the config file's keys.
pub(crate) fn limits_json(limits: &Limits) -> serde_json::Value {
    serde_json::json!({
        "timeout_ms": limits.timeout.as_millis() as u64,
        "memory_mb": limits.memory_bytes >> 20,
        "max_concurrent": limits.max_concurrent,
        "queue": limits.queue,
        "queue_timeout_ms": limits.queue_timeout.as_millis() as u64,
        "reuse": limits.reuse,
        "idle_timeout_ms": limits.idle_timeout.as_millis() as u64,
        "event_batch_timeout_ms": limits.event_batch_timeout.as_millis() as u64,
    })
}

/// A mount as the audit records it. Setting values are shown as a short hash: enough to see that
/// one changed, without copying a secret read from the environment into the audit file.
pub(crate) fn mount_json(mount: &Mount, handle: &MountHandle) -> serde_json::Value {
    let settings: serde_json::Map<String, serde_json::Value> = mount
        .settings
        .iter()
        .map(|(k, v)| {
            let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(v.as_bytes()).into();
            (k.clone(), format!("sha256:{}", hex(&digest[..6])).into())
        })
        .collect();
    serde_json::json!({
        "route": mount.route,
        "plugin": source_text(&mount.plugin),
        "version": hex(&handle.plugin.digest),
        "listeners": mount.listeners,
        "enabled": mount.enabled,
        "settings": settings,
        "grants": format!("{:?}", mount.grants),
        "limits": limits_json(&mount.limits),
    })
}
