//! `/backups`: the whole PBX in one zip — configuration, greetings, voicemail — and restoring the
//! parts of one a client picks.
//!
//! A backup (`sarkbak.<epoch>.zip` in the `backups` file area) holds:
//!
//! | entry | what |
//! |-------|------|
//! | `model.json` | the configuration, as a snapshot holds it ([`model`](super::model)) |
//! | `greetings/usergreeting….wav` | the user greetings of the `greetings` area |
//! | `voicemail/<context>/<box>/…` | the `voicemail` area's files |
//!
//! `PUT /backups/{backup}` restores what the body's booleans pick: `restoredb` (the
//! configuration, in one transaction, as a snapshot restore), `restoreusergreeting` (the
//! greetings are replaced by the backup's), `restorevmail` (each voicemail context the backup
//! holds is replaced by its copy), `restoreasterisk` (SARK copied `/etc/asterisk` back; here the
//! host renders Asterisk's configuration from the model again, i.e. apply-changes), and
//! `restoreldap`, which is not supported (Switchboard keeps no LDAP directory): the answer says
//! so. Everything the zip holds is checked (names, sizes, the model) before anything changes.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use switchboard_sdk::pbx::{self, ApplyError};
use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;

use super::archive::{self, Entry};
use super::model::{self};
use super::saved::{self, Kind};
use super::snapshots::{self, MODEL_ENTRY};
use super::{area, clock};
use crate::laravel;

const KIND: Kind = Kind { prefix: "sarkbak.", suffix: ".zip", field: "uploadzip", upload_dir: "bkups", noun: "backup" };

/// The most voicemail files a backup takes.
const MAX_FILES: usize = 10_000;

/// The deepest voicemail directory walked (`<context>/<box>/<folder>/msg0000.wav` is 4).
const MAX_DEPTH: usize = 6;

pub fn routes(router: Router) -> Router {
    router
        .get("/backups", |_: &Request| KIND.index())
        .get("/backups/new", |_: &Request| new())
        .get("/backups/{backup}", |req: &Request| KIND.download(req.param("backup").unwrap_or_default()))
        .post("/backups", |req: &Request| KIND.upload(req, |_| Ok(())))
        .put("/backups/{backup}", restore)
        .delete("/backups/{backup}", |req: &Request| KIND.delete(req.param("backup").unwrap_or_default()))
}

fn new() -> Result<Response, Error> {
    let (name, path) = KIND.new_name()?;
    let temporary = area::temporary_beside(&path);
    let written = write_backup(&temporary).and_then(|()| {
        std::fs::rename(&temporary, &path).map_err(|e| Error::internal(format!("writing {}: {e}", path.display())))
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written?;
    Ok(laravel::ok(&obj([("newbackupname", name)])))
}

/// Writes the zip at `path`, streaming each file from its area into it.
fn write_backup(path: &Path) -> Result<(), Error> {
    let dump = model::dump(clock::now())?;
    let json = serde_json::to_vec(&dump.to_json()).map_err(|e| Error::internal(format!("writing the model: {e}")))?;
    let file = std::fs::File::create(path).map_err(|e| Error::internal(format!("creating {}: {e}", path.display())))?;
    let mut zip = archive::Writer::new(std::io::BufWriter::new(file));
    zip.add(MODEL_ENTRY, &mut json.as_slice())?;
    if area::granted("greetings") {
        for (name, _) in area::list(Path::new("/greetings"), |n| n.starts_with("usergreeting") && area::file_name(n).is_some())? {
            add_file(&mut zip, &format!("greetings/{name}"), &Path::new("/greetings").join(&name))?;
        }
    }
    if area::granted("voicemail") {
        let mut files = Vec::new();
        walk(Path::new("/voicemail"), String::new(), 0, &mut files)?;
        for (relative, full) in files {
            add_file(&mut zip, &format!("voicemail/{relative}"), &full)?;
        }
    }
    use std::io::Write as _;
    zip.finish()?.flush().map_err(|e| Error::internal(format!("writing {}: {e}", path.display())))
}

fn add_file<W: std::io::Write + std::io::Seek>(zip: &mut archive::Writer<W>, name: &str, path: &Path) -> Result<(), Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::internal(format!("reading {}: {e}", path.display())))?;
    zip.add(name, &mut BufReader::new(file))
}

/// The regular files under `dir` (relative path, full path), hidden ones skipped.
fn walk(dir: &Path, prefix: String, depth: usize, out: &mut Vec<(String, PathBuf)>) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::internal(format!("listing {}: {e}", dir.display())))?;
    let mut names: Vec<(String, std::fs::FileType)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.file_type().ok()?)))
        .filter(|(n, _)| area::file_name(n).is_some())
        .collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in names {
        let relative = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        if kind.is_dir() {
            walk(&dir.join(&name), relative, depth + 1, out)?;
        } else if kind.is_file() {
            if out.len() >= MAX_FILES {
                return Err(Error::internal(format!("the voicemail area holds more than {MAX_FILES} files")));
            }
            out.push((relative, dir.join(&name)));
        }
    }
    Ok(())
}

/// Laravel's `boolean`: true, false, 1, 0, "1", "0"; whether it is a true one.
fn truthy(input: &laravel::Input, field: &str) -> bool {
    matches!(input.value(field), Some(serde_json::Value::Bool(true))) || input.text(field).as_deref() == Some("1")
}

fn restore(req: &Request) -> Result<Response, Error> {
    let input = laravel::Input::from_request(req)?;
    let rules: [laravel::Rules; 5] = [
        ("restoredb", &["boolean"]),
        ("restoreasterisk", &["boolean"]),
        ("restoreusergreeting", &["boolean"]),
        ("restorevmail", &["boolean"]),
        ("restoreldap", &["boolean"]),
    ];
    laravel::validate(&input, &rules, &laravel::no_lookup)?;
    let name = req.param("backup").unwrap_or_default();
    let path = KIND.existing(name)?;
    let wants = |field| truthy(&input, field);

    // Read and check everything first: nothing changes unless the whole backup reads.
    let open = || std::fs::File::open(&path).map(BufReader::new).map_err(|e| Error::internal(format!("opening {}: {e}", path.display())));
    let mut zip = archive::Reader::new(open()?).map_err(|e| laravel::error_body(422, &obj([("Error", format!("{name} has errors: {}", e.message()))])))?;
    let entries = zip.files().map_err(|e| laravel::error_body(422, &obj([("Error", format!("{name} has errors: {}", e.message()))])))?;
    let dump = if wants("restoredb") && entries.iter().any(|e| e.name == MODEL_ENTRY) { Some(snapshots::read_model(open()?, "backup")?) } else { None };
    let greetings: Vec<&Entry> = entries.iter().filter(|e| greeting_entry(&e.name).is_some()).collect();
    let voicemail: Vec<&Entry> = entries.iter().filter(|e| e.name.starts_with("voicemail/") && e.name.split('/').all(|s| area::file_name(s).is_some() || s == "voicemail")).collect();
    if wants("restoreusergreeting") && !greetings.is_empty() {
        area::root("greetings")?;
    }
    if wants("restorevmail") && !voicemail.is_empty() {
        area::root("voicemail")?;
    }

    if let Some(dump) = &dump {
        model::restore(dump)?;
    }
    if wants("restoreusergreeting") && !greetings.is_empty() {
        restore_greetings(&mut zip, &greetings)?;
    }
    if wants("restorevmail") && !voicemail.is_empty() {
        restore_voicemail(&mut zip, &voicemail)?;
    }
    if wants("restoreasterisk") {
        match pbx::apply_changes() {
            Ok(_) | Err(ApplyError::ReloadPending(_)) => {}
            Err(e) => return Err(laravel::error_body(500, &obj([("Error", format!("{name} restored, but Asterisk's configuration was not rendered: {}", Error::from(e).message()))]))),
        }
    }
    let mut answer = vec![("restored".to_string(), Json::Str(name.to_string()))];
    if wants("restoreldap") {
        answer.push(("restoreldap".into(), Json::Str("not supported: Switchboard keeps no LDAP directory".into())));
    }
    Ok(laravel::ok(&Json::Obj(answer)))
}

/// The greeting's file name of a `greetings/usergreeting…` entry.
fn greeting_entry(name: &str) -> Option<&str> {
    name.strip_prefix("greetings/").and_then(area::file_name).filter(|n| n.starts_with("usergreeting"))
}

/// Replaces the area's greetings with the backup's.
fn restore_greetings<R: Read + std::io::Seek>(zip: &mut archive::Reader<R>, entries: &[&Entry]) -> Result<(), Error> {
    for (name, _) in area::list(Path::new("/greetings"), |n| n.starts_with("usergreeting"))? {
        std::fs::remove_file(Path::new("/greetings").join(&name)).map_err(|e| Error::internal(format!("removing greeting {name}: {e}")))?;
    }
    for entry in entries {
        let Some(file) = greeting_entry(&entry.name) else { continue };
        extract(zip, entry, &Path::new("/greetings").join(file))?;
    }
    Ok(())
}

/// Replaces each voicemail context the backup holds with the backup's copy of it.
fn restore_voicemail<R: Read + std::io::Seek>(zip: &mut archive::Reader<R>, entries: &[&Entry]) -> Result<(), Error> {
    let mut contexts: Vec<&str> = entries.iter().filter_map(|e| e.name.split('/').nth(1)).collect();
    contexts.sort();
    contexts.dedup();
    for context in contexts {
        let dir = Path::new("/voicemail").join(context);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::internal(format!("clearing voicemail context {context}: {e}")))?;
        }
    }
    for entry in entries {
        let relative = entry.name.trim_start_matches("voicemail/");
        let target = Path::new("/voicemail").join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::internal(format!("creating {}: {e}", parent.display())))?;
        }
        extract(zip, entry, &target)?;
    }
    Ok(())
}

/// Inflates `entry` into `target` through a temporary file beside it.
fn extract<R: Read + std::io::Seek>(zip: &mut archive::Reader<R>, entry: &Entry, target: &Path) -> Result<(), Error> {
    let temporary = area::temporary_beside(target);
    let mut file = std::fs::File::create(&temporary).map_err(|e| Error::internal(format!("creating {}: {e}", target.display())))?;
    let copied = zip.copy(entry.index, &mut file, archive::MAX_INFLATED);
    drop(file);
    if let Err(e) = copied.and_then(|_| std::fs::rename(&temporary, target).map_err(|e| Error::internal(format!("writing {}: {e}", target.display())))) {
        let _ = std::fs::remove_file(&temporary);
        return Err(e);
    }
    Ok(())
}

#[allow(dead_code)]
const _AREA: &str = saved::AREA;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_greetings_are_restored_as_greetings() {
        assert_eq!(greeting_entry("greetings/usergreeting1234.wav"), Some("usergreeting1234.wav"));
        for bad in ["greetings/../x", "greetings/other.wav", "greetings/a/usergreeting1.wav", "voicemail/usergreeting1.wav", "greetings/.usergreeting1.wav"] {
            assert_eq!(greeting_entry(bad), None, "{bad}");
        }
    }

    #[test]
    fn booleans_read_as_laravel_reads_them() {
        let input = laravel::Input::from_json(serde_json::json!({"a": true, "b": 1, "c": "1", "d": false, "e": "0", "f": 0}));
        for (field, want) in [("a", true), ("b", true), ("c", true), ("d", false), ("e", false), ("f", false), ("g", false)] {
            assert_eq!(truthy(&input, field), want, "{field}");
        }
    }
}
