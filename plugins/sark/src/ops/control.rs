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
// `Denied` and `Failed` come from the host's `pbx-control` interface once it is linked.
#[allow(dead_code)]
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
    use super::{Command, ControlError};

    /// The host this plugin was first built against had no `pbx-control` interface yet: every
    /// command is not configured.
    pub fn run(_: Command) -> Result<String, ControlError> {
        Err(ControlError::NotConfigured)
    }
}
