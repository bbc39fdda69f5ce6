//! STANDIN(console): the whole file. Helper "console" writes the event-bus stream here
//! (`text/event-stream`, one `data:` per bus event, `id:` its sequence, a heartbeat every 15 s).

use std::sync::Arc;

use tokio::sync::watch;

use crate::events::EventBus;
use crate::http::{HttpResponse, json_error};

/// The bus as server-sent events from after `last_event_id`, ending when `shutdown` turns true
/// (STANDIN(console): 501).
pub fn stream(bus: Arc<EventBus>, last_event_id: Option<u64>, shutdown: watch::Receiver<bool>) -> HttpResponse {
    let _ = (bus, last_event_id, shutdown);
    json_error(501, "not_implemented", "the event stream comes with the console (STANDIN)", None)
}
