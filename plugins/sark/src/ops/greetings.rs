//! `/greetings`: the PBX's user greetings (`usergreeting1234.wav`, IVR and queue announcements),
//! kept in the `greetings` file area, where Asterisk plays them from.
//!
//! An upload is a multipart form field `greeting`. Its name must end in `usergreeting<4 digits>`
//! with `.wav` or `.mp3`, as SARK named greetings; its content must be what the name says (a
//! RIFF/WAVE header for `.wav`, an MPEG audio frame or an ID3 tag for `.mp3`), whatever type the
//! client claims; at most [`MAX_KB`] kilobytes; and no greeting of that name may exist yet.

use std::path::PathBuf;

use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;

use super::area;
use super::multipart;
use crate::laravel;

/// The file area greetings live in.
const AREA: &str = "greetings";

/// The largest greeting accepted, in kilobytes (a minute of 16-bit 44.1 kHz stereo WAV is about
/// 10 MB; telephone-quality greetings are far smaller).
pub const MAX_KB: usize = 10 * 1024;

pub fn routes(router: Router) -> Router {
    router
        .get("/greetings", index)
        .get("/greetings/{greeting}", download)
        .post("/greetings", upload)
        .delete("/greetings/{greeting}", delete)
}

/// The greetings' names, newest (highest) first: `["usergreeting1002.wav","usergreeting1001.wav"]`.
fn index(_: &Request) -> Result<Response, Error> {
    let root = area::root(AREA)?;
    let names = area::list(&root, |name| name.starts_with("usergreeting") && area::file_name(name).is_some())?;
    Ok(laravel::ok(&Json::Arr(names.into_iter().map(|(name, _)| Json::Str(name)).collect())))
}

/// The path of greeting `name` from the URL, or `None` when it is not a greeting's name.
fn path_of(name: &str) -> Option<PathBuf> {
    let name = area::file_name(name).filter(|n| n.starts_with("usergreeting"))?;
    Some(PathBuf::from(format!("/{AREA}/{name}")))
}

fn download(req: &Request) -> Result<Response, Error> {
    area::root(AREA)?;
    let name = req.param("greeting").unwrap_or_default();
    let path = path_of(name).ok_or_else(laravel::not_found)?;
    let content_type = if name.ends_with(".mp3") { "audio/mpeg" } else { "audio/wav" };
    let response = Response::file(&path, content_type).map_err(|_| laravel::not_found())?;
    Ok(response.header("content-disposition", format!("attachment; filename={name}")))
}

fn upload(req: &Request) -> Result<Response, Error> {
    let root = area::root(AREA)?;
    let part = multipart::file(req, "greeting")?;
    if part.data.len() > MAX_KB * 1024 {
        return Err(laravel::invalid("greeting", format!("The greeting may not be greater than {MAX_KB} kilobytes.")));
    }
    let client_name = part.filename.as_deref().unwrap_or_default();
    let Some((name, kind)) = greeting_name(client_name) else {
        return Err(laravel::error_body(422, &obj([("Message", "File name must be of the form usergreetingxxxx.{mp3|wav}")])));
    };
    if sniff(part.data) != Some(kind) {
        return Err(laravel::invalid("greeting", "The greeting must be a file of type: wav, mpeg."));
    }
    let path = root.join(&name);
    if path.exists() {
        return Err(laravel::error_body(422, &obj([("Message", "UserGreeting Already exists")])));
    }
    area::write_atomic(&path, part.data)?;
    Ok(laravel::ok(&Json::Arr(vec![Json::Str(format!("Uploaded {name}"))])))
}

fn delete(req: &Request) -> Result<Response, Error> {
    area::root(AREA)?;
    let name = req.param("greeting").unwrap_or_default();
    let missing = || laravel::error_body(404, &obj([("Error", format!("{name} not found in sounds set"))]));
    let path = path_of(name).ok_or_else(missing)?;
    if !path.is_file() {
        return Err(missing());
    }
    std::fs::remove_file(&path).map_err(|e| Error::internal(format!("deleting {}: {e}", path.display())))?;
    Ok(laravel::deleted())
}

/// What a greeting's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Wav,
    Mpeg,
}

/// The greeting's name inside a client's file name (SARK kept the `usergreetingNNNN.wav` at its
/// end and dropped the rest, a directory included), and the kind its extension promises.
pub fn greeting_name(client_name: &str) -> Option<(String, Kind)> {
    let base = client_name.rsplit(['/', '\\']).next().unwrap_or(client_name);
    let tail = base.get(base.len().checked_sub(20)?..)?;
    let digits = tail.get(12..16)?;
    if !tail.starts_with("usergreeting") || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let kind = match tail.get(16..)? {
        ".wav" => Kind::Wav,
        ".mp3" => Kind::Mpeg,
        _ => return None,
    };
    Some((tail.to_string(), kind))
}

/// What the bytes are, read from their first bytes: a RIFF/WAVE header, or MPEG audio (an ID3v2
/// tag, or a frame header with its sync bits and valid layer, bit rate and sample rate).
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        return Some(Kind::Wav);
    }
    if bytes.len() >= 10 && &bytes[..3] == b"ID3" && bytes[3] < 0xff && bytes[6..10].iter().all(|b| b & 0x80 == 0) {
        return Some(Kind::Mpeg);
    }
    if let [a, b, c, _, ..] = bytes {
        let sync = *a == 0xff && b & 0xe0 == 0xe0;
        let layer = (b >> 1) & 0b11;
        let bitrate = c >> 4;
        let rate = (c >> 2) & 0b11;
        let version = (b >> 3) & 0b11;
        if sync && layer != 0 && version != 1 && bitrate != 0b1111 && rate != 0b11 {
            return Some(Kind::Mpeg);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sarks() {
        assert_eq!(greeting_name("usergreeting1234.wav"), Some(("usergreeting1234.wav".into(), Kind::Wav)));
        assert_eq!(greeting_name("C:\\x\\my-usergreeting0001.mp3"), Some(("usergreeting0001.mp3".into(), Kind::Mpeg)));
        assert_eq!(greeting_name("../../etc/usergreeting9999.wav"), Some(("usergreeting9999.wav".into(), Kind::Wav)));
        for bad in ["usergreeting123.wav", "usergreeting12345.wav", "usergreeting1234.ogg", "greeting1234.wav", "usergreeting12a4.wav", "", "é"] {
            assert_eq!(greeting_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn content_is_read_not_believed() {
        assert_eq!(sniff(b"RIFF\x24\x00\x00\x00WAVEfmt "), Some(Kind::Wav));
        assert_eq!(sniff(b"ID3\x04\x00\x00\x00\x00\x00\x21rest"), Some(Kind::Mpeg));
        assert_eq!(sniff(&[0xff, 0xfb, 0x90, 0x64]), Some(Kind::Mpeg));
        assert_eq!(sniff(&[0xff, 0xfb, 0xf0, 0x64]), None, "bit rate index 15 is invalid");
        assert_eq!(sniff(b"PK\x03\x04zip"), None);
        assert_eq!(sniff(b"<?php system($_GET['x']);"), None);
        assert_eq!(sniff(b"RIFF"), None);
    }

    #[test]
    fn only_greetings_names_make_paths() {
        assert_eq!(path_of("usergreeting1234.wav"), Some(PathBuf::from("/greetings/usergreeting1234.wav")));
        for bad in ["../usergreeting1234.wav", "usergreeting/../../x", "other.wav", "usergreeting\0.wav", ".usergreeting1234.wav.part"] {
            assert_eq!(path_of(bad), None, "{bad:?}");
        }
    }
}
