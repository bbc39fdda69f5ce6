//! Zip files: backups and snapshots are zips, written and read in the plugin with the `zip` crate
//! (pure Rust, deflate through miniz_oxide; builds for wasm32-wasip2).
//!
//! A zip from a client is hostile until read: entry names are checked before anything is written
//! under them (no `..`, no absolute path, no backslash or control character), and every entry is
//! read through a byte budget, so a small zip that inflates to gigabytes (or lies about its sizes)
//! stops at the budget instead of filling memory or the disk.

use std::io::{Read, Seek, Write};

use switchboard_sdk::prelude::*;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The most a restore inflates in total: far above a PBX's configuration, greetings and
/// voicemail, far below what would hurt the host.
pub const MAX_INFLATED: u64 = 512 * 1024 * 1024;

/// The most entries a zip may hold.
pub const MAX_ENTRIES: usize = 20_000;

/// Whether `bytes` are a zip this plugin can read (its central directory parses).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK") && ZipArchive::new(std::io::Cursor::new(bytes)).is_ok_and(|z| z.len() <= MAX_ENTRIES)
}

/// A zip being read, with what is left of its inflation budget.
pub struct Reader<R: Read + Seek> {
    zip: ZipArchive<R>,
    budget: u64,
}

/// One entry: its index and its checked name (`greetings/usergreeting1234.wav`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub index: usize,
    pub name: String,
}

impl<R: Read + Seek> Reader<R> {
    /// Opens a zip; an error when it is not one.
    pub fn new(source: R) -> Result<Self, Error> {
        let zip = ZipArchive::new(source).map_err(|e| Error::unprocessable(format!("not a zip file: {e}")))?;
        if zip.len() > MAX_ENTRIES {
            return Err(Error::unprocessable(format!("the zip holds more than {MAX_ENTRIES} entries")));
        }
        Ok(Reader { zip, budget: MAX_INFLATED })
    }

    /// The files (not directories) whose names are safe to write under, in the zip's order.
    /// An unsafe name is an error naming it: a backup that carries one was not made here.
    pub fn files(&mut self) -> Result<Vec<Entry>, Error> {
        let mut entries = Vec::new();
        for index in 0..self.zip.len() {
            let file = self.zip.by_index(index).map_err(|e| Error::unprocessable(format!("zip entry {index}: {e}")))?;
            let name = file.name().map_err(|e| Error::unprocessable(format!("zip entry {index}: {e}")))?.into_owned();
            if file.is_dir() {
                continue;
            }
            if !safe_path(&name) {
                return Err(Error::unprocessable(format!("the zip entry {name:?} is not a plain relative path")));
            }
            entries.push(Entry { index, name });
        }
        Ok(entries)
    }

    /// The whole entry named `name`, if there is one, within `max` bytes.
    pub fn read_named(&mut self, name: &str, max: u64) -> Result<Option<Vec<u8>>, Error> {
        let Some(index) = self.zip.index_for_name(name) else { return Ok(None) };
        let mut out = Vec::new();
        self.copy(index, &mut out, max)?;
        Ok(Some(out))
    }

    /// Inflates entry `index` into `out`, at most `max` bytes and what is left of the budget.
    pub fn copy(&mut self, index: usize, out: &mut impl Write, max: u64) -> Result<u64, Error> {
        let limit = max.min(self.budget);
        let file = self.zip.by_index(index).map_err(|e| Error::unprocessable(format!("zip entry {index}: {e}")))?;
        let name = file.name().map(|n| n.into_owned()).unwrap_or_default();
        let mut limited = file.take(limit + 1);
        let copied = std::io::copy(&mut limited, out).map_err(|e| Error::unprocessable(format!("zip entry {name:?} does not inflate: {e}")))?;
        if copied > limit {
            return Err(Error::unprocessable(format!("zip entry {name:?} inflates to more than {limit} bytes")));
        }
        self.budget -= copied;
        Ok(copied)
    }
}

/// Whether `name` is a relative path of plain segments: no empty, `.` or `..` segment, no leading
/// `/`, no backslash, drive letter, NUL or other control character.
pub fn safe_path(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 512
        && !name.chars().any(|c| c.is_control() || c == '\\' || c == ':')
        && name.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

/// A zip being written.
pub struct Writer<W: Write + Seek> {
    zip: ZipWriter<W>,
}

impl<W: Write + Seek> Writer<W> {
    pub fn new(sink: W) -> Self {
        Writer { zip: ZipWriter::new(sink) }
    }

    /// Adds `name` with the bytes `source` yields, deflated.
    pub fn add(&mut self, name: &str, source: &mut impl Read) -> Result<(), Error> {
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).large_file(false);
        self.zip.start_file(name, options).map_err(|e| Error::internal(format!("writing {name} into the zip: {e}")))?;
        std::io::copy(source, &mut self.zip).map_err(|e| Error::internal(format!("writing {name} into the zip: {e}")))?;
        Ok(())
    }

    /// Writes the central directory; the sink is complete after this.
    pub fn finish(self) -> Result<W, Error> {
        self.zip.finish().map_err(|e| Error::internal(format!("finishing the zip: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = Writer::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            writer.add(name, &mut &data[..]).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn entries_written_are_read_back() {
        let bytes = zip_of(&[("model.json", b"{}"), ("greetings/usergreeting1234.wav", b"RIFF")]);
        assert!(is_zip(&bytes));
        let mut reader = Reader::new(Cursor::new(bytes)).unwrap();
        let names: Vec<String> = reader.files().unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["model.json", "greetings/usergreeting1234.wav"]);
        assert_eq!(reader.read_named("model.json", 10).unwrap().as_deref(), Some(b"{}".as_slice()));
        assert_eq!(reader.read_named("missing", 10).unwrap(), None);
    }

    #[test]
    fn hostile_names_and_bombs_are_refused() {
        for name in ["../etc/passwd", "/etc/passwd", "a/../../b", "a\\b", "c:/x", "a//b", "nul\0.wav", "./x"] {
            assert!(!safe_path(name), "{name:?}");
            let bytes = zip_of(&[(name, b"x")]);
            if let Ok(mut reader) = Reader::new(Cursor::new(bytes)) {
                assert!(reader.files().is_err(), "{name:?}");
            }
        }
        let bomb = zip_of(&[("model.json", &vec![b' '; 1 << 20])]);
        assert!(bomb.len() < 10_000, "deflate squeezes the spaces");
        let mut reader = Reader::new(Cursor::new(bomb)).unwrap();
        assert_eq!(reader.read_named("model.json", 1000).unwrap_err().status(), 422);
        assert!(!is_zip(b"PK not really"));
        assert!(!is_zip(b"RIFF...."));
    }
}
