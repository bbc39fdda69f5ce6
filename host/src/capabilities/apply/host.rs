//! The `pbx` interface's host side.

use wasmtime::component::HasSelf;

use crate::apply::ApplyError;
use crate::capabilities::Capability;
use crate::capabilities::bindings::pbx::{self as wit, Applied, Error, Host};
use crate::metrics::Denial;
use crate::runtime::InstanceState;

/// `pbx` (apply-changes), lent by `grants.apply_changes = true`.
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/pbx"],
    grant: Some("apply_changes"),
    granted: super::granted,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

impl From<ApplyError> for Error {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::NotConfigured => Error::NotConfigured,
            ApplyError::Reload { .. } => Error::ReloadPending(e.to_string()),
            ApplyError::Database(_) | ApplyError::Invalid(_) | ApplyError::Write(_) => Error::Failed(e.to_string()),
        }
    }
}

impl Host for InstanceState {
    fn can_apply(&mut self) -> Result<(), Error> {
        if !super::granted(&self.mount.grants) {
            self.denied(Denial::ApplyChanges, "this mount's grants do not include apply_changes = true");
            return Err(Error::Denied);
        }
        self.mount.services.applier.as_ref().map(|_| ()).ok_or(Error::NotConfigured)
    }

    async fn apply_changes(&mut self) -> Result<Applied, Error> {
        if !super::granted(&self.mount.grants) {
            self.denied(Denial::ApplyChanges, "this mount's grants do not include apply_changes = true");
            return Err(Error::Denied);
        }
        let applier = self.mount.services.applier.clone().ok_or(Error::NotConfigured)?;
        let applied = applier.apply().await?;
        tracing::info!(plugin = &*self.mount.plugin, route = &*self.mount.route, files = ?applied.changed_files,
            modules = ?applied.reloaded_modules, "configuration applied");
        Ok(Applied { changed_files: applied.changed_files, reloaded_modules: applied.reloaded_modules })
    }
}
