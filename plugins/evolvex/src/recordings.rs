//! Which file is a call's recording, and whether a caller may hear it.
//!
//! A call is named by its `uniqueid` (checked: digits, a dot, digits). Its CDR rows are those whose
//! `uniqueid` or `linkedid` is that id; the caller may hear it when one of them ended in a context
//! the caller's group grants (otherwise there is no recording for them: a 404, never a 403, so a
//! key learns nothing of calls outside its contexts). The file is the first non-empty
//! `recordingfile` of those rows, a path inside the `recordings` area; without one, MixMonitor's
//! default name `<uniqueid>.wav` (or `.WAV`, `.mp3`) at the area's root. Nothing from the request
//! but the checked uniqueid ever becomes part of a path.

use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite;

use crate::access::Caller;
use crate::answer;

/// The granted file area recordings are read from.
pub const AREA: &str = "/recordings";

/// What a recording file holds, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `.wav` (`.WAV` too: Asterisk's GSM-in-WAV; the media code reads its header to tell).
    Wav,
    Mp3,
    Other,
}

/// A recording file: its absolute path inside the granted area and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// E.g. `/recordings/2024/10/30/x.wav`.
    pub path: String,
    pub kind: Kind,
}

impl Recording {
    fn at(path: String) -> Recording {
        let kind = kind_of(&path);
        Recording { path, kind }
    }
}

fn kind_of(path: &str) -> Kind {
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "wav" => Kind::Wav,
        "mp3" => Kind::Mp3,
        _ => Kind::Other,
    }
}

/// `uniqueid` if it is a channel uniqueid (`1730294400.42`), else 400 `invalid_parameter`.
pub fn check_uniqueid(uniqueid: &str) -> Result<&str, Error> {
    let valid = uniqueid.split_once('.').is_some_and(|(secs, seq)| {
        let digits = |s: &str, max: usize| (1..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        digits(secs, 20) && digits(seq, 10)
    });
    if valid { Ok(uniqueid) } else { Err(answer::invalid("uniqueid", "must be a call's uniqueid such as 1730294400.42")) }
}

/// The recording of call `uniqueid` that `caller` may hear, or `None` (no such call, not the
/// caller's, or no file).
pub fn find(caller: &Caller, uniqueid: &str) -> Result<Option<Recording>, Error> {
    let uniqueid = check_uniqueid(uniqueid)?;
    let db = sqlite::open("pbx")?;
    let rows = db.query(
        "SELECT dcontext, recordingfile FROM cdr WHERE uniqueid = ?1 OR linkedid = ?1 ORDER BY calldate, id",
        &[uniqueid.into()],
    )?;
    let legs: Vec<(String, String)> = rows.rows().iter().map(|r| (r.text(0), r.text(1))).collect();
    if !legs.iter().any(|(context, _)| caller.may_use(context)) {
        return Ok(None);
    }
    for candidate in candidates(uniqueid, &legs) {
        if exists(&candidate) {
            return Ok(Some(Recording::at(candidate)));
        }
    }
    Ok(None)
}

/// The same call's recording as MP3 when one exists beside the WAV (same stem, `.mp3`).
#[allow(dead_code, reason = "get_file_mp3 serves an existing MP3 with it; unused while the media routes are placeholders")]
pub fn mp3_beside(rec: &Recording) -> Option<Recording> {
    if rec.kind == Kind::Mp3 {
        return Some(rec.clone());
    }
    let (stem, _) = rec.path.rsplit_once('.')?;
    let path = format!("{stem}.mp3");
    exists(&path).then_some(Recording { path, kind: Kind::Mp3 })
}

/// Where the file may be, in order: the first non-empty, safe `recordingfile`, else MixMonitor's
/// default names at the area's root.
fn candidates(uniqueid: &str, legs: &[(String, String)]) -> Vec<String> {
    if let Some((_, file)) = legs.iter().find(|(_, file)| !file.is_empty()) {
        // A recordingfile that would leave the area is not followed (the host would refuse it
        // anyway); the call then has no recording rather than the default name's.
        return safe_relative(file).map(|f| vec![format!("{AREA}/{f}")]).unwrap_or_default();
    }
    ["wav", "WAV", "mp3"].iter().map(|ext| format!("{AREA}/{uniqueid}.{ext}")).collect()
}

/// `file` if it is a plain relative path: no `..` or `.` component, no leading `/`, no NUL or
/// backslash, no empty component.
fn safe_relative(file: &str) -> Option<&str> {
    let ok = !file.starts_with('/')
        && !file.contains('\0')
        && !file.contains('\\')
        && file.split('/').all(|part| !part.is_empty() && part != "." && part != "..");
    ok.then_some(file)
}

/// Whether a regular file is at `path` (inside a granted area; anything else reads as absent).
fn exists(path: &str) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniqueids_are_digits_dot_digits() {
        for good in ["1730294400.42", "0.0", "12345678901234567890.1234567890"] {
            assert!(check_uniqueid(good).is_ok(), "{good}");
        }
        for bad in ["", "1", "1.", ".1", "1.2.3", "../1.2", "1.2/", "a.1", "1.2\0", "123456789012345678901.1", "1.12345678901", " 1.2"] {
            assert_eq!(check_uniqueid(bad).unwrap_err().code(), "invalid_parameter", "{bad:?}");
        }
    }

    #[test]
    fn the_recordingfile_wins_else_mixmonitors_names() {
        let legs = vec![("a".to_string(), String::new()), ("b".to_string(), "2024/10/30/x.wav".to_string())];
        assert_eq!(candidates("1.2", &legs), ["/recordings/2024/10/30/x.wav"]);
        let none = vec![("a".to_string(), String::new())];
        assert_eq!(candidates("1.2", &none), ["/recordings/1.2.wav", "/recordings/1.2.WAV", "/recordings/1.2.mp3"]);
    }

    #[test]
    fn a_recordingfile_leaving_the_area_is_not_followed() {
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b.wav", "a//b.wav", "a\0.wav", "./a.wav", "a\\..\\b.wav"] {
            let legs = vec![("a".to_string(), bad.to_string())];
            assert!(candidates("1.2", &legs).is_empty(), "{bad:?}");
        }
    }

    #[test]
    fn kinds_follow_the_extension() {
        assert_eq!(kind_of("/recordings/x.WAV"), Kind::Wav);
        assert_eq!(kind_of("/recordings/x.mp3"), Kind::Mp3);
        assert_eq!(kind_of("/recordings/x.gsm"), Kind::Other);
        assert_eq!(kind_of("/recordings/x"), Kind::Other);
    }
}
