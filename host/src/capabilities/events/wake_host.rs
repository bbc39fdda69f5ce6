//! `switchboard:pbx/wake`: an empty-batch call of the mount's event handler later (grant:
//! `events = true`; the mount must run a handler). The handler's task waits for it
//! (`crate::runtime::Wake`).

use std::time::Duration;

use wasmtime::component::HasSelf;

use crate::capabilities::Capability;
use crate::capabilities::bindings::wake::{self as wit, Error, Host};
use crate::metrics::Denial;
use crate::runtime::InstanceState;

/// The WIT interface's name, which also tells the runtime that a component wants the start-up call.
pub(crate) const INTERFACE: &str = "switchboard:pbx/wake";

/// `wake`, lent by `grants.events = true`.
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &[INTERFACE],
    grant: Some("events"),
    granted: super::granted,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

impl Host for InstanceState {
    fn after(&mut self, delay_ms: u32) -> Result<(), Error> {
        if !super::granted(&self.mount.grants) {
            let why = "this mount's grants do not include events = true";
            self.denied(Denial::Events, why);
            return Err(Error::Denied(why.into()));
        }
        // The handler runs where the stream exists (see `crate::control`): no stream, no handler.
        if self.mount.stream.is_none() {
            return Err(Error::NoHandler(format!(
                "mount {} runs no event handler: plugin `{}` does not export switchboard:pbx/event-handler (world event-plugin)",
                self.mount.route, self.mount.plugin
            )));
        }
        self.mount.wake.after(Duration::from_millis(delay_ms.into()));
        Ok(())
    }
}
