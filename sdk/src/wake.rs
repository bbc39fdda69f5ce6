//! Wake-ups of the mount's event handler (WIT `switchboard:pbx/wake`): a call of the handler with
//! an empty batch later, without a PBX event. Needs `grants.events = true` and a plugin with
//! `on_events` (see [`plugin!`](crate::plugin)).
//!
//! What it is for: work the handler keeps and must retry — a webhook its receiver refused, a
//! report due at a time. The handler stores the work in its own database, asks for a wake-up when
//! the next item is due, and on an empty batch does what is due. The host also calls a handler
//! that imports `wake` once with an empty batch when the mount starts (after a restart, a reload,
//! a hot swap), so work kept before a restart is picked up even if no event comes.
//!
//! ```no_run
//! use std::time::Duration;
//! use switchboard_sdk::{events::Event, wake};
//!
//! fn on_events(events: &[Event]) {
//!     if events.is_empty() {
//!         // A wake-up (or the start-up call): send what is due, then ask for the next.
//!     }
//!     let _ = wake::after(Duration::from_secs(5));
//! }
//! # fn main() {}
//! ```
//!
//! One wake-up is pending per mount, the earliest asked for; a route may ask too (a `POST /retry`
//! that re-queues work). Off wasm, [`crate::testing`] records each ask
//! ([`crate::testing::Installed::wake_ups`]).

use std::time::Duration;

pub use crate::bindings::switchboard::pbx::wake::Error as WakeError;

impl From<WakeError> for crate::Error {
    fn from(error: WakeError) -> Self {
        match error {
            WakeError::Denied(why) => crate::Error::new(403, "events_denied", why),
            WakeError::NoHandler(why) => crate::Error::new(500, "no_event_handler", why),
        }
    }
}

/// Asks the host to call the mount's event handler with an empty batch once `delay` has passed
/// (whole milliseconds, at least 10 and at most a day), unless an earlier wake-up is already pending.
pub fn after(delay: Duration) -> Result<(), WakeError> {
    let delay_ms = u32::try_from(delay.as_millis()).unwrap_or(u32::MAX);
    imp::after(delay_ms)
}

#[cfg(target_family = "wasm")]
mod imp {
    pub fn after(delay_ms: u32) -> Result<(), super::WakeError> {
        crate::bindings::switchboard::pbx::wake::after(delay_ms)
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    pub fn after(delay_ms: u32) -> Result<(), super::WakeError> {
        crate::testing::wake_after(delay_ms);
        Ok(())
    }
}
