//! The file areas the operational routes keep their files in (`greetings`, `backups`,
//! `voicemail`, `firewall`): each is a directory the host preopens at `/<area>` when the mount
//! is granted it, and nothing else of the machine is reachable.
//!
//! A name from a request is never joined to a path unchecked: [`file_name`] admits one plain
//! segment only. (The host also confines every path to its area, `..` and symlinks included; this
//! refuses early and answers 404 instead of an I/O error.)

use std::path::{Path, PathBuf};

use switchboard_sdk::prelude::*;

/// A granted area's root in the plugin's filesystem, or 503 naming the grant the mount lacks.
pub fn root(area: &str) -> Result<PathBuf, Error> {
    let root = PathBuf::from(format!("/{area}"));
    if root.is_dir() {
        Ok(root)
    } else {
        Err(Error::new(
            503,
            "files_not_granted",
            format!("the `{area}` file area is not granted to this mount (grants.files.{area})"),
        ))
    }
}

/// Whether the mount has the area.
pub fn granted(area: &str) -> bool {
    Path::new(&format!("/{area}")).is_dir()
}

/// `name` as one file name inside an area: 1 to 128 characters of letters, digits, `.`, `_`
/// and `-`, not starting with a dot (no `..`, no `/`, no NUL or other control character, no
/// hidden or temporary file of ours).
pub fn file_name(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(name)
}

/// The regular files directly in `dir` whose names `keep` admits, with their sizes, sorted by
/// name descending (SARK listed newest first, its names end in the time).
pub fn list(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<(String, u64)>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::internal(format!("listing {}: {e}", dir.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::internal(format!("listing {}: {e}", dir.display())))?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        if !keep(&name) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_file() {
            files.push((name, meta.len()));
        }
    }
    files.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(files)
}

/// Writes `bytes` to `path` whole or not at all: into a hidden temporary file beside it, then
/// renamed over it, so a reader (Asterisk playing a greeting, a download) never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let temporary = temporary_beside(path);
    std::fs::write(&temporary, bytes).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Error::internal(format!("writing {}: {e}", path.display()))
    })?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Error::internal(format!("writing {}: {e}", path.display()))
    })
}

/// `.<name>.part` beside `path`: hidden, and refused by [`file_name`], so never listed or served.
pub fn temporary_beside(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!(".{name}.part"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_pass() {
        for good in ["usergreeting1234.wav", "sarkbak.1765014000.zip", "sark.db.1765014000"] {
            assert_eq!(file_name(good), Some(good));
        }
        for bad in ["", "..", "../x", "a/b", ".hidden", "a\0b", "a\nb", "a b", "x%2F", &"a".repeat(129)] {
            assert_eq!(file_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn temporaries_are_hidden() {
        assert_eq!(temporary_beside(Path::new("/greetings/a.wav")), Path::new("/greetings/.a.wav.part"));
        assert_eq!(file_name(".a.wav.part"), None);
    }
}
