//! Starting, stopping and rebooting the PBX, through the host's `pbx-control` capability.
//!
//! The host runs only the command its own configuration names for each of the three (never a
//! shell, never text from a request), and only for a mount granted that command
//! (`grants.pbx_control = ["start", "stop", "reboot"]`). This module is the plugin's one door to
//! it, so the routes speak in [`Command`] and [`ControlError`] whatever the capability's shape.

/// What the PBX is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Start,
    Stop,
    Reboot,
}

/// Why the host did not do it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// The mount is not granted this command.
    Denied,
    /// The host's configuration names no command for it.
    NotConfigured,
    /// The command ran and failed; the host's words.
    Failed(String),
}

/// Asks the host to run `command`; its output on success.
pub fn run(command: Command) -> Result<String, ControlError> {
    imp::run(command)
}

mod imp {
    use switchboard_sdk::pbx_control::{self, PbxCommand, PbxControlError};

    use super::{Command, ControlError};

    pub fn run(command: Command) -> Result<String, ControlError> {
        let command = match command {
            Command::Start => PbxCommand::Start,
            Command::Stop => PbxCommand::Stop,
            Command::Reboot => PbxCommand::Reboot,
        };
        pbx_control::run(command).map_err(|e| match e {
            PbxControlError::Denied => ControlError::Denied,
            PbxControlError::NotConfigured => ControlError::NotConfigured,
            PbxControlError::Failed(why) => ControlError::Failed(why),
        })
    }
}
