//! `wasi:filesystem`: the file areas (`[areas]`: recordings, voicemail, …) a mount lends, each
//! preopened in the plugin's filesystem under its name (`/recordings`).
//!
//! Grant: `grants.files`, area name → `"read-only"` or `"read-write"`. The engine links
//! `wasi:filesystem` for every plugin; without a grant there is simply nothing preopened. cap-std
//! resolves every path inside its preopened directory, `..` and symlinks included, so nothing
//! outside an area is reachable.

use std::collections::BTreeMap;

use toml::Spanned;

use super::Grants;
use crate::config::Problems;

/// How a mount may use a file area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileAccess {
    /// Read files and list directories.
    ReadOnly,
    /// Also create, write, rename and delete.
    ReadWrite,
}

/// `grants.files` as written.
pub(crate) type RawGrant = BTreeMap<String, Spanned<String>>;

/// The typed grant; an access other than the two is a problem. (Whether each area exists is
/// checked against `[areas]` by the config.)
pub(crate) fn validate_grant(raw: &RawGrant, problems: &mut Problems<'_>) -> BTreeMap<String, FileAccess> {
    let mut files = BTreeMap::new();
    for (area, access) in raw {
        match access.get_ref().as_str() {
            "read-only" => {
                files.insert(area.clone(), FileAccess::ReadOnly);
            }
            "read-write" => {
                files.insert(area.clone(), FileAccess::ReadWrite);
            }
            other => problems.add(access.span().start, format!("file grant `{area} = \"{other}\"`: write `\"read-only\"` or `\"read-write\"`")),
        }
    }
    files
}

/// Whether a mount's grants lend any area.
pub fn granted(grants: &Grants) -> bool {
    !grants.files.is_empty()
}

#[cfg(feature = "engine")]
pub(crate) use self::engine::{CAPABILITY, preopen};

#[cfg(feature = "engine")]
mod engine {
    use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

    use super::FileAccess;
    use crate::capabilities::{Capability, MountContext};

    /// `wasi:filesystem/preopens`, lent by `grants.files` (linked by the engine).
    pub(crate) const CAPABILITY: Capability = Capability {
        interfaces: &["wasi:filesystem/preopens"],
        grant: Some("files"),
        granted: super::granted,
        link: None,
    };

    /// Preopens each area `mount` grants, under its name. An area that cannot be opened is left
    /// out (the plugin sees no such directory) and logged.
    pub(crate) fn preopen(wasi: &mut WasiCtxBuilder, mount: &MountContext) {
        for (area, access) in &mount.grants.files {
            let Some(dir) = mount.services.areas.get(area) else { continue };
            let perms = match access {
                FileAccess::ReadOnly => FsPerms::ReadOnly,
                FileAccess::ReadWrite => FsPerms::ReadWrite,
            };
            if let Err(e) = wasi.preopened_dir(dir, format!("/{area}"), perms) {
                tracing::warn!(plugin = &*mount.plugin, route = &*mount.route, area, dir = %dir.display(), error = %e,
                    "file area could not be opened for this request; the plugin will not see it");
            }
        }
    }
}
