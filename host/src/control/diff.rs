//! What a reload may change live, and what it reports as needing a restart.
//!
//! Only the mounts change live. Listeners are bound sockets with their certificates, and the other
//! sections (the AMI link, the store, the event bus, file areas, …) are services every mount shares;
//! restarting one under running requests would cut exactly what live changes exist to protect. A
//! reload therefore applies the mounts and names every other section that differs from what runs.

use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::Serialize;

use crate::config::Config;
use crate::http::MountTable;

/// What a change did to one route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The route.
    pub route: String,
    /// `added`, `removed`, `changed` (a new version, its stream and data carried over) or
    /// `unchanged` (the same handle: warm instances, stream and handler untouched).
    pub what: &'static str,
}

impl Change {
    pub(crate) fn new(route: &str, what: &'static str) -> Self {
        Change { route: route.to_string(), what }
    }
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reload {
    /// Each route of the old and new mounts.
    pub changes: Vec<Change>,
    /// The parts of the file that differ from what runs and take effect at the next restart only.
    pub restart: Vec<String>,
}

/// The config a reload applies: the running config with the mounts of `loaded` that can be served
/// by the running listeners; and what differs that needs a restart.
pub(crate) fn live_part(running: &Config, loaded: Config, listeners: &[(String, Arc<ArcSwap<MountTable>>)]) -> (Config, Vec<String>) {
    let mut restart = Vec::new();
    // Sections compared by their debug form: it shows every field, and several of them hold
    // types that do not implement equality.
    let sections: [(&str, String, String); 9] = [
        ("[[listener]]", format!("{:?}", running.listeners), format!("{:?}", loaded.listeners)),
        ("[ami]", format!("{:?}", running.ami), format!("{:?}", loaded.ami)),
        ("[events]", format!("{:?}", running.events), format!("{:?}", loaded.events)),
        ("[store]", format!("{:?}", running.store), format!("{:?}", loaded.store)),
        ("[areas]", format!("{:?}", running.areas), format!("{:?}", loaded.areas)),
        ("[asterisk]", format!("{:?}", running.asterisk), format!("{:?}", loaded.asterisk)),
        ("[auth_throttle]", format!("{:?}", running.auth_throttle), format!("{:?}", loaded.auth_throttle)),
        ("[pbx_control]", format!("{:?}", running.pbx_control), format!("{:?}", loaded.pbx_control)),
        ("[log]", format!("{:?}", running.log), format!("{:?}", loaded.log)),
    ];
    for (name, before, after) in sections {
        if before != after {
            restart.push(format!("{name} changed: it is read at start only; restart to apply it"));
        }
    }
    // The admin listener is bound once, at start; its token is compared, never printed.
    let admin = |c: &Config| c.admin.as_ref().map(|a| (a.address, a.token.clone(), format!("{:?}", a.tls)));
    if admin(running) != admin(&loaded) {
        restart.push("[admin] changed: the admin listener and its token are read at start only; restart to apply it".to_string());
    }
    if loaded.runtime.cache_dir.is_some() && loaded.runtime.cache_dir != running.runtime.cache_dir {
        restart.push("[runtime] changed: it is read at start only; restart to apply it".to_string());
    }
    let mut mounts = Vec::new();
    for mount in loaded.mounts {
        let missing: Vec<&String> = mount.listeners.iter().filter(|l| !listeners.iter().any(|(n, _)| n == *l)).collect();
        if missing.is_empty() {
            mounts.push(mount);
        } else {
            restart.push(format!(
                "mount `{}` is on listener(s) {} that are not running; it is served after a restart",
                mount.route,
                missing.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    (Config { mounts, ..running.clone() }, restart)
}
