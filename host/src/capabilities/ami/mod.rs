//! `switchboard:pbx/ami`: AMI actions through the host's one connection to the PBX.
//!
//! Grant: `grants.ami`, a list of actions, each optionally with patterns its arguments must match
//! ([`AmiGrant`]). Service: the host's [`crate::ami::AmiClient`]. The `Host` impl checks every
//! action against the grant before anything is sent.

mod grant;
#[cfg(feature = "engine")]
mod host;

use toml::Spanned;

pub use self::grant::{AmiGrant, HOST_ONLY, host_only};
#[cfg(feature = "engine")]
pub(crate) use self::host::CAPABILITY;
use super::Grants;
use crate::config::Problems;

/// `grants.ami` as written.
pub(crate) type RawGrant = Vec<Spanned<String>>;

/// Parses each entry; a bad one is a problem at its place in the file.
pub(crate) fn validate_grant(raw: &RawGrant, problems: &mut Problems<'_>) -> Vec<AmiGrant> {
    let mut grants = Vec::new();
    for action in raw {
        match AmiGrant::parse(action.get_ref()) {
            Ok(grant) => grants.push(grant),
            Err(why) => problems.add(action.span().start, format!("bad ami grant `{}`: {why}", action.get_ref())),
        }
    }
    grants
}

/// Whether a mount's grants lend `ami` at all.
pub fn granted(grants: &Grants) -> bool {
    !grants.ami.is_empty()
}

impl Grants {
    /// Whether AMI action `name` is granted with these `headers` (action names case-insensitive,
    /// as Asterisk matches them).
    pub fn allows_ami(&self, name: &str, headers: &[(String, String)]) -> bool {
        self.ami.iter().any(|grant| grant.allows(name, headers))
    }

    /// Whether any entry names action `name`, whatever it allows of the arguments.
    pub fn names_ami(&self, name: &str) -> bool {
        self.ami.iter().any(|grant| grant.names(name))
    }
}
