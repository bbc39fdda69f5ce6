//! The PBX's manager interface (WIT `switchboard:pbx/ami`), through the host's shared connection.
//!
//! Each action must be listed in the mount's `grants.ami`; the host checks it before sending. An
//! [`AmiError`] converts into an [`Error`](crate::Error) with a fitting status, so a handler can use
//! `?`:
//!
//! ```no_run
//! use switchboard_sdk::{ami, prelude::*};
//! fn channels(_: &Request) -> Result<Response, Error> {
//!     let status = ami::send("CoreShowChannels", &[])?;
//!     let names: Vec<&str> = status.events.iter().filter_map(|e| ami::field(e, "Channel")).collect();
//!     Response::json(&names)
//! }
//! ```
//!
//! Off wasm there is no host: these functions panic if called (test handlers that use them through
//! a running Switchboard instead).

pub use crate::bindings::switchboard::pbx::ami::{ActionResult, Error as AmiError, PbxInfo, SipDriver};
use crate::bindings::switchboard::pbx::ami as wit;

/// Sends action `name` with `headers` (in order) and returns its whole answer; list actions come
/// back with their events and closing event collected.
pub fn send(name: &str, headers: &[(&str, &str)]) -> Result<ActionResult, AmiError> {
    let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    wit::send(name, &headers)
}

/// Runs a CLI command (needs `Command` in `grants.ami`) and returns its output lines.
pub fn command(command: &str) -> Result<Vec<String>, AmiError> {
    wit::command(command)
}

/// The PBX's version and SIP driver.
pub fn info() -> Result<PbxInfo, AmiError> {
    wit::info()
}

/// The first value of `key` in an AMI message's fields (ASCII case-insensitive, as in Asterisk).
pub fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
}

impl From<AmiError> for crate::Error {
    fn from(error: AmiError) -> Self {
        match error {
            AmiError::Denied(why) => crate::Error::new(403, "ami_denied", why),
            AmiError::NotConnected => crate::Error::new(503, "pbx_unavailable", "not connected to the PBX"),
            AmiError::ConnectionLost => {
                crate::Error::new(502, "pbx_connection_lost", "the connection to the PBX was lost; the action may have run")
            }
            AmiError::Failed(message) => crate::Error::new(502, "ami_failed", message),
            AmiError::Invalid(why) => crate::Error::new(400, "ami_invalid", why),
            AmiError::Timeout => crate::Error::new(504, "pbx_timeout", "the PBX did not answer in time"),
        }
    }
}
