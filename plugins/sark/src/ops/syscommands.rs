//! `/syscommands`: commit the configuration to the PBX, ask whether it runs, start, stop, reboot.
//!
//! - `commit` is apply-changes (the host renders Asterisk's configuration from the model and
//!   reloads what changed), where SARK ran its generator script; `{"message":"System Commit issued"}`.
//!   A PBX that is down when asked counts as issued: the files are written and the host reloads
//!   them once Asterisk is back.
//! - `pbxrunstate` asks the PBX (AMI `Ping`) where SARK looked for an `asterisk` process:
//!   `{"pbxrunstate":true}` when it answers, `false` when the link is down or it is shutting down.
//! - `pbxstart`/`start`, `pbxstop`/`stop` (the first names are the documented ones, the second
//!   the ones SARK's later releases route) and `reboot` go through the host's `pbx-control`
//!   capability, which runs only the command its own configuration names.

use switchboard_sdk::ami::{self, AmiError, AmiFailure};
use switchboard_sdk::pbx::{self, ApplyError};
use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;

use super::astamis;
use super::control::{self, Command, ControlError};
use crate::laravel;

pub fn routes(router: Router) -> Router {
    router
        .get("/syscommands", index)
        .get("/syscommands/commit", commit)
        .get("/syscommands/pbxrunstate", runstate)
        .get("/syscommands/pbxstart", start)
        .get("/syscommands/start", start)
        .get("/syscommands/pbxstop", stop)
        .get("/syscommands/stop", stop)
        .get("/syscommands/reboot", reboot)
}

fn message(text: impl Into<String>) -> Response {
    laravel::ok(&obj([("message", Json::Str(text.into()))]))
}

fn refuse(status: u16, text: impl Into<String>) -> Error {
    laravel::error_body(status, &obj([("message", Json::Str(text.into()))]))
}

/// The commands, as SARK listed them.
fn index(_: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&obj([
        ("commit", "null"),
        ("reboot", "null"),
        ("pbxstart", "null"),
        ("pbxstop", "null"),
        ("pbxrunstate", "returns PBX state (boolean)"),
    ])))
}

fn commit(_: &Request) -> Result<Response, Error> {
    match pbx::apply_changes() {
        Ok(_) | Err(ApplyError::ReloadPending(_)) => Ok(message("System Commit issued")),
        Err(ApplyError::Denied) => Err(refuse(403, "This mount may not commit: its grants do not include apply_changes = true")),
        Err(ApplyError::NotConfigured) => Err(refuse(503, "The host has nowhere to render the configuration ([asterisk] config_dir)")),
        Err(ApplyError::Failed(why)) => Err(refuse(500, format!("Commit failed: {why}"))),
    }
}

/// Whether the PBX answers: `Ping` goes through, or Asterisk refuses it for a reason other than
/// shutting down. A mount not granted `Ping` is told so rather than told the PBX is down.
pub fn pbx_running() -> Result<bool, Error> {
    match ami::send("Ping", &[]) {
        Ok(_) => Ok(true),
        Err(AmiError::NotConnected | AmiError::ConnectionLost | AmiError::Timeout) => Ok(false),
        Err(AmiError::Failed(why)) => Ok(ami::classify("Ping", &why) != AmiFailure::ShuttingDown),
        Err(e) => Err(astamis::ami_error(e)),
    }
}

fn runstate(_: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&obj([("pbxrunstate", pbx_running()?)])))
}

fn start(_: &Request) -> Result<Response, Error> {
    if pbx_running()? {
        return Err(refuse(503, "PBX already running"));
    }
    control(Command::Start)?;
    Ok(message("PBX started"))
}

fn stop(_: &Request) -> Result<Response, Error> {
    if !pbx_running()? {
        return Err(refuse(503, "PBX not running"));
    }
    control(Command::Stop)?;
    Ok(message("PBX stopped"))
}

fn reboot(_: &Request) -> Result<Response, Error> {
    control(Command::Reboot)?;
    Ok(message("Reboot issued"))
}

/// Runs `command` through the host, its refusals in SARK's shape.
fn control(command: Command) -> Result<(), Error> {
    let (verb, key) = match command {
        Command::Start => ("start the PBX", "start"),
        Command::Stop => ("stop the PBX", "stop"),
        Command::Reboot => ("reboot", "reboot"),
    };
    match control::run(command) {
        Ok(_) => Ok(()),
        Err(ControlError::Denied) => Err(refuse(403, format!("This mount may not {verb}: grants.pbx_control does not include \"{key}\""))),
        Err(ControlError::NotConfigured) => Err(refuse(503, format!("The host has no command configured to {verb} ([pbx_control] {key})"))),
        Err(ControlError::Failed(why)) => Err(refuse(500, format!("Could not {verb}: {why}"))),
    }
}
