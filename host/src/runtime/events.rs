//! `switchboard:pbx/events`: long-polling the event bus (grant: `events = true`).

use std::time::Duration;

use super::bindings::events::{Error, Event, Host};
use super::state::RequestState;
use crate::events::Poll;

impl Host for RequestState {
    async fn poll(&mut self, last: Option<u64>, timeout_ms: u32, limit: u32, filter: Vec<String>) -> Result<Vec<Event>, Error> {
        if !self.mount.grants.events {
            return Err(Error::Denied("this mount's grants do not include events = true".into()));
        }
        let bus = self.mount.services.bus.clone();
        let request = Poll { last, timeout: Duration::from_millis(timeout_ms.into()), limit: limit as usize, filter };
        let events = bus.poll(&request).await;
        Ok(events
            .iter()
            .map(|e| Event { seq: e.seq, timestamp: e.timestamp.clone(), name: e.name.clone(), fields: e.fields.clone() })
            .collect())
    }
}
