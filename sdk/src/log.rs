//! Structured log lines (WIT `switchboard:pbx/log`).
//!
//! The host attaches the plugin's name and mount route to every line, so a plugin logs only what it
//! knows: a message and key/value fields. Lines over 8 KiB or with more than 32 fields are cut, and
//! more than 1,000 lines in one request are dropped by the host. Plain `eprintln!`/`println!` output
//! is logged too, but without level or fields.
//!
//! ```no_run
//! use switchboard_sdk::log;
//! log::info("call originated", &[("from", "101"), ("to", "5551234")]);
//! ```
//!
//! Off wasm (native unit tests) lines go to stderr.

/// How serious a line is.
pub use crate::bindings::switchboard::pbx::log::Level;

/// Writes one line at `level`.
pub fn write(level: Level, message: &str, fields: &[(&str, &str)]) {
    imp::write(level, message, fields);
}

/// Writes a `trace` line.
pub fn trace(message: &str, fields: &[(&str, &str)]) {
    write(Level::Trace, message, fields);
}

/// Writes a `debug` line.
pub fn debug(message: &str, fields: &[(&str, &str)]) {
    write(Level::Debug, message, fields);
}

/// Writes an `info` line.
pub fn info(message: &str, fields: &[(&str, &str)]) {
    write(Level::Info, message, fields);
}

/// Writes a `warn` line.
pub fn warn(message: &str, fields: &[(&str, &str)]) {
    write(Level::Warn, message, fields);
}

/// Writes an `error` line.
pub fn error(message: &str, fields: &[(&str, &str)]) {
    write(Level::Error, message, fields);
}

#[cfg(target_family = "wasm")]
mod imp {
    use super::Level;

    pub fn write(level: Level, message: &str, fields: &[(&str, &str)]) {
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        crate::bindings::switchboard::pbx::log::write(level, message, &fields);
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    use super::Level;

    pub fn write(level: Level, message: &str, fields: &[(&str, &str)]) {
        let fields: String = fields.iter().map(|(k, v)| format!(" {k}={v:?}")).collect();
        eprintln!("[{level:?}] {message}{fields}");
    }
}
