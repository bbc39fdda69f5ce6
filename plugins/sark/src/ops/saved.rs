//! What backups and snapshots share: both are zips kept in the `backups` file area, named with
//! the time they were taken as SARK named them (`sarkbak.<epoch>.zip`, `sark.db.<epoch>`), listed
//! with their size and date, downloaded, uploaded as a multipart form field, and deleted.

use std::path::PathBuf;

use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;

use super::{archive, area, clock, multipart};
use crate::laravel;

/// The file area both live in.
pub const AREA: &str = "backups";

/// One kind of saved set.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// The name before the time (`sarkbak.`, `sark.db.`).
    pub prefix: &'static str,
    /// The name after it (`.zip`, ``).
    pub suffix: &'static str,
    /// The upload's form field (`uploadzip`, `uploadsnap`).
    pub field: &'static str,
    /// Where SARK said it stored an upload (`bkups`, `snaps`), for the upload's answer.
    pub upload_dir: &'static str,
    /// The kind in SARK's messages (`backup`, `snapshot`).
    pub noun: &'static str,
}

impl Kind {
    /// The time in `name`, when `name` is one of this kind's.
    pub fn time_of(&self, name: &str) -> Option<u64> {
        let digits = name.strip_prefix(self.prefix)?.strip_suffix(self.suffix)?;
        if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }

    /// The path of `name` from a request, when it is one of this kind's names.
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.time_of(name)?;
        Some(PathBuf::from(format!("/{AREA}/{name}")))
    }

    /// A fresh name: the time now, or later while one of that name exists.
    pub fn new_name(&self) -> Result<(String, PathBuf), Error> {
        let root = area::root(AREA)?;
        let mut time = clock::now();
        loop {
            let name = format!("{}{time}{}", self.prefix, self.suffix);
            let path = root.join(&name);
            if !path.exists() && !area::temporary_beside(&path).exists() {
                return Ok((name, path));
            }
            time += 1;
        }
    }

    /// `{"<name>":{"filesize":…,"date":"Sun 06 Dec 09:40:00 2026"},…}` newest first; `[]` when
    /// there are none (PHP's empty array).
    pub fn index(&self) -> Result<Response, Error> {
        let root = area::root(AREA)?;
        let files = area::list(&root, |name| self.time_of(name).is_some())?;
        if files.is_empty() {
            return Ok(laravel::ok(&Json::Arr(Vec::new())));
        }
        let entries = files
            .into_iter()
            .map(|(name, size)| {
                let date = clock::php_date(self.time_of(&name).unwrap_or(0));
                let item = obj([("filesize", Json::Int(size as i64)), ("date", Json::Str(date))]);
                (name, item)
            })
            .collect();
        Ok(laravel::ok(&Json::Obj(entries)))
    }

    /// The file, as an attachment; 404 when there is no such set.
    pub fn download(&self, name: &str) -> Result<Response, Error> {
        area::root(AREA)?;
        let path = self.path(name).ok_or_else(laravel::not_found)?;
        let response = Response::file(&path, "application/zip").map_err(|_| laravel::not_found())?;
        Ok(response.header("content-disposition", format!("attachment; filename={name}")))
    }

    /// Deletes the set: 204, or 404 `{"Error":"<name> not found in <noun> set"}`.
    pub fn delete(&self, name: &str) -> Result<Response, Error> {
        area::root(AREA)?;
        let missing = || laravel::error_body(404, &obj([("Error", format!("{name} not found in {} set", self.noun))]));
        let path = self.path(name).ok_or_else(missing)?;
        if !path.is_file() {
            return Err(missing());
        }
        std::fs::remove_file(&path).map_err(|e| Error::internal(format!("deleting {}: {e}", path.display())))?;
        Ok(laravel::deleted())
    }

    /// The path of an existing set named in the path; 404 `{"Error":"<noun> file not found"}`.
    pub fn existing(&self, name: &str) -> Result<PathBuf, Error> {
        area::root(AREA)?;
        let missing = || laravel::error_body(404, &obj([("Error", format!("{} file not found", self.noun))]));
        let path = self.path(name).ok_or_else(missing)?;
        if path.is_file() { Ok(path) } else { Err(missing()) }
    }

    /// Stores an uploaded zip after `check` accepted it, under the client's name when that is one
    /// of this kind's and free, else under a fresh one: `["Uploaded <dir>/<name>"]`.
    pub fn upload(&self, req: &Request, check: impl Fn(&[u8]) -> Result<(), Error>) -> Result<Response, Error> {
        area::root(AREA)?;
        let part = multipart::file(req, self.field)?;
        if !archive::is_zip(part.data) {
            return Err(laravel::invalid(self.field, format!("The {} must be a file of type: application/zip.", self.field)));
        }
        check(part.data)?;
        let client = part.filename.as_deref().unwrap_or_default();
        let client = client.rsplit(['/', '\\']).next().unwrap_or_default();
        let (name, path) = match self.path(client) {
            Some(path) if !path.exists() => (client.to_string(), path),
            _ => self.new_name()?,
        };
        area::write_atomic(&path, part.data)?;
        Ok(laravel::ok(&Json::Arr(vec![Json::Str(format!("Uploaded {}/{name}", self.upload_dir))])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNAP: Kind = Kind { prefix: "sark.db.", suffix: "", field: "uploadsnap", upload_dir: "snaps", noun: "snapshot" };
    const BACKUP: Kind = Kind { prefix: "sarkbak.", suffix: ".zip", field: "uploadzip", upload_dir: "bkups", noun: "backup" };

    #[test]
    fn names_carry_the_time() {
        assert_eq!(SNAP.time_of("sark.db.1765014000"), Some(1_765_014_000));
        assert_eq!(BACKUP.time_of("sarkbak.1765014000.zip"), Some(1_765_014_000));
        for bad in ["sark.db.", "sark.db.12a", "sark.db.1/../../x", "sarkbak.1765014000", "sarkbak..zip", "sark.db.1765014000.zip", "sark.db.9999999999999"] {
            assert!(SNAP.time_of(bad).is_none() || BACKUP.time_of(bad).is_none(), "{bad}");
            assert_eq!(SNAP.path(bad).is_some() && bad.contains('/'), false);
        }
        assert_eq!(BACKUP.path("sarkbak.1.zip"), Some(PathBuf::from("/backups/sarkbak.1.zip")));
        assert_eq!(BACKUP.path("../sarkbak.1.zip"), None);
    }
}
