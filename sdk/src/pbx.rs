//! Making the PBX run what the `pbx` database says (WIT `switchboard:pbx/pbx`). Needs
//! `grants.apply_changes = true`.
//!
//! Write the configuration rows first (one transaction, or several statements), then call
//! [`apply_changes`] once: the host renders Asterisk's configuration and reloads only the modules
//! whose files changed. A writer that answers its client once the transaction commits calls
//! [`apply_after_commit`], which never turns a committed change into an error answer.
//!
//! A writer that answers once its transaction commits asks [`can_apply`] first: a mount not
//! granted `apply_changes` (or a host with nowhere to render) then refuses the request with
//! 403 `apply_denied` (503 `apply_not_configured`) before writing, instead of committing a change
//! that would never reach the PBX.
//!
//! A row the host cannot render (one written before the schema's rules, or with them bypassed) is
//! left out of the files and logged by the host; it does not fail the apply.
//!
//! ```no_run
//! use switchboard_sdk::{pbx, sqlite};
//! # fn main() -> Result<(), switchboard_sdk::Error> {
//! let db = sqlite::open("pbx")?;
//! db.query("INSERT INTO extensions (number, name, secret) VALUES (?, ?, ?)", &["1099".into(), "Ada".into(), "pw".into()])?;
//! let applied = pbx::apply_changes()?;
//! # Ok(()) }
//! ```

pub use crate::bindings::switchboard::pbx::pbx::{Applied, Error as ApplyError};
#[cfg(target_family = "wasm")]
pub use crate::bindings::switchboard::pbx::pbx::{apply_changes, can_apply};

/// Renders the configuration and reloads what changed (natively: the test's
/// [`testing::Host`](crate::testing::Host) answers, and counts each apply).
#[cfg(not(target_family = "wasm"))]
pub fn apply_changes() -> Result<Applied, ApplyError> {
    crate::testing::apply_changes()
}

/// Whether apply-changes may run (natively: the test's [`testing::Host`](crate::testing::Host)).
#[cfg(not(target_family = "wasm"))]
pub fn can_apply() -> Result<(), ApplyError> {
    crate::testing::can_apply()
}

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

/// How applying a committed change went.
#[derive(Debug, Clone)]
pub enum AfterCommit {
    /// Rendered, written and reloaded.
    Applied(Applied),
    /// Not on the PBX yet (the text says why: Asterisk down, the files not writable, the mount not
    /// granted `apply_changes`, no config directory). The change is in the database, and the next
    /// apply-changes that succeeds — any plugin's, any later write's — renders it, since it
    /// renders the whole database.
    Pending(String),
}

/// Applies a change that is already committed, for writers that answer "done" once their
/// transaction commits: an answer that says success is then true (the change is durable and will
/// reach the PBX), and an error answer is kept for requests that changed nothing. So this never
/// fails; a change not yet on the PBX is logged at `warn` with why, and reported as
/// [`AfterCommit::Pending`].
pub fn apply_after_commit() -> AfterCommit {
    match apply_changes() {
        Ok(applied) => AfterCommit::Applied(applied),
        Err(error) => {
            let why = crate::Error::from(error).message().to_string();
            crate::log::warn("the change is committed but not applied to the PBX yet; the next apply-changes applies it", &[("why", &why)]);
            AfterCommit::Pending(why)
        }
    }
}
