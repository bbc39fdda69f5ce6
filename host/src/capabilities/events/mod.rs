//! `switchboard:pbx/events` and `switchboard:pbx/event-stream`: the host's PBX event bus, and a
//! mount's own numbered stream that its event handler fills.
//!
//! Grant: `grants.events = true`, for both. Services: the host's [`crate::events::EventBus`], and
//! per mount an [`crate::events::EventStream`], which exists when the plugin exports
//! `event-handler` (the server creates it and runs the handler).

#[cfg(feature = "engine")]
mod host;
#[cfg(feature = "engine")]
mod stream_host;

#[cfg(feature = "engine")]
pub(crate) use self::host::{CAPABILITY, to_wit};
#[cfg(feature = "engine")]
pub(crate) use self::stream_host::CAPABILITY as STREAM_CAPABILITY;
use super::Grants;

/// Whether a mount's grants lend the bus (and a stream).
pub fn granted(grants: &Grants) -> bool {
    grants.events
}
