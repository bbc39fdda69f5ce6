//! The `rate-limit` interface's host side: the mount's counters keyed on the current request's
//! client address, which the listener resolved and the plugin cannot choose.

use std::time::{Duration, Instant};

use wasmtime::component::HasSelf;

use crate::capabilities::Capability;
use crate::capabilities::bindings::rate_limit::{self as wit, Host, RateDecision};
use crate::runtime::InstanceState;

/// `rate-limit`: every plugin may count hits against its own mount.
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/rate-limit"],
    grant: None,
    granted: |_| true,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

impl Host for InstanceState {
    fn hit(&mut self, name: String, limit: u32, window_seconds: u32) -> RateDecision {
        let window = Duration::from_secs(u64::from(window_seconds));
        let decision = self.mount.rate_limit.hit(&name, self.client_addr, limit, window, Instant::now());
        if !decision.allowed {
            tracing::debug!(plugin = &*self.mount.plugin, route = &*self.mount.route, client = ?self.client_addr,
                budget = %name, limit, "rate limit reached");
        }
        // Whole seconds, rounded up: a window that ends within the next second still says "wait".
        let reset_seconds = u32::try_from(decision.reset.as_millis().div_ceil(1000)).unwrap_or(u32::MAX).max(1);
        RateDecision { allowed: decision.allowed, limit: decision.limit, remaining: decision.remaining, reset_seconds }
    }
}
