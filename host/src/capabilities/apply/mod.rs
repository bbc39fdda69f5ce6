//! `switchboard:pbx/pbx`: apply-changes — render Asterisk's configuration from the `pbx` database
//! and reload what changed. Grant: `grants.apply_changes = true`. Service: the host's one
//! [`crate::apply::Applier`], which coalesces concurrent calls into one render and reload.

#[cfg(feature = "engine")]
mod host;

#[cfg(feature = "engine")]
pub(crate) use self::host::CAPABILITY;

/// Whether a mount's grants lend apply-changes.
pub fn granted(grants: &super::Grants) -> bool {
    grants.apply_changes
}
