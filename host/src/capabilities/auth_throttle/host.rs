//! The `auth-throttle` interface's host side: the mount's failure counts keyed on the current
//! request's client address, which the listener resolved and the plugin cannot choose.

use std::time::{Duration, Instant};

use wasmtime::component::HasSelf;

use crate::capabilities::Capability;
use crate::capabilities::bindings::auth_throttle::{self as wit, Host};
use crate::runtime::InstanceState;

/// `auth-throttle`: every plugin may count failures against its own mount.
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/auth-throttle"],
    grant: None,
    granted: |_| true,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

fn millis(wait: Duration) -> u64 {
    // A lock that ends within the next millisecond still says "wait", not "go".
    u64::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(u64::MAX)
}

impl Host for InstanceState {
    fn check(&mut self, principal: Option<String>) -> u64 {
        millis(self.mount.auth_throttle.check(self.client_addr, principal.as_deref(), Instant::now()))
    }

    fn failure(&mut self, principal: Option<String>) -> u64 {
        let lock = self.mount.auth_throttle.failure(self.client_addr, principal.as_deref(), Instant::now());
        if !lock.is_zero() {
            // Who and how long, never what was tried.
            tracing::warn!(plugin = &*self.mount.plugin, route = &*self.mount.route,
                client = ?self.client_addr, lock_ms = millis(lock), "authentication failures: client or principal locked out");
        }
        millis(lock)
    }

    fn success(&mut self, principal: Option<String>) {
        self.mount.auth_throttle.success(principal.as_deref());
    }

    fn client_address(&mut self) -> Option<String> {
        self.client_addr.map(|a| a.to_string())
    }
}
