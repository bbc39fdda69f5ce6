//! Which file is a call's recording, and whether a caller may hear it.
//!
//! A call is named by its `uniqueid` (checked: digits, a dot, digits): any leg's uniqueid or the
//! call's linkedid. Its CDR rows are those of every leg linked to the asked one (the same
//! `linkedid`), so a recording kept on one leg's row is found from any other; the caller may hear it when one of them ended in a context
//! the caller's group grants (otherwise there is no recording for them: a 404, never a 403, so a
//! key learns nothing of calls outside its contexts). The file is the first non-empty
//! `recordingfile` of those rows, a path inside the `recordings` area; without one, MixMonitor's
//! default name `<id>.wav` (or `.WAV`, `.mp3`) at the area's root, for the asked uniqueid and then
//! the other uniqueids and linkedids of the call's rows. Nothing from the request but the checked
//! uniqueid ever becomes part of a path.

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

/// One CDR row of a call: where it ended, its recording file, and the call's ids it names.
struct Leg {
    context: String,
    file: String,
    ids: [String; 2],
}

/// The recording of call `uniqueid` that `caller` may hear, or `None` (no such call, not the
/// caller's, or no file).
pub fn find(caller: &Caller, uniqueid: &str) -> Result<Option<Recording>, Error> {
    let uniqueid = check_uniqueid(uniqueid)?;
    let db = sqlite::open("pbx")?;
    let rows = db.query(
        "SELECT dcontext, recordingfile, uniqueid, linkedid FROM cdr \
         WHERE linkedid IN (SELECT linkedid FROM cdr WHERE uniqueid = ?1 OR linkedid = ?1) OR uniqueid = ?1 ORDER BY calldate, id",
        &[uniqueid.into()],
    )?;
    let legs: Vec<Leg> = rows.rows().iter().map(|r| Leg { context: r.text(0), file: r.text(1), ids: [r.text(2), r.text(3)] }).collect();
    if !legs.iter().any(|leg| caller.may_use(&leg.context)) {
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
/// default names at the area's root — for the asked uniqueid, then for every other uniqueid and
/// linkedid the call's rows name (a call asked for by its linkedid was recorded under a leg's
/// id, or the other way round). Ids from the rows are used only when they have a uniqueid's shape.
fn candidates(uniqueid: &str, legs: &[Leg]) -> Vec<String> {
    if let Some(leg) = legs.iter().find(|leg| !leg.file.is_empty()) {
        // A recordingfile that would leave the area is not followed (the host would refuse it
        // anyway); the call then has no recording rather than the default name's.
        return safe_relative(&leg.file).map(|f| vec![format!("{AREA}/{f}")]).unwrap_or_default();
    }
    let mut ids: Vec<&str> = vec![uniqueid];
    for id in legs.iter().flat_map(|leg| leg.ids.iter()) {
        if !ids.contains(&id.as_str()) && check_uniqueid(id).is_ok() {
            ids.push(id);
        }
    }
    ids.iter().flat_map(|id| ["wav", "WAV", "mp3"].map(|ext| format!("{AREA}/{id}.{ext}"))).collect()
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

    fn leg(file: &str, uniqueid: &str, linkedid: &str) -> Leg {
        Leg { context: "a".into(), file: file.into(), ids: [uniqueid.into(), linkedid.into()] }
    }

    #[test]
    fn the_recordingfile_wins_else_mixmonitors_names() {
        let legs = [leg("", "1.2", "1.2"), leg("2024/10/30/x.wav", "1.3", "1.2")];
        assert_eq!(candidates("1.2", &legs), ["/recordings/2024/10/30/x.wav"]);
        assert_eq!(candidates("1.2", &[leg("", "1.2", "1.2")]), ["/recordings/1.2.wav", "/recordings/1.2.WAV", "/recordings/1.2.mp3"]);
    }

    #[test]
    fn default_names_cover_the_calls_other_ids_of_a_uniqueids_shape() {
        let legs = [leg("", "1.3", "1.2"), leg("", "1.4", "1.2"), leg("", "../x", "1.2/..")];
        let names = candidates("1.2", &legs);
        let stems: Vec<&str> = names.iter().filter(|n| n.ends_with(".wav")).map(|n| n.as_str()).collect();
        assert_eq!(stems, ["/recordings/1.2.wav", "/recordings/1.3.wav", "/recordings/1.4.wav"]);
    }

    #[test]
    fn a_recordingfile_leaving_the_area_is_not_followed() {
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b.wav", "a//b.wav", "a\0.wav", "./a.wav", "a\\..\\b.wav"] {
            assert!(candidates("1.2", &[leg(bad, "1.2", "1.2")]).is_empty(), "{bad:?}");
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
