//! Reads the real Asterisk 22 AMI transcripts (recorded data kept in the repository, see [`dir`];
//! their README describes the format): the single-action wire transcripts, and the whole-call
//! sessions. Also checks the copy against the recordings' source directory when one is present.

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

/// The transcripts directory: `host/tests/transcripts/ami`, so that a clone alone has them.
pub fn dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/ami");
    assert!(dir.is_dir(), "AMI transcripts not found at {}", dir.display());
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

/// Every file under `root`, as paths relative to it, sorted.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// The transcripts were recorded into an `ami` directory kept beside the repository and copied
/// in; where that directory is present, the copy must still equal it file for file, both ways.
#[test]
fn the_transcripts_copy_equals_the_recordings_beside_the_repository() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/ami");
    if !source.is_dir() {
        println!("note: {} is absent; the transcripts copy is not compared", source.display());
        return;
    }
    let copy = dir();
    let (theirs, ours) = (files_under(&source), files_under(&copy));
    assert!(!ours.is_empty());
    assert_eq!(theirs, ours, "the same files in {} and {}", source.display(), copy.display());
    for file in &ours {
        let (a, b) = (std::fs::read(source.join(file)).unwrap(), std::fs::read(copy.join(file)).unwrap());
        assert!(a == b, "{} differs from the recording beside the repository", file.display());
    }
}
