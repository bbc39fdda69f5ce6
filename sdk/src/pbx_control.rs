//! Starting, stopping and rebooting the PBX (WIT `switchboard:pbx/pbx-control`). Needs
//! `grants.pbx_control = ["start", "stop", "reboot"]` (each command on its own), and the host's
//! `[pbx_control]` to name the program for the command.
//!
//! The plugin picks the command; the host runs the program its admin configured for it (no shell,
//! no input, nothing from the request) and waits for it, up to a minute:
//!
//! ```no_run
//! use switchboard_sdk::pbx_control::{self, PbxCommand};
//! # fn main() -> Result<(), switchboard_sdk::Error> {
//! let output = pbx_control::run(PbxCommand::Stop)?; // 403 / 503 / 502 through `?`
//! # Ok(()) }
//! ```
//!
//! Off wasm (native unit tests) every command answers [`PbxControlError::NotConfigured`].

pub use crate::bindings::switchboard::pbx::pbx_control::{PbxCommand, PbxControlError};

impl From<PbxControlError> for crate::Error {
    fn from(error: PbxControlError) -> Self {
        match error {
            PbxControlError::Denied => crate::Error::new(403, "pbx_control_denied", "this mount's grants do not include this pbx_control command"),
            PbxControlError::NotConfigured => {
                crate::Error::new(503, "pbx_control_not_configured", "the host's [pbx_control] names no program for this command")
            }
            PbxControlError::Failed(why) => crate::Error::new(502, "pbx_control_failed", why),
        }
    }
}

/// Runs the host's configured program for `command`: ok with the first lines of its output, or
/// why it did not run or failed.
pub fn run(command: PbxCommand) -> Result<String, PbxControlError> {
    imp::run(command)
}

#[cfg(target_family = "wasm")]
mod imp {
    pub fn run(command: super::PbxCommand) -> Result<String, super::PbxControlError> {
        crate::bindings::switchboard::pbx::pbx_control::run(command)
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    pub fn run(_: super::PbxCommand) -> Result<String, super::PbxControlError> {
        Err(super::PbxControlError::NotConfigured)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natively_nothing_is_configured_and_errors_map_to_statuses() {
        assert!(matches!(run(PbxCommand::Start), Err(PbxControlError::NotConfigured)));
        assert_eq!(crate::Error::from(PbxControlError::Denied).status(), 403);
        assert_eq!(crate::Error::from(PbxControlError::Failed("x".into())).status(), 502);
    }
}
