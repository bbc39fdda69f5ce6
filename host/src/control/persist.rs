//! Live changes written back to the config file, so they survive a restart.
//!
//! Why the file itself rather than an overlay beside it: the admin reads one file to know what the
//! server runs, `switchboard check` checks what will start, and a reload (SIGHUP) reads the same
//! file the API wrote. The file is edited with `toml_edit`, which keeps comments, order and
//! formatting, and only the keys a change concerns are touched (`enabled`, `plugin`, one
//! `[[mount]]` added or removed). The edited text must load as a config before anything changes
//! live. It replaces the file atomically: written to a temporary file in the same directory,
//! synced, renamed over the file, and the directory synced, so a crash leaves the old file or the
//! new one, never half of one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::ControlError;
use crate::config::{self, Config, normalize_route};

/// One change, as the config file says it.
pub(crate) enum Edit {
    /// `enabled = false` on the route's `[[mount]]`, or the key removed (true is the default).
    Enabled { route: String, enabled: bool },
    /// The route's `plugin = "…"`.
    Plugin { route: String, plugin: String },
    /// A new `[[mount]]` at the end.
    Add { table: Table },
    /// The route's `[[mount]]` removed.
    Remove { route: String },
}

/// The config file a server was started from.
pub(crate) struct ConfigFile {
    path: PathBuf,
    dir: PathBuf,
}

impl ConfigFile {
    /// The file at `path` (as given: messages name it the way the admin did).
    pub fn new(path: PathBuf) -> Self {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        ConfigFile { path, dir }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory relative plugin paths are read from, and uploads and the audit go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file's text with `edit` made, and the config it loads as; refused when the edit cannot
    /// be made or the result would not load.
    pub fn edited(&self, edit: &Edit) -> Result<(String, Config), ControlError> {
        let failed = |why: String| ControlError::persist(format!("{}: {why}", self.path.display()));
        let text = std::fs::read_to_string(&self.path).map_err(|e| failed(format!("cannot read the file: {e}")))?;
        let mut doc: DocumentMut = text.parse().map_err(|e| failed(format!("cannot parse the file: {e}")))?;
        apply(&mut doc, edit).map_err(failed)?;
        let text = doc.to_string();
        let config = config::parse(&text, &self.path).map_err(|e| ControlError::invalid(e.to_string()))?;
        Ok((text, config))
    }

    /// Replaces the file with `text`, atomically (see the module's doc), keeping its permissions.
    pub fn write(&self, text: &str) -> anyhow::Result<()> {
        let name = self.path.file_name().context("the config path names no file")?.to_string_lossy().into_owned();
        let temp = self.dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let permissions = std::fs::metadata(&self.path).map(|m| m.permissions()).ok();
        let written = (|| -> anyhow::Result<()> {
            let mut file = std::fs::File::create(&temp).with_context(|| format!("creating {}", temp.display()))?;
            if let Some(permissions) = permissions {
                file.set_permissions(permissions)?;
            }
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temp, &self.path).with_context(|| format!("renaming {} to {}", temp.display(), self.path.display()))?;
            std::fs::File::open(&self.dir)?.sync_all()?;
            Ok(())
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written
    }
}

/// Stores an uploaded component at `path` (named after its hash, so the same bytes are the same
/// file and an existing one is never overwritten), atomically.
pub(crate) fn store_upload(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.is_file() {
        return Ok(());
    }
    let dir = path.parent().context("an upload path has a directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let temp = dir.join(format!(".upload.{}.tmp", std::process::id()));
    let mut file = std::fs::File::create(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temp, path)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn apply(doc: &mut DocumentMut, edit: &Edit) -> Result<(), String> {
    match edit {
        Edit::Enabled { route, enabled } => {
            let table = mount_table(doc, route)?;
            if *enabled {
                table.remove("enabled");
            } else {
                table.insert("enabled", value(false));
            }
        }
        Edit::Plugin { route, plugin } => {
            let table = mount_table(doc, route)?;
            match table.get_mut("plugin").and_then(Item::as_value_mut) {
                Some(old) => {
                    // The new value keeps the old one's surrounding spaces and trailing comment.
                    let decor = old.decor().clone();
                    *old = plugin.as_str().into();
                    *old.decor_mut() = decor;
                }
                None => {
                    table.insert("plugin", value(plugin.as_str()));
                }
            }
        }
        Edit::Add { table } => {
            if doc.get("mount").is_none() {
                doc.insert("mount", Item::ArrayOfTables(ArrayOfTables::new()));
            }
            mounts(doc)?.push(table.clone());
        }
        Edit::Remove { route } => {
            let index = mount_index(doc, route)?;
            mounts(doc)?.remove(index);
        }
    }
    Ok(())
}

fn mounts(doc: &mut DocumentMut) -> Result<&mut ArrayOfTables, String> {
    match doc.get_mut("mount") {
        Some(Item::ArrayOfTables(mounts)) => Ok(mounts),
        Some(_) => Err("its mounts are not written as `[[mount]]` tables, which is the one form the admin API edits".into()),
        None => Err("it has no `[[mount]]`".into()),
    }
}

/// The index of the one `[[mount]]` whose route is `route` (after normalization).
fn mount_index(doc: &mut DocumentMut, route: &str) -> Result<usize, String> {
    let found: Vec<usize> = mounts(doc)?
        .iter()
        .enumerate()
        .filter(|(_, t)| t.get("route").and_then(Item::as_str).and_then(|r| normalize_route(r).ok()).as_deref() == Some(route))
        .map(|(i, _)| i)
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("it has no `[[mount]]` with route `{route}` (was the file edited since the server read it? reload it first)")),
        _ => Err(format!("it has {} `[[mount]]`s with route `{route}`", found.len())),
    }
}

fn mount_table<'a>(doc: &'a mut DocumentMut, route: &str) -> Result<&'a mut Table, String> {
    let index = mount_index(doc, route)?;
    mounts(doc)?.get_mut(index).ok_or_else(|| "the mount vanished".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# The office's plugins.\n[[listener]]\naddress = \"127.0.0.1:0\"\n\n\
        # Greets.\n[[mount]]\nroute = \"/hello\"  # the greeting\nplugin = \"hello\"   # built in\n\n\
        [[mount]]\nroute = \"/two/\"\nplugin = \"hello\"\nsettings = { greeting = \"Hi\" }\n";

    fn edited(edit: Edit) -> String {
        let mut doc: DocumentMut = FILE.parse().unwrap();
        apply(&mut doc, &edit).unwrap();
        doc.to_string()
    }

    #[test]
    fn edits_touch_one_key_and_keep_comments() {
        let off = edited(Edit::Enabled { route: "/two".into(), enabled: false });
        assert_eq!(off, FILE.replace("settings = { greeting = \"Hi\" }\n", "settings = { greeting = \"Hi\" }\nenabled = false\n"));
        let mut doc: DocumentMut = off.parse().unwrap();
        apply(&mut doc, &Edit::Enabled { route: "/two".into(), enabled: true }).unwrap();
        assert_eq!(doc.to_string(), FILE);

        let swapped = edited(Edit::Plugin { route: "/hello".into(), plugin: "plugins/sha256-ab.wasm".into() });
        assert_eq!(swapped, FILE.replace("plugin = \"hello\"   # built in", "plugin = \"plugins/sha256-ab.wasm\"   # built in"));

        let removed = edited(Edit::Remove { route: "/hello".into() });
        assert!(removed.starts_with("# The office's plugins.\n") && !removed.contains("/hello"), "{removed}");

        let mut table = Table::new();
        table.insert("route", value("/new"));
        table.insert("plugin", value("hello"));
        let added = edited(Edit::Add { table });
        assert!(added.starts_with(FILE) && added.ends_with("[[mount]]\nroute = \"/new\"\nplugin = \"hello\"\n"), "{added}");
    }

    #[test]
    fn an_unknown_route_is_refused() {
        let mut doc: DocumentMut = FILE.parse().unwrap();
        assert!(apply(&mut doc, &Edit::Remove { route: "/nope".into() }).is_err());
    }
}
