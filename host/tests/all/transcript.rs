//! Reads the real Asterisk 22 AMI transcripts (kept beside the repository, see [`dir`]; their
//! README describes the format): the single-action wire transcripts, and the whole-call sessions.

use std::path::{Path, PathBuf};

/// Which way a chunk went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

/// One recorded `recv()`/`send()` chunk.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub direction: Direction,
    pub bytes: Vec<u8>,
}

/// The transcripts directory: `shared/ami` beside the repository (where CI puts it), or
/// `$SWITCHBOARD_SHARED/ami`.
pub fn dir() -> PathBuf {
    let shared = std::env::var_os("SWITCHBOARD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let dir = shared.join("ami");
    assert!(dir.is_dir(), "AMI transcripts not found at {}: put shared/ beside the repository or set SWITCHBOARD_SHARED", dir.display());
    dir
}

/// Every `*.txt` transcript, by file name.
pub fn all() -> Vec<(String, Vec<Chunk>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir())
        .expect("the transcripts directory is readable")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files.iter().map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), read(p))).collect()
}

/// Parses one transcript file.
pub fn read(path: &Path) -> Vec<Chunk> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut expected = 0;
    for line in text.lines() {
        if let Some(header) = line.strip_prefix("--- ") {
            if header.contains("connection closed") {
                expected = 0; // a marker, not data
                continue;
            }
            let direction = if header.starts_with("C->S") { Direction::ToServer } else { Direction::ToClient };
            expected = header.split('(').nth(1).and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
            chunks.push(Chunk { direction, bytes: Vec::new() });
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if let Some(chunk) = chunks.last_mut() {
            if chunk.bytes.len() < expected {
                unescape(line, &mut chunk.bytes);
            }
        }
    }
    for chunk in &chunks {
        assert!(!chunk.bytes.is_empty(), "{}: empty chunk", path.display());
    }
    chunks
}

fn unescape(line: &str, out: &mut Vec<u8>) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            match bytes[i + 1] {
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'x' => {
                    out.push(u8::from_str_radix(&line[i + 2..i + 4], 16).unwrap());
                    i += 2;
                }
                other => panic!("unknown escape \\{}", other as char),
            }
            i += 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
}

/// All bytes one way, concatenated.
pub fn stream(chunks: &[Chunk], direction: Direction) -> Vec<u8> {
    chunks.iter().filter(|c| c.direction == direction).flat_map(|c| c.bytes.iter().copied()).collect()
}

/// The whole-call sessions: `real-calls/` beside the single-action transcripts.
pub fn real_calls_dir() -> PathBuf {
    dir().join("real-calls")
}

/// One message of a whole-call session and when it arrived (seconds since the first message).
#[derive(Debug, Clone)]
pub struct Timed {
    pub at: f64,
    pub message: switchboard::ami::Message,
}

/// Parses a whole-call session: each message is preceded by `--- +S.SSSs` and followed by a blank
/// line, `Key: Value` lines as received (CRLF shown as LF).
pub fn read_timed(path: &Path) -> Vec<Timed> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out: Vec<Timed> = Vec::new();
    for line in text.lines() {
        if let Some(stamp) = line.strip_prefix("--- +") {
            let at = stamp
                .strip_suffix('s')
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("{}: bad time stamp {line:?}", path.display()));
            out.push(Timed { at, message: switchboard::ami::Message::new() });
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let Some(last) = out.last_mut() else { panic!("{}: text before the first time stamp", path.display()) };
        let (key, value) = line.split_once(':').unwrap_or_else(|| panic!("{}: not a header: {line:?}", path.display()));
        last.message.push(key, value.strip_prefix(' ').unwrap_or(value));
    }
    assert!(out.iter().all(|t| !t.message.fields().is_empty()), "{}: an empty message", path.display());
    out
}
