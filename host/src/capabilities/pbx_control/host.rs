//! The `pbx-control` interface's host side.

use wasmtime::component::HasSelf;

use super::Command;
use crate::capabilities::Capability;
use crate::capabilities::bindings::pbx_control::{self as wit, Host, PbxCommand, PbxControlError};
use crate::metrics::Denial;
use crate::runtime::InstanceState;

/// `pbx-control`, lent by `grants.pbx_control`.
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/pbx-control"],
    grant: Some("pbx_control"),
    granted: super::granted,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

impl From<PbxCommand> for Command {
    fn from(command: PbxCommand) -> Self {
        match command {
            PbxCommand::Start => Command::Start,
            PbxCommand::Stop => Command::Stop,
            PbxCommand::Reboot => Command::Reboot,
        }
    }
}

impl Host for InstanceState {
    async fn run(&mut self, command: PbxCommand) -> Result<String, PbxControlError> {
        let command = Command::from(command);
        if !self.mount.grants.pbx_control.allows(command) {
            self.denied(Denial::PbxControl, &format!("`{command}` is not in this mount's grants.pbx_control"));
            return Err(PbxControlError::Denied);
        }
        let control = self.mount.services.pbx_control.clone();
        let program = control.argv(command).and_then(|argv| argv.first()).cloned().ok_or(PbxControlError::NotConfigured)?;
        tracing::warn!(plugin = &*self.mount.plugin, route = &*self.mount.route, %command, %program, "running a PBX control command");
        match control.run(command).await {
            Some(Ok(output)) => Ok(output),
            Some(Err(why)) => {
                tracing::warn!(plugin = &*self.mount.plugin, route = &*self.mount.route, %command, error = %why, "PBX control command failed");
                Err(PbxControlError::Failed(why))
            }
            None => Err(PbxControlError::NotConfigured),
        }
    }
}
