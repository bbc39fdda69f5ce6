//! Making the PBX run what the `pbx` database says (WIT `switchboard:pbx/pbx`). Needs
//! `grants.apply_changes = true`.
//!
//! Write the configuration rows first (one transaction, or several statements), then call
//! [`apply_changes`] once: the host renders Asterisk's configuration and reloads only the modules
//! whose files changed.
//!
//! ```no_run
//! use switchboard_sdk::{pbx, sqlite};
//! # fn main() -> Result<(), switchboard_sdk::Error> {
//! let db = sqlite::open("pbx")?;
//! db.query("INSERT INTO extensions (number, name, secret) VALUES (?, ?, ?)", &["1099".into(), "Ada".into(), "pw".into()])?;
//! let applied = pbx::apply_changes()?;
//! # Ok(()) }
//! ```

pub use crate::bindings::switchboard::pbx::pbx::{Applied, Error as ApplyError, apply_changes};

impl From<ApplyError> for crate::Error {
    fn from(error: ApplyError) -> Self {
        match error {
            ApplyError::Denied => crate::Error::new(403, "apply_denied", "this mount's grants do not include apply_changes = true"),
            ApplyError::NotConfigured => crate::Error::new(503, "apply_not_configured", "the host has no [asterisk] config_dir or no [store]"),
            ApplyError::Failed(why) => crate::Error::new(500, "apply_failed", why),
            ApplyError::ReloadPending(why) => crate::Error::new(502, "reload_pending", why),
        }
    }
}

/// [`apply_changes`] for writers whose change is already committed: a reload still pending (the PBX
/// is down; the files are written and the host reloads the modules when AMI is back) counts as done,
/// so a client is not told its committed change failed. Other errors pass through.
pub fn apply_changes_allow_pending() -> Result<(), ApplyError> {
    match apply_changes() {
        Ok(_) | Err(ApplyError::ReloadPending(_)) => Ok(()),
        Err(e) => Err(e),
    }
}
