//! `switchboard:pbx/pbx`: apply-changes (grant: `apply_changes = true`), served by the host's one
//! [`crate::apply::Applier`], which coalesces concurrent calls into one render and reload.

use super::bindings::pbx::{Applied, Error, Host};
use super::state::RequestState;
use crate::apply::ApplyError;

impl From<ApplyError> for Error {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::NotConfigured => Error::NotConfigured,
            ApplyError::Reload { .. } => Error::ReloadPending(e.to_string()),
            ApplyError::Database(_) | ApplyError::Invalid(_) | ApplyError::Write(_) => Error::Failed(e.to_string()),
        }
    }
}

impl Host for RequestState {
    fn can_apply(&mut self) -> Result<(), Error> {
        if !self.mount.grants.apply_changes {
            return Err(Error::Denied);
        }
        self.mount.services.applier.as_ref().map(|_| ()).ok_or(Error::NotConfigured)
    }

    async fn apply_changes(&mut self) -> Result<Applied, Error> {
        if !self.mount.grants.apply_changes {
            return Err(Error::Denied);
        }
        let applier = self.mount.services.applier.clone().ok_or(Error::NotConfigured)?;
        let applied = applier.apply().await?;
        tracing::info!(plugin = &*self.mount.plugin, route = &*self.mount.route, files = ?applied.changed_files,
            modules = ?applied.reloaded_modules, "configuration applied");
        Ok(Applied { changed_files: applied.changed_files, reloaded_modules: applied.reloaded_modules })
    }
}
