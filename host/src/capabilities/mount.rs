//! What the host lends: the services behind the capabilities, built once from the config, and
//! each mount's share of them (its grants turned into policies, its settings and limits), which
//! every instance of its plugin holds.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Grants;
use crate::config::{Limits, Mount};

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
    pub auth_throttle: super::auth_throttle::ThrottlePolicy,
    /// The PBX's start, stop and reboot commands (`[pbx_control]`), run one at a time.
    pub pbx_control: Arc<super::pbx_control::PbxControl>,
    /// The host's listeners no plugin may reach through outbound HTTP (the admin listener).
    pub host_only: super::outbound_http::HostOnly,
    /// What the host counts, per mount and host-wide (`/metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Recent plugin failures (traps, timeouts, denials), for the admin API and console.
    pub failures: Arc<crate::failures::Failures>,
    /// Turns true when the server shuts down: what ends the event streams it serves for plugins
    /// (`crate::sse`), which would otherwise hold the graceful shutdown for its whole grace.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

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
    pub outbound: super::outbound_http::OutboundPolicy,
    /// Everything the mount grants.
    pub grants: Grants,
    /// The host's capabilities.
    pub services: Services,
    /// Authorizer policies from `grants.sqlite`.
    pub sqlite: super::sqlite::SqlitePolicies,
    /// The mount's own event stream, when its plugin exports `event-handler` and its grants include
    /// `events = true` (set by the server after loading the plugin).
    pub stream: Option<Arc<crate::events::EventStream>>,
    /// When the mount's event handler asked to be called again without an event (`wake`).
    pub wake: Arc<crate::runtime::Wake>,
    /// The mount's runs that went on past their first slice (see `lane`).
    pub long_runs: Arc<crate::runtime::lane::LongRuns>,
    /// Authentication failures counted for this mount's plugin (`auth-throttle`).
    pub auth_throttle: super::auth_throttle::AuthThrottle,
    /// Request budgets counted for this mount's plugin (`rate-limit`).
    pub rate_limit: super::rate_limit::RateLimiter,
    /// The route's counters: the same value across hot swaps of the route (see
    /// [`crate::metrics::Metrics::mount`]).
    pub metrics: Arc<crate::metrics::MountMetrics>,
}

impl MountContext {
    /// The context of a configured mount.
    pub fn new(mount: &Mount, services: Services) -> Self {
        let policy = services.auth_throttle;
        let plugin: Arc<str> = mount.plugin.name().into();
        let metrics = services.metrics.mount(&mount.route, &plugin);
        MountContext {
            plugin,
            own_data: None,
            route: mount.route.as_str().into(),
            settings: mount.settings.clone(),
            limits: mount.limits,
            outbound: super::outbound_http::OutboundPolicy::new(&mount.grants.outbound_http).refusing(services.host_only.clone()),
            grants: mount.grants.clone(),
            services,
            sqlite: super::sqlite::SqlitePolicies::new(&mount.grants.sqlite),
            stream: None,
            wake: Arc::default(),
            long_runs: Arc::default(),
            auth_throttle: super::auth_throttle::AuthThrottle::new(policy),
            rate_limit: super::rate_limit::RateLimiter::default(),
            metrics,
        }
    }

    /// The capability layer refused this mount's plugin `capability`, `why`: every room calls this
    /// where it denies (through [`crate::failures::Reporter`] or the instance), so that each denial
    /// is both counted in the mount's metrics and kept among the recent failures, in one place.
    /// The caller logs it.
    pub fn denied(&self, capability: crate::metrics::Denial, why: &str, request_id: Option<&str>) {
        self.metrics.denied(capability);
        let message = format!("{} denied: {why}", capability.label());
        self.services.failures.record(&self.route, &self.plugin, crate::failures::FailureKind::Denied, &message, request_id);
    }
}

