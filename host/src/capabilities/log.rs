//! `switchboard:pbx/log`: structured log lines attributed to the plugin and its mount.
//!
//! Bounded as the WIT promises: a line is cut at 8 KiB, fields at 32, and after 1,000 lines in one
//! request the rest are counted and reported once when the request ends, so a plugin cannot flood
//! the host's log.

use wasmtime::component::HasSelf;

use super::Capability;
use super::bindings::log::{Host, Level};
use crate::runtime::InstanceState;

/// `log`: every plugin may log, within the caps above.
pub const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/log"],
    grant: None,
    granted: |_| true,
    link: Some(|linker| super::bindings::log::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

/// Lines one request may log.
pub const MAX_LINES: u32 = 1_000;
const MAX_MESSAGE: usize = 8 * 1024;
const MAX_FIELDS: usize = 32;

impl Host for InstanceState {
    fn write(&mut self, level: Level, message: String, fields: Vec<(String, String)>) {
        if self.log_lines >= MAX_LINES {
            self.log_dropped += 1;
            return;
        }
        self.log_lines += 1;
        let message = truncate(&message, MAX_MESSAGE);
        let fields = fields
            .iter()
            .take(MAX_FIELDS)
            .map(|(k, v)| format!("{}={:?}", truncate(k, 128), truncate(v, 1024)))
            .collect::<Vec<_>>()
            .join(" ");
        let (plugin, route) = (&*self.mount.plugin, &*self.mount.route);
        match level {
            Level::Trace => tracing::trace!(target: "plugin", plugin, route, fields, "{message}"),
            Level::Debug => tracing::debug!(target: "plugin", plugin, route, fields, "{message}"),
            Level::Info => tracing::info!(target: "plugin", plugin, route, fields, "{message}"),
            Level::Warn => tracing::warn!(target: "plugin", plugin, route, fields, "{message}"),
            Level::Error => tracing::error!(target: "plugin", plugin, route, fields, "{message}"),
        }
    }
}

/// Cuts at a character boundary at or below `max` bytes.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
