//! `switchboard:pbx/events`, `switchboard:pbx/event-stream`, `switchboard:pbx/sse` and
//! `switchboard:pbx/wake`: the host's PBX event bus, a mount's own numbered stream that its event
//! handler fills, either of them as server-sent events the host serves to a plugin's client, and
//! the handler's calls without an event (wake-ups).
//!
//! Grant: `grants.events = true`, for both. Services: the host's [`crate::events::EventBus`], and
//! per mount an [`crate::events::EventStream`], which exists when the plugin exports
//! `event-handler` (the server creates it and runs the handler).

#[cfg(feature = "engine")]
mod host;
#[cfg(feature = "engine")]
mod sse_host;
#[cfg(feature = "engine")]
mod stream_host;
#[cfg(feature = "engine")]
mod wake_host;

#[cfg(feature = "engine")]
pub(crate) use self::host::{CAPABILITY, to_wit};
#[cfg(feature = "engine")]
pub(crate) use self::stream_host::CAPABILITY as STREAM_CAPABILITY;
#[cfg(feature = "engine")]
pub(crate) use self::sse_host::CAPABILITY as SSE_CAPABILITY;
#[cfg(feature = "engine")]
pub(crate) use self::wake_host::{CAPABILITY as WAKE_CAPABILITY, INTERFACE as WAKE_INTERFACE};
use super::Grants;

/// Whether a mount's grants lend the bus (and a stream).
pub fn granted(grants: &Grants) -> bool {
    grants.events
}
