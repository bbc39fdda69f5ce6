//! `uploads`: one file, posted as multipart field `file`, stored in the `uploads` area (prompts and
//! sounds for the PBX to play).
//!
//! The client's file name is only a hint: its last path component is kept, every character outside
//! `[A-Za-z0-9._-]` becomes `_`, it may not start with `.` (no hidden files, no `.htaccess`, none of
//! our temporary files), it is cut to 128 bytes, and its extension must be one of the sound formats
//! Asterisk plays. A name already taken gets `-1`, `-2`… before the extension: an upload never
//! replaces a file. The bytes go to a hidden temporary file first, are synced, then linked under
//! the final name, which fails rather than replaces if another upload took the name meanwhile: a
//! reader never sees half a file, and a crash leaves at most a hidden temporary file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use switchboard_sdk::prelude::*;
use switchboard_sdk::{handler, multipart, settings};

/// The area uploads are stored in.
const AREA: &str = "/uploads";

/// The limit when the mount's `upload-max-bytes` setting is absent: 10 MiB, ten minutes of 8 kHz
/// 16-bit audio.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// The extensions admitted: the sound formats Asterisk plays.
const EXTENSIONS: [&str; 9] = ["wav", "mp3", "gsm", "ulaw", "alaw", "sln", "sln16", "g722", "ogg"];

/// The longest stored name, in bytes.
const MAX_NAME: usize = 128;

/// How many `-n` suffixes are tried before giving up on a name.
const MAX_SUFFIX: u32 = 1000;

#[derive(Serialize)]
struct Stored {
    file: String,
    size: u64,
}

/// `POST uploads`: stores the form's `file` part; `{"data":{"file":<stored name>,"size":<bytes>}}`.
pub fn upload(req: &Request) -> Result<Response, Error> {
    // The form is read first: its `api_key` field counts like the query's (as a PHP upload form's
    // did), the query winning. A body that is no form leaves the key to the query alone.
    let parts = multipart::parts(req);
    let form_key = parts.as_ref().ok().and_then(|parts| parts.iter().find(|p| p.name == "api_key" && !p.is_file())).and_then(|p| p.text());
    let input = crate::params::Input::of(req);
    crate::access::authenticate_key(input.non_empty("api_key").or(form_key.filter(|k| !k.is_empty())))?;
    if req.method() != "POST" {
        return Err(Error::new(405, "method_not_allowed", "uploads takes a POST of a multipart form").with_header("allow", "POST"));
    }
    let parts = parts.map_err(|e| crate::answer::invalid("file", format!("is not readable: {e}")))?;
    let mut files = parts.iter().filter(|p| p.name == "file");
    let part = files.next().ok_or_else(|| crate::answer::missing("file"))?;
    if files.next().is_some() {
        return Err(crate::answer::invalid("file", "must be one file per upload"));
    }
    let Some(client_name) = part.filename.as_deref() else {
        return Err(crate::answer::invalid("file", "must be a file, not a plain value"));
    };
    let limit = max_bytes()?;
    let size = part.data.len() as u64;
    if size > limit {
        return Err(Error::new(413, "file_too_large", format!("`file` has {size} bytes, more than the {limit} this mount accepts")));
    }
    let name = safe_name(client_name).map_err(|why| crate::answer::invalid("file", why))?;
    let area = Path::new(AREA);
    if !area.is_dir() {
        return Err(crate::answer::internal("the `uploads` file area is not granted to this mount (grants.files.uploads)"));
    }
    let stored = store(area, &name, part.data)?;
    crate::answer::data(Stored { file: stored, size })
}

/// The size limit: the `upload-max-bytes` setting, or [`DEFAULT_MAX_BYTES`]; never above what the
/// SDK reads of a request body (a larger body is refused 413 before this runs anyway).
fn max_bytes() -> Result<u64, Error> {
    let cap = handler::DEFAULT_MAX_BODY as u64;
    let limit = match settings::get("upload-max-bytes") {
        None => DEFAULT_MAX_BYTES,
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| crate::answer::internal(format!("the mount's upload-max-bytes setting {text:?} is not a number of bytes")))?,
    };
    Ok(limit.min(cap))
}

/// The stored name for the client's file name `client`, or why there is none.
pub fn safe_name(client: &str) -> Result<String, String> {
    // The last component, whichever separator the client's system uses.
    let last = client.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = last
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect();
    if name.is_empty() || name.chars().all(|c| c == '.') {
        return Err(format!("{client:?} is not a file name"));
    }
    if name.starts_with('.') {
        name = name.trim_start_matches('.').to_string();
    }
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_string(), ext.to_ascii_lowercase()),
        _ => return Err(format!("{client:?} has no extension (allowed: {})", EXTENSIONS.join(", "))),
    };
    if !EXTENSIONS.contains(&extension.as_str()) {
        return Err(format!("the extension .{extension} is not allowed (allowed: {})", EXTENSIONS.join(", ")));
    }
    // Room for the extension and a `-999` suffix within the limit. Every character is ASCII by
    // now, so cutting at a byte count cuts at a character.
    let room = MAX_NAME - extension.len() - 1 - 4;
    let stem = &stem[..stem.len().min(room)];
    Ok(format!("{stem}.{extension}"))
}

/// Writes `bytes` into `area` under `name` or, when that is taken, the first free `stem-n.ext`;
/// the name used.
fn store(area: &Path, name: &str, bytes: &[u8]) -> Result<String, Error> {
    let temporary = temporary(area);
    let written = write_synced(&temporary, bytes);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(crate::answer::internal(format!("writing the upload: {e}")));
    }
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    let result = (0..=MAX_SUFFIX)
        .map(|n| if n == 0 { name.to_string() } else { format!("{stem}-{n}.{extension}") })
        .find_map(|candidate| {
            // A hard link fails when the name exists: taking a name is one atomic step, so two
            // uploads of the same name at once cannot both have it.
            match std::fs::hard_link(&temporary, area.join(&candidate)) {
                Ok(()) => Some(Ok(candidate)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(crate::answer::internal(format!("storing the upload as {candidate}: {e}")))),
            }
        })
        .unwrap_or_else(|| Err(Error::new(409, "conflict", format!("{name} and its first {MAX_SUFFIX} variants are all taken"))));
    let _ = std::fs::remove_file(&temporary);
    result
}

/// Writes `bytes` to a new file at `path` and syncs it to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A fresh hidden name in `area`: `.upload-<random>.part`, never a stored name (those cannot start
/// with a dot).
fn temporary(area: &Path) -> PathBuf {
    area.join(format!(".upload-{}.part", uuid::Uuid::new_v4().simple()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_or_refused() {
        assert_eq!(safe_name("hello.wav").unwrap(), "hello.wav");
        assert_eq!(safe_name("Greeting 1.WAV").unwrap(), "Greeting_1.wav");
        assert_eq!(safe_name("../../etc/passwd.wav").unwrap(), "passwd.wav");
        assert_eq!(safe_name("C:\\Users\\me\\a.mp3").unwrap(), "a.mp3");
        assert_eq!(safe_name("a\r\nb.wav").unwrap(), "a__b.wav");
        assert_eq!(safe_name("a\0b.wav").unwrap(), "a_b.wav");
        assert_eq!(safe_name("привет.wav").unwrap(), "______.wav");
        assert_eq!(safe_name("..hidden.gsm").unwrap(), "hidden.gsm");
        assert_eq!(safe_name("x.sln16").unwrap(), "x.sln16");
        let long = safe_name(&format!("{}.wav", "a".repeat(1000))).unwrap();
        assert!(long.len() <= MAX_NAME - 4 && long.ends_with(".wav"));

        for bad in ["", ".", "..", "/", "a/", "../..", "passwd", ".htaccess", "x.php", "x.wav.php", "x.", "shell.sh", ".wav"] {
            assert!(safe_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn taken_names_get_a_number_and_nothing_else_is_left() {
        let area = std::env::temp_dir().join(format!("evolvex-uploads-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&area).unwrap();
        assert_eq!(store(&area, "a.wav", b"one").unwrap(), "a.wav");
        assert_eq!(store(&area, "a.wav", b"two").unwrap(), "a-1.wav");
        std::fs::write(area.join("a-2.wav"), b"someone else's").unwrap();
        assert_eq!(store(&area, "a.wav", b"three").unwrap(), "a-3.wav");
        assert_eq!(std::fs::read(area.join("a.wav")).unwrap(), b"one");
        assert_eq!(std::fs::read(area.join("a-1.wav")).unwrap(), b"two");
        assert_eq!(std::fs::read(area.join("a-2.wav")).unwrap(), b"someone else's");
        assert_eq!(std::fs::read(area.join("a-3.wav")).unwrap(), b"three");
        let mut names: Vec<String> = std::fs::read_dir(&area).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["a-1.wav", "a-2.wav", "a-3.wav", "a.wav"], "no temporary file left");
        std::fs::remove_dir_all(&area).unwrap();
    }
}
