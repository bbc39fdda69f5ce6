//! `get_file_wav` and `get_file_mp3`: a call's recording, found by the call's `uniqueid` among the
//! recordings the caller's contexts may hear, never by a path from the request.
//!
//! A file on disk is sent as it is, with `Range` requests answered (players seek, download
//! managers resume). An MP3 asked of a call recorded only as WAV is encoded while it is sent: the
//! WAV is read a piece at a time, each piece's MP3 frames are written and flushed before the next
//! piece is read, so the first bytes leave after one piece is encoded and neither the WAV nor the
//! MP3 is ever whole in memory. Such an answer has no `Content-Length` (it is not known until the
//! end) and serves no ranges (`Accept-Ranges: none`: a byte offset into an MP3 that does not exist
//! yet cannot be honoured without encoding everything before it).

use std::fs::File;
use std::io::BufReader;

use switchboard_sdk::prelude::*;
use switchboard_sdk::settings;

use super::mp3::{self, Transcoder};
use super::wav::{WavError, WavReader};
use crate::recordings::{self, Kind, Recording};

/// `get_file_wav`: the call's recording when it is a WAV file, as it is.
pub fn get_file_wav(req: &Request) -> Result<Response, Error> {
    let (uniqueid, recording) = recording(req)?;
    if !matches!(recording.kind, Kind::Wav) {
        // WAV means WAV: a call recorded only as MP3 has no WAV to give.
        return Err(no_recording(&uniqueid));
    }
    serve_file(req, &recording, "audio/wav", &format!("{uniqueid}.wav"))
}

/// `get_file_mp3`: the call's recording as MP3, the file itself when one exists, else encoded from
/// the WAV while it is sent.
pub fn get_file_mp3(req: &Request) -> Result<Response, Error> {
    let (uniqueid, recording) = recording(req)?;
    let filename = format!("{uniqueid}.mp3");
    match recording.kind {
        Kind::Mp3 => serve_file(req, &recording, "audio/mpeg", &filename),
        Kind::Wav => match recordings::mp3_beside(&recording) {
            Some(mp3) => serve_file(req, &mp3, "audio/mpeg", &filename),
            None => transcode(&recording, &filename),
        },
        Kind::Other => Err(unsupported(&format!("{} is neither WAV nor MP3", file_name(&recording.path)))),
    }
}

/// The caller (authenticated first: a request without a valid key learns nothing, not even whether
/// `uniqueid` is well formed) and the recording of the call it names.
fn recording(req: &Request) -> Result<(String, Recording), Error> {
    let caller = crate::access::authenticate(req)?;
    let uniqueid = crate::params::Input::of(req).required("uniqueid")?.to_string();
    match recordings::find(&caller, &uniqueid)? {
        Some(recording) => Ok((uniqueid, recording)),
        None => Err(no_recording(&uniqueid)),
    }
}

/// A file as it is, `Range` honoured.
fn serve_file(req: &Request, recording: &Recording, content_type: &str, filename: &str) -> Result<Response, Error> {
    let response = Response::file_range(&recording.path, content_type, req.header("range")).map_err(|e| {
        // `find` saw the file a moment ago; gone now (deleted, rotated) is a 404 like never there.
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::new(404, "not_found", "the call's recording is gone")
        } else {
            crate::answer::internal(format!("opening the recording {}: {e}", file_name(&recording.path)))
        }
    })?;
    Ok(response.header("content-disposition", format!("inline; filename=\"{filename}\"")))
}

/// The WAV at `recording` encoded to MP3 while it is sent.
fn transcode(recording: &Recording, filename: &str) -> Result<Response, Error> {
    let name = file_name(&recording.path).to_string();
    let file = File::open(&recording.path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::new(404, "not_found", "the call's recording is gone"),
        _ => crate::answer::internal(format!("opening the recording {name}: {e}")),
    })?;
    // The header is read before answering, so an undecodable recording is a clean 415 rather than
    // a 200 that breaks off.
    let mut wav = WavReader::open(BufReader::with_capacity(16 * 1024, file)).map_err(|e| match e {
        WavError::Io(e) => crate::answer::internal(format!("reading the recording {name}: {e}")),
        other => unsupported(&format!("{name}: {other}")),
    })?;
    let format = wav.format();
    let bitrate = bitrate(format.sample_rate)?;
    let mut encoder = Transcoder::new(format, bitrate).map_err(|why| unsupported(&format!("{name}: {why}")))?;
    Ok(Response::stream(200, move |w: &mut BodyWriter| {
        while let Some(samples) = wav.next_samples().map_err(|e| crate::answer::internal(format!("reading the recording {name}: {e}")))? {
            let bytes = encoder.push(&samples).map_err(|e| crate::answer::internal(format!("{name}: {e}")))?;
            if !bytes.is_empty() {
                w.write(&bytes)?;
                // Out now, not when the host's buffer fills: the client hears the start while the
                // rest is encoded.
                w.flush()?;
            }
        }
        w.write(&encoder.finish())
    })
    .header("content-type", "audio/mpeg")
    .header("accept-ranges", "none")
    .header("content-disposition", format!("inline; filename=\"{filename}\"")))
}

/// The MP3 bitrate for a recording at `sample_rate`: the mount's `mp3-bitrate` setting (kbps), or a
/// default for speech at that rate.
fn bitrate(sample_rate: u32) -> Result<u32, Error> {
    match settings::get("mp3-bitrate") {
        None => Ok(mp3::default_bitrate(sample_rate)),
        Some(text) => match text.trim().parse::<u32>() {
            Ok(kbps @ 8..=320) => Ok(kbps),
            _ => Err(crate::answer::internal(format!("the mount's mp3-bitrate setting {text:?} is not a bitrate in kbps from 8 to 320"))),
        },
    }
}

/// 404 for a call without a recording the caller may hear (the same whether the call does not
/// exist, is outside the caller's contexts, or was not recorded: a key learns nothing of calls it
/// may not see).
fn no_recording(uniqueid: &str) -> Error {
    Error::new(404, "not_found", format!("no recording for uniqueid {uniqueid}"))
}

/// 415 for a recording that cannot be sent as asked.
fn unsupported(why: &str) -> Error {
    Error::new(415, "unsupported_recording", why.to_string())
}

/// The last component of a recording's path, for messages (the area's layout is nobody's business).
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
