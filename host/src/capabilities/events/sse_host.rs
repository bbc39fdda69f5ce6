//! `switchboard:pbx/sse`: the response to the request being handled becomes a server-sent event
//! stream of the bus or the mount's own stream, written by the host (`crate::sse`) once the
//! handler returns (grant: `events = true`).

use wasmtime::component::HasSelf;

use crate::capabilities::Capability;
use crate::capabilities::bindings::sse::{self as wit, Error, Host, Source};
use crate::metrics::Denial;
use crate::runtime::{InstanceState, SseRequest};

/// `sse`, lent by `grants.events = true`.
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/sse"],
    grant: Some("events"),
    granted: super::granted,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

impl Host for InstanceState {
    fn serve(&mut self, source: Source, last_event_id: Option<u64>) -> Result<(), Error> {
        if !super::granted(&self.mount.grants) {
            let why = "this mount's grants do not include events = true";
            self.denied(Denial::Events, why);
            return Err(Error::Denied(why.into()));
        }
        let source = match source {
            Source::Bus(filter) => crate::sse::Source::Bus(self.mount.services.bus.clone(), filter),
            Source::OwnStream => match &self.mount.stream {
                Some(stream) => crate::sse::Source::Stream(stream.clone()),
                None => {
                    return Err(Error::NoStream(format!(
                        "mount {} has no event stream: plugin `{}` does not export switchboard:pbx/event-handler (world event-plugin)",
                        self.mount.route, self.mount.plugin
                    )));
                }
            },
        };
        let Some(slot) = &self.sse else {
            return Err(Error::NotInRequest("an event handler has no client to stream to".into()));
        };
        *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(SseRequest { source, last_event_id });
        Ok(())
    }
}
