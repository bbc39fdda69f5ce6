//! Server-sent events the host serves for this plugin (WIT `switchboard:pbx/sse`), for as long as
//! the client stays. Needs `grants.events = true`.
//!
//! The handler decides who may subscribe and to what, then answers with [`bus`] or [`own_stream`]:
//! the host sends the response's head as the plugin set it and, as its body, a
//! `text/event-stream` of PBX events (or of the mount's own stream), each with `id:` its sequence
//! number, a comment line every 15 s of quiet, resuming after the client's `Last-Event-ID`. The
//! instance is free as soon as the handler returns, so thousands of clients may stay subscribed.
//!
//! ```no_run
//! use switchboard_sdk::prelude::*;
//! use switchboard_sdk::sse;
//!
//! fn router() -> Router {
//!     Router::new().get("/events/stream", |req: &Request| sse::bus(req, &["Newchannel", "Hangup"]))
//! }
//! switchboard_sdk::plugin!(router: router);
//! # fn main() {}
//! ```
//!
//! Off wasm, [`crate::testing`] records what was asked ([`crate::testing::Installed::event_stream`]).

use crate::{Request, Response};

pub use crate::bindings::switchboard::pbx::sse::{Error as SseError, Source};

impl From<SseError> for crate::Error {
    fn from(error: SseError) -> Self {
        match error {
            SseError::Denied(why) => crate::Error::new(403, "events_denied", why),
            SseError::NoStream(why) => crate::Error::new(500, "no_event_stream", why),
            SseError::NotInRequest(why) => crate::Error::new(500, "not_in_request", why),
        }
    }
}

/// The client's `Last-Event-ID`, when it is a sequence number (anything else starts afresh).
pub fn last_event_id(req: &Request) -> Option<u64> {
    req.header("last-event-id")?.trim().parse().ok()
}

/// Answers `req` with the PBX events named in `filter` (case-insensitive; empty: all) as
/// server-sent events, each `data:` the event as JSON `{"seq","timestamp","name","fields":{…}}`.
pub fn bus(req: &Request, filter: &[&str]) -> Result<Response, crate::Error> {
    serve(Source::Bus(filter.iter().map(|name| name.to_string()).collect()), last_event_id(req))?;
    Ok(Response::empty(200))
}

/// Answers `req` with the mount's own event stream (what its event handler publishes) as
/// server-sent events, each `data:` an item as published.
pub fn own_stream(req: &Request) -> Result<Response, crate::Error> {
    serve(Source::OwnStream, last_event_id(req))?;
    Ok(Response::empty(200))
}

/// The raw call: makes the response to the request being handled a stream of `source` after
/// `last_event_id`. The handler must still answer 2xx for the stream to be sent.
pub fn serve(source: Source, last_event_id: Option<u64>) -> Result<(), SseError> {
    imp::serve(source, last_event_id)
}

#[cfg(target_family = "wasm")]
mod imp {
    pub fn serve(source: super::Source, last_event_id: Option<u64>) -> Result<(), super::SseError> {
        crate::bindings::switchboard::pbx::sse::serve(&source, last_event_id)
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    pub fn serve(source: super::Source, last_event_id: Option<u64>) -> Result<(), super::SseError> {
        crate::testing::sse_serve(source, last_event_id)
    }
}
