//! The mount's own event stream (WIT `switchboard:pbx/event-stream`): what the plugin publishes,
//! numbered densely per mount with the `events` rules (overflow, reset, restart), long-polled.
//!
//! A mount has a stream when the plugin exports an event handler (`plugin!(…, on_events: …)`) and
//! its grants include `events = true`. The handler translates PBX events and publishes the result;
//! HTTP handlers serve it to clients with [`poll`] (and may publish too):
//!
//! ```no_run
//! use switchboard_sdk::prelude::*;
//! use switchboard_sdk::{events, stream};
//!
//! fn on_events(batch: &[events::Event]) {
//!     let items: Vec<String> = batch
//!         .iter()
//!         .filter(|e| e.name == "DeviceStateChange")
//!         .map(|e| serde_json::json!({ "device": e.field("Device"), "state": e.field("State") }).to_string())
//!         .collect();
//!     let _ = stream::publish(&items);
//! }
//!
//! fn events_route(req: &Request) -> Result<Response, Error> {
//!     let last = req.query().get("last").and_then(|v| v.parse().ok());
//!     let batch = stream::poll(last, 30_000, 100)?;
//!     Response::json(&batch.iter().map(|e| (e.seq, &e.data)).collect::<Vec<_>>())
//! }
//!
//! switchboard_sdk::plugin!(router: || Router::new().get("/events", events_route), on_events: on_events);
//! # fn main() {}
//! ```

pub use crate::bindings::switchboard::pbx::event_stream::{Error as StreamError, StreamEvent};
#[cfg(target_family = "wasm")]
use crate::bindings::switchboard::pbx::event_stream as wit;

/// Natively, published items are kept by the test's [`testing::Host`](crate::testing::Host).
#[cfg(not(target_family = "wasm"))]
mod wit {
    pub fn publish(items: &[String]) -> Result<Option<u64>, super::StreamError> {
        Ok(crate::testing::stream_publish(items))
    }

    pub fn poll(last: Option<u64>, _timeout_ms: u32, limit: u32) -> Result<Vec<super::StreamEvent>, super::StreamError> {
        Ok(crate::testing::stream_poll(last, limit))
    }
}

/// Appends `items` to the mount's stream, in order. Inside the event handler they carry the
/// timestamp of the batch's last bus event; elsewhere, now. Returns the last sequence number
/// issued, or `None` when the stream was reset for want of readers (the items are dropped).
pub fn publish(items: &[String]) -> Result<Option<u64>, StreamError> {
    wit::publish(items)
}

/// Waits up to `timeout_ms` for items after `last` (at most `limit`, 0 for as many as the buffer
/// holds). Without `last`: the newest `limit` items, or the next one.
pub fn poll(last: Option<u64>, timeout_ms: u32, limit: u32) -> Result<Vec<StreamEvent>, StreamError> {
    wit::poll(last, timeout_ms, limit)
}

impl From<StreamError> for crate::Error {
    fn from(error: StreamError) -> Self {
        match error {
            StreamError::Denied(why) => crate::Error::new(403, "events_denied", why),
            StreamError::NoStream(why) => crate::Error::new(500, "no_stream", why),
            StreamError::TooLarge(why) => crate::Error::new(500, "stream_item_too_large", why),
        }
    }
}
