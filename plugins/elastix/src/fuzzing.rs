//! What `host/fuzz` drives natively: everything this plugin makes of a request before it opens the
//! database or asks the PBX — the key check, the form of a write and its field checks, the CDR
//! report's query — and the parser of `core show channels verbose` output. Not part of the
//! plugin's interface.

use switchboard_sdk::prelude::*;

use crate::commands::{self, asterisk, cdr, extension_writes};

/// The `api-key` the fuzz targets configure.
pub const API_KEY: &str = "fuzzing-api-key-0123456789-0123456789-0123456789-01";

/// The settings a mount would give the plugin.
pub fn configure(mount_route: &str) {
    switchboard_sdk::settings::set_native(&[("api-key", API_KEY)], mount_route);
}

/// The command `req` may run (`Err`: the plain-text refusal), after parsing what the command
/// would parse before its first database call.
pub fn request(req: &Request) -> Result<String, &'static str> {
    // Natively nothing is throttled, so a refusal is always one of the original's texts.
    let cmd = crate::auth::check(req).map_err(|refused| match refused {
        crate::auth::Refused::Original(text) => text,
        crate::auth::Refused::Locked(_) => "locked",
    })?;
    if let Ok(form) = commands::form(req) {
        let _ = commands::number_field(&form, "extension");
        let _ = extension_writes::check_fields(&form);
        let (sql, params) = cdr::query(&form);
        assert_eq!(sql.matches('?').count(), params.len(), "every placeholder of {sql:?} has its parameter");
    }
    Ok(cmd)
}

/// The rows the `activecall` command makes of CLI output lines.
pub fn channels(lines: &[String]) -> usize {
    asterisk::parse_channels(lines).len()
}
