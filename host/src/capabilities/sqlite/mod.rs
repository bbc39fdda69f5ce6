//! `switchboard:pbx/sqlite`: SQL on the shared `pbx` database and the plugin's own.
//!
//! Grant: `grants.sqlite` — `pbx` read-only, read-write or per table, and `own`. Service: the host's
//! [`crate::store::Store`]; a grant becomes SQLite authorizer policies once per mount
//! ([`SqlitePolicies`]), which judge every statement while it compiles.

#[cfg(feature = "engine")]
mod host;

use serde::Deserialize;
use toml::Spanned;

#[cfg(feature = "engine")]
pub(crate) use self::host::CAPABILITY;
#[cfg(feature = "engine")]
pub use self::host::{Connection, STORAGE_FULL, SqlitePolicies};
use super::Grants;
use crate::config::Problems;

/// `grants.sqlite`: which databases a mount may open, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqliteGrant {
    /// The shared `pbx` database; `None`: not granted.
    pub pbx: Option<PbxAccess>,
    /// The plugin's own private database.
    pub own: bool,
}

/// How a mount may use the shared `pbx` database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PbxAccess {
    /// `"read-only"`: read every table.
    ReadOnly,
    /// `"read-write"`: read and write rows of every table.
    ReadWrite,
    /// `{ read = [...], write = [...] }`: per table; `*` means every table; writing implies reading.
    Tables {
        /// Tables it may read.
        read: Vec<String>,
        /// Tables it may write.
        write: Vec<String>,
    },
}

/// `grants.sqlite` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGrant {
    pbx: Option<Spanned<RawPbxAccess>>,
    #[serde(default)]
    own: bool,
}

impl RawGrant {
    /// Whether it asks for any database (which needs a `[store]`).
    pub(crate) fn requested(&self) -> bool {
        self.pbx.is_some() || self.own
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawPbxAccess {
    Level(String),
    Tables {
        #[serde(default)]
        read: Vec<String>,
        #[serde(default)]
        write: Vec<String>,
    },
}

/// The typed grant; an unknown level or a table the `pbx` schema lacks is a problem.
pub(crate) fn validate_grant(raw: &RawGrant, problems: &mut Problems<'_>) -> SqliteGrant {
    let pbx = raw.pbx.as_ref().and_then(|access| validate_pbx_access(access, problems));
    SqliteGrant { pbx, own: raw.own }
}

fn validate_pbx_access(access: &Spanned<RawPbxAccess>, problems: &mut Problems<'_>) -> Option<PbxAccess> {
    let at = access.span().start;
    match access.get_ref() {
        RawPbxAccess::Level(level) => match level.as_str() {
            "read-only" => Some(PbxAccess::ReadOnly),
            "read-write" => Some(PbxAccess::ReadWrite),
            other => {
                problems.add(at, format!("sqlite.pbx = \"{other}\": write \"read-only\", \"read-write\" or {{ read = [...], write = [...] }}"));
                None
            }
        },
        RawPbxAccess::Tables { read, write } => {
            let known = crate::store::migrate::schema_tables();
            let mut ok = true;
            for table in read.iter().chain(write) {
                if table != "*" && !known.iter().any(|t| t.eq_ignore_ascii_case(table)) {
                    problems.add(at, format!("sqlite.pbx names table `{table}`, which the pbx schema does not have (see wit/pbx-schema.md)"));
                    ok = false;
                }
            }
            ok.then(|| PbxAccess::Tables { read: read.clone(), write: write.clone() })
        }
    }
}

/// Whether a mount's grants lend any database.
pub fn granted(grants: &Grants) -> bool {
    grants.sqlite.pbx.is_some() || grants.sqlite.own
}
