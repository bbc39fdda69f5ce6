//! `switchboard:pbx/event-stream`: the mount's own numbered stream (grant: `events = true`; the
//! stream exists when the component exports `event-handler`).

use std::time::Duration;

use wasmtime::component::HasSelf;

use crate::capabilities::Capability;
use crate::capabilities::bindings::event_stream::{self as wit, Error, Host, StreamEvent};
use crate::metrics::Denial;
use crate::runtime::InstanceState;
use crate::events::{EventStream, timestamp_now};

/// `event-stream`, lent by `grants.events = true` (the stream itself exists when the plugin
/// exports `event-handler`).
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/event-stream"],
    grant: Some("events"),
    granted: super::granted,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

/// Largest item a plugin may publish: the stream holds `[events] buffer` of them in host memory.
pub const MAX_ITEM_BYTES: usize = 64 * 1024;

impl InstanceState {
    /// The mount's stream, or the error that says why there is none.
    fn stream(&self) -> Result<std::sync::Arc<EventStream>, Error> {
        if !super::granted(&self.mount.grants) {
            self.denied(Denial::Events, "this mount's grants do not include events = true");
            return Err(Error::Denied("this mount's grants do not include events = true".into()));
        }
        self.mount.stream.clone().ok_or_else(|| {
            Error::NoStream(format!(
                "mount {} has no event stream: plugin `{}` does not export switchboard:pbx/event-handler (world event-plugin)",
                self.mount.route, self.mount.plugin
            ))
        })
    }
}

impl Host for InstanceState {
    fn publish(&mut self, items: Vec<String>) -> Result<Option<u64>, Error> {
        let stream = self.stream()?;
        if let Some((index, item)) = items.iter().enumerate().find(|(_, item)| item.len() > MAX_ITEM_BYTES) {
            return Err(Error::TooLarge(format!(
                "item {index} is {} bytes; a stream item may be at most {MAX_ITEM_BYTES} bytes",
                item.len()
            )));
        }
        // Inside `on-events`: the time of the PBX event being translated; in a request: now.
        let timestamp = self.source_timestamp.clone().unwrap_or_else(timestamp_now);
        Ok(stream.publish(&timestamp, items))
    }

    async fn poll(&mut self, last: Option<u64>, timeout_ms: u32, limit: u32) -> Result<Vec<StreamEvent>, Error> {
        let stream = self.stream()?;
        let items = stream.poll(last, Duration::from_millis(timeout_ms.into()), limit as usize).await;
        Ok(items.iter().map(|i| StreamEvent { seq: i.seq, timestamp: i.timestamp.clone(), data: i.data.clone() }).collect())
    }
}
