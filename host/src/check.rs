//! `switchboard check`, as one function: validates a configuration, then loads every plugin and
//! says which capabilities it requests and whether its mount grants them, what each mount's
//! private data would be, and each mount's memory bound.
//!
//! The command line and the admin API (`POST /admin/api/check`) both call [`check_text`] (the
//! command through [`check_file`]) and only render its [`CheckReport`] differently — text for a
//! terminal, JSON for the API and `check --json` — so the two can never disagree about a file.

use std::path::Path;

use serde::Serialize;

use crate::config::{self, Config, RuntimeOptions};
use crate::identity::PluginIdentity;
use crate::runtime::{MemoryBound, PoolSize, Runtime};
use crate::store::registry::{Conflicts, Decision, plan_config};

/// What a check found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckReport {
    /// No problem at all: the file would serve as it is.
    pub ok: bool,
    /// Every problem, one line each: located configuration problems (`file:line:column: …`), routes
    /// that would lose their private data, plugins that cannot be loaded.
    pub errors: Vec<String>,
    /// The listeners (empty when the file itself is invalid).
    pub listeners: Vec<ListenerReport>,
    /// The mounts, in file order (empty when the file itself is invalid).
    pub mounts: Vec<MountReport>,
    /// The sum of the mounts' memory bounds, in bytes.
    pub worst_case_memory_bytes: u64,
    /// Whether the file parsed and validated (the later stages only run when it did).
    #[serde(skip)]
    valid: bool,
    /// How many routes would lose their private data (their explanation is in `errors`).
    #[serde(skip)]
    conflicts: usize,
    /// How many lines of `errors` explain them.
    #[serde(skip)]
    conflict_lines: usize,
}

/// One listener of the checked file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListenerReport {
    /// Its name.
    pub name: String,
    /// `http://IP:PORT` or `https://IP:PORT`.
    pub url: String,
    /// Its certificate file, when it speaks HTTPS.
    pub certificate: Option<String>,
    /// Whether that certificate is self-signed (generated on first start if missing).
    pub self_signed: bool,
}

/// One mount of the checked file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MountReport {
    /// The route.
    pub route: String,
    /// The plugin: a built-in's name with `(built-in)`, or the component file.
    pub plugin: String,
    /// Who the plugin is (`builtin:x` or `sha256:…`), when its bytes could be read.
    pub identity: Option<String>,
    /// The private database it would open, when the file has a `[store]`.
    pub data: Option<String>,
    /// Live instances at most.
    pub memory_instances: u64,
    /// Bytes one instance may hold at most.
    pub memory_per_instance_bytes: u64,
    /// Capabilities the plugin imports that need a grant, and whether the mount grants them.
    pub capabilities: Vec<CapabilityReport>,
    /// The grants the plugin declares it needs (its `switchboard:needs` section, as written), when
    /// it declares them.
    pub needs: Option<String>,
    /// Each declared need this mount does not grant (`grants.ami: Originate`): what
    /// `check --strict` fails on.
    pub missing: Vec<String>,
    /// `Some(runs)` when the plugin exports an event handler: whether it would run (`grants.events`).
    pub event_handler: Option<bool>,
    /// Why the plugin could not be loaded, when it could not.
    pub load_error: Option<String>,
}

/// A capability a plugin requests.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CapabilityReport {
    /// The WIT interface (`switchboard:pbx/ami`).
    pub interface: String,
    /// The `grants` key that lends it.
    pub grant: String,
    /// Whether the mount grants it.
    pub granted: bool,
    /// `Some(false)` when the plugin declares its needs and none of them is under this grant: an
    /// interface its runtime imports that it does not use. `None` without a declaration.
    pub declared: Option<bool>,
}

/// Checks the configuration file at `path`.
pub fn check_file(path: &Path) -> CheckReport {
    match std::fs::read_to_string(path) {
        Ok(text) => check_text(&text, path),
        Err(e) => failed(vec![format!("{}: cannot read the file: {e}", path.display())]),
    }
}

/// Checks configuration `text` as if it were the file at `path` (which names it in messages and
/// anchors its relative paths). Compiles every plugin: call it off the async runtime.
pub fn check_text(text: &str, path: &Path) -> CheckReport {
    match config::parse(text, path) {
        Ok(config) => check_config(&config, path),
        Err(error) => failed(error.0.iter().map(ToString::to_string).collect()),
    }
}

fn failed(errors: Vec<String>) -> CheckReport {
    CheckReport { ok: false, errors, listeners: Vec::new(), mounts: Vec::new(), worst_case_memory_bytes: 0, valid: false, conflicts: 0, conflict_lines: 0 }
}

fn check_config(config: &Config, path: &Path) -> CheckReport {
    let mut report = CheckReport { valid: true, ..failed(Vec::new()) };
    // Compile without touching the admin's cache directory: a check must not need write access.
    let runtime = match Runtime::new(&RuntimeOptions { cache_dir: None }, PoolSize::for_mounts(&config.mounts)) {
        Ok(runtime) => Some(runtime),
        Err(e) => {
            report.errors.push(format!("cannot start the wasm engine: {e:#}"));
            None
        }
    };
    // Identities first: a route that would lose data fails the check like it fails `serve`.
    let identities: Vec<Option<PluginIdentity>> = config.mounts.iter().map(|m| PluginIdentity::read(&m.plugin).ok()).collect();
    let decisions = match identities.iter().cloned().collect::<Option<Vec<_>>>() {
        Some(known) if config.store.is_some() => match plan_config(config, &known) {
            Ok((decisions, conflicts)) => {
                report.conflicts = conflicts.len();
                if !conflicts.is_empty() {
                    let explained = Conflicts(conflicts).explain(path);
                    report.conflict_lines = explained.lines().count();
                    report.errors.extend(explained.lines().map(|l| format!("{}: {l}", path.display())));
                }
                decisions
            }
            Err(e) => {
                report.errors.push(format!("{}: reading the plugin registry: {e:#}", path.display()));
                Vec::new()
            }
        },
        _ => Vec::new(),
    };
    for listener in &config.listeners {
        let scheme = if listener.tls.is_some() { "https" } else { "http" };
        report.listeners.push(ListenerReport {
            name: listener.name.clone(),
            url: format!("{scheme}://{}", listener.address),
            certificate: listener.tls.as_ref().map(|tls| tls.cert.display().to_string()),
            self_signed: listener.tls.as_ref().is_some_and(|tls| tls.self_signed),
        });
    }
    for (i, mount) in config.mounts.iter().enumerate() {
        let bound = MemoryBound::for_mount(mount);
        report.worst_case_memory_bytes = report.worst_case_memory_bytes.saturating_add(bound.total());
        let data = match decisions.get(i) {
            Some(Decision::Bound(file)) => Some(file.to_string()),
            Some(Decision::New) => Some("new (empty)".into()),
            Some(Decision::Migrated(file)) => Some(format!("{file} (migrated from its file-name key on first serve)")),
            None => None,
        };
        let mut entry = MountReport {
            route: mount.route.clone(),
            plugin: mount.plugin.to_string(),
            identity: identities[i].as_ref().map(ToString::to_string),
            data,
            memory_instances: bound.instances,
            memory_per_instance_bytes: bound.per_instance,
            capabilities: Vec::new(),
            needs: None,
            missing: Vec::new(),
            event_handler: None,
            load_error: None,
        };
        match runtime.as_ref().map(|runtime| runtime.load(&mount.plugin)) {
            Some(Ok(plugin)) => {
                let needs = plugin.needs.as_deref();
                entry.capabilities = plugin
                    .capabilities(&mount.grants)
                    .into_iter()
                    .map(|cap| CapabilityReport {
                        declared: needs.map(|n| crate::needs::declares(&n.grants, cap.grant)),
                        interface: cap.interface,
                        grant: cap.grant.to_string(),
                        granted: cap.granted,
                    })
                    .collect();
                if let Some(needs) = needs {
                    entry.needs = Some(needs.text.clone());
                    entry.missing = crate::needs::missing(&needs.grants, &mount.grants);
                }
                entry.event_handler =
                    plugin.event_handler.is_some().then(|| crate::capabilities::events::granted(&mount.grants));
            }
            Some(Err(e)) => {
                let why = format!("{e:#}");
                report.errors.push(format!("mount {}: cannot load: {why}", mount.route));
                entry.load_error = Some(why);
            }
            None => {}
        }
        report.mounts.push(entry);
    }
    report.ok = report.errors.is_empty();
    report
}

impl CheckReport {
    /// The report of `check --strict`: also a problem, each mount's declared need its grants do not
    /// lend — or, for a plugin that declares none, each capability it imports and is not granted.
    pub fn strict(mut self) -> CheckReport {
        for mount in &self.mounts {
            if mount.needs.is_some() {
                for missing in &mount.missing {
                    self.errors.push(format!("mount {}: the plugin needs {missing}, which the mount does not grant", mount.route));
                }
            } else {
                for cap in mount.capabilities.iter().filter(|cap| !cap.granted) {
                    self.errors.push(format!(
                        "mount {}: the plugin imports {} and declares no needs; the mount does not grant grants.{}",
                        mount.route, cap.interface, cap.grant
                    ));
                }
            }
        }
        self.ok = self.errors.is_empty();
        self
    }

    /// The report as `switchboard check` prints it: what goes to standard output, what goes to
    /// standard error, and the final error when the check failed.
    pub fn render(&self, path: &Path) -> (String, String, Option<String>) {
        let (mut out, mut err) = (String::new(), String::new());
        if !self.valid {
            for problem in &self.errors {
                err.push_str(&format!("{problem}\n"));
            }
            return (out, err, Some(format!("{} problem(s) found in {}", self.errors.len(), path.display())));
        }
        let mounts_failed = self.mounts.iter().filter(|m| m.load_error.is_some()).count();
        for line in self.errors.iter().filter(|e| !e.starts_with("mount ") || !e.contains(": cannot load: ")) {
            err.push_str(&format!("{line}\n"));
        }
        out.push_str(&format!("{}: {} listener(s), {} mount(s)\n", path.display(), self.listeners.len(), self.mounts.len()));
        for listener in &self.listeners {
            match &listener.certificate {
                None => out.push_str(&format!("  listener {}: {}\n", listener.name, listener.url)),
                Some(cert) if listener.self_signed => out.push_str(&format!(
                    "  listener {}: {} (self-signed certificate {cert}, generated on first start if missing)\n",
                    listener.name, listener.url
                )),
                Some(cert) => out.push_str(&format!("  listener {}: {} (certificate {cert})\n", listener.name, listener.url)),
            }
        }
        for mount in &self.mounts {
            out.push_str(&format!("  {} -> {}\n", mount.route, mount.plugin));
            if let Some(identity) = &mount.identity {
                let data = mount.data.as_ref().map_or_else(String::new, |d| match d.as_str() {
                    "new (empty)" => ", private data: new (empty)".to_string(),
                    file => format!(", private data {file}"),
                });
                out.push_str(&format!("      identity: {identity}{data}\n"));
            }
            out.push_str(&format!(
                "      memory: at most {} instance(s) x {} = {}\n",
                mount.memory_instances,
                mib(mount.memory_per_instance_bytes),
                mib(mount.memory_instances.saturating_mul(mount.memory_per_instance_bytes))
            ));
            if let Some(why) = &mount.load_error {
                out.push_str(&format!("      cannot load: {why}\n"));
                continue;
            }
            if mount.capabilities.is_empty() {
                out.push_str("      requests: nothing that needs a grant\n");
            }
            for cap in mount.capabilities.iter().filter(|cap| cap.declared != Some(false)) {
                let verdict = if cap.granted { "granted" } else { "NOT granted: calls will be denied" };
                out.push_str(&format!("      requests {} (grants.{}): {verdict}\n", cap.interface, cap.grant));
            }
            // A JavaScript or Python runtime imports every interface; a declaration says which
            // of them the plugin uses, and the rest is one line, not a warning each.
            let unused: Vec<&str> =
                mount.capabilities.iter().filter(|cap| cap.declared == Some(false)).map(|cap| cap.interface.as_str()).collect();
            if !unused.is_empty() {
                out.push_str(&format!("      also imports, without declaring a need: {}\n", unused.join(", ")));
            }
            if mount.needs.is_some() {
                if mount.missing.is_empty() {
                    out.push_str("      declared needs: all granted\n");
                }
                for missing in &mount.missing {
                    out.push_str(&format!("      needs {missing}: NOT granted\n"));
                }
            }
            if let Some(runs) = mount.event_handler {
                let verdict = if runs { "runs on every bus event" } else { "NOT run: needs grants.events = true" };
                out.push_str(&format!("      exports {}: {verdict}\n", crate::runtime::EVENT_HANDLER_EXPORT));
            }
        }
        out.push_str(&format!(
            "worst-case plugin memory: {} (each mount's live instances x (memory_mb + tables + stack)); the host's own memory comes on top\n",
            mib(self.worst_case_memory_bytes)
        ));
        if self.ok {
            out.push_str("ok\n");
            return (out, err, None);
        }
        // A conflict counts once however many lines explain it; other errors (the registry
        // unreadable, the engine not starting) once each.
        let other = self.errors.len() - mounts_failed - self.conflict_lines;
        let problems = self.conflicts + mounts_failed + other;
        (out, err, Some(format!("{problems} problem(s): plugins that could not be loaded, routes that would lose their private data, or (with --strict) needs not granted")))
    }
}

/// Bytes as MiB, for the admin.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}
