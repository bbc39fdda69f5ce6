//! The PBX event stream (WIT `switchboard:pbx/events`): numbered events, long-polled.
//!
//! Needs `grants.events = true`. See the WIT for the sequence-number rules (overflow, reset,
//! restart). A long poll holds no host thread, so a plugin may wait in it for many seconds:
//!
//! ```no_run
//! use switchboard_sdk::events;
//! let batch = events::poll(None, 30_000, 100, &["Hangup"]).unwrap_or_default();
//! for event in &batch {
//!     let channel = event.field("Channel");
//! }
//! ```

pub use crate::bindings::switchboard::pbx::events::{Error as EventsError, Event};
#[cfg(target_family = "wasm")]
use crate::bindings::switchboard::pbx::events as wit;

/// Natively, polls answer the events the test's [`testing::Host`](crate::testing::Host) queued, at once.
#[cfg(not(target_family = "wasm"))]
mod wit {
    pub fn poll(last: Option<u64>, _timeout_ms: u32, limit: u32, filter: &[String]) -> Result<Vec<super::Event>, super::EventsError> {
        Ok(crate::testing::events_poll(last, limit, filter))
    }
}

/// Waits up to `timeout_ms` for events after `last` (at most `limit`, 0 for all; only the names in
/// `filter`, or all when empty).
pub fn poll(last: Option<u64>, timeout_ms: u32, limit: u32, filter: &[&str]) -> Result<Vec<Event>, EventsError> {
    let filter: Vec<String> = filter.iter().map(|f| f.to_string()).collect();
    wit::poll(last, timeout_ms, limit, &filter)
}

impl Event {
    /// The first value of `key` in the event's fields (ASCII case-insensitive).
    pub fn field(&self, key: &str) -> Option<&str> {
        crate::ami::field(&self.fields, key)
    }
}

impl From<EventsError> for crate::Error {
    fn from(error: EventsError) -> Self {
        match error {
            EventsError::Denied(why) => crate::Error::new(403, "events_denied", why),
        }
    }
}
