//! `switchboard:pbx/events`: long-polling the event bus (grant: `events = true`).

use std::time::Duration;

use super::bindings::events::{Error, Event, Host};
use super::state::RequestState;
use crate::events::{BusEvent, Poll};

impl Host for RequestState {
    async fn poll(&mut self, last: Option<u64>, timeout_ms: u32, limit: u32, filter: Vec<String>) -> Result<Vec<Event>, Error> {
        if !self.mount.grants.events {
            return Err(Error::Denied("this mount's grants do not include events = true".into()));
        }
        let bus = self.mount.services.bus.clone();
        let request = Poll { last, timeout: Duration::from_millis(timeout_ms.into()), limit: limit as usize, filter };
        let events = bus.poll(&request).await;
        Ok(events.iter().map(|e| to_wit(e)).collect())
    }
}

/// A bus event as the WIT `event` record (for `events.poll` and `event-handler.on-events`).
pub(super) fn to_wit(event: &BusEvent) -> Event {
    Event { seq: event.seq, timestamp: event.timestamp.clone(), name: event.name.clone(), fields: event.fields.clone() }
}
