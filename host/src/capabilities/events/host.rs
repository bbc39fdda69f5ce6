//! `switchboard:pbx/events`: long-polling the event bus (grant: `events = true`).

use std::time::Duration;

use wasmtime::component::HasSelf;

use crate::capabilities::Capability;
use crate::capabilities::bindings::events::{self as wit, Error, Event, Host};
use crate::metrics::Denial;
use crate::runtime::InstanceState;
use crate::events::{BusEvent, Poll};

/// `events`, lent by `grants.events = true`.
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/events"],
    grant: Some("events"),
    granted: super::granted,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

impl Host for InstanceState {
    async fn poll(&mut self, last: Option<u64>, timeout_ms: u32, limit: u32, filter: Vec<String>) -> Result<Vec<Event>, Error> {
        if !super::granted(&self.mount.grants) {
            self.denied(Denial::Events, "this mount's grants do not include events = true");
            return Err(Error::Denied("this mount's grants do not include events = true".into()));
        }
        let bus = self.mount.services.bus.clone();
        let request = Poll { last, timeout: Duration::from_millis(timeout_ms.into()), limit: limit as usize, filter };
        let events = bus.poll(&request).await;
        Ok(events.iter().map(|e| to_wit(e)).collect())
    }
}

/// A bus event as the WIT `event` record (for `events.poll` and `event-handler.on-events`).
pub(crate) fn to_wit(event: &BusEvent) -> Event {
    Event { seq: event.seq, timestamp: event.timestamp.clone(), name: event.name.clone(), fields: event.fields.clone() }
}
