//! The Elastix API (`/api/api.php?cmd=…`), as the elastix-api PHP project answered it: the command
//! comes from the query string, the key is the whole `Authorization` header, failures are plain
//! text with HTTP 200, and JSON is written the way PHP's `json_encode` writes it.
//!
//! Settings: `api-key` (the 50-character key), `ami-username` / `ami-secret` (what `cmd=auth`
//! hands out). Grants: `sqlite.pbx`, `files.recordings`, `system`, and the AMI actions
//! `SIPpeers`, `PJSIPShowEndpoints`, `PJSIPShowContacts`, `Command`, `ParkedCalls`, `Status`;
//! `apply_changes` for the extension and follow-me writes.

mod auth;
mod commands;

#[doc(hidden)]
#[cfg(not(target_family = "wasm"))]
pub mod fuzzing;

use switchboard_sdk::prelude::*;

fn handle(req: &Request) -> Result<Response, Error> {
    let cmd = match auth::check(req) {
        Ok(cmd) => cmd,
        Err(refused) => return Ok(refused.into_response()),
    };
    Ok(commands::run(&cmd, req).unwrap_or_else(commands::refusal))
}

switchboard_sdk::plugin!(handle);
