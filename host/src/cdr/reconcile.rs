//! Reading Asterisk's Master.csv from where the last read stopped.
//!
//! `cdr_sources` keeps, per configured file, the inode, the offset up to which every complete row
//! is stored, and the bytes just before that offset. The rows of each chunk read and the new
//! offset are written in one transaction, so a crash at any point leaves the two in step: the
//! next read starts after the last row stored, never skipping one.
//!
//! The stored offset is trusted only for the same file: same inode, at least that long, and the
//! same bytes before the offset. Otherwise the file was rotated (logrotate's `create`: a new
//! inode), truncated (`copytruncate`, or Asterisk's own `cdr_csv` files emptied by hand), or
//! replaced, and it is read from its start: rows already stored are dropped by their key. After a
//! rotation the old file, if it is still beside the new one under another name
//! (`Master.csv.1`, `Master.csv-20261205`), is first read from the stored offset to its end, so the
//! rows written to it after the last read and before the rotation are not lost.

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rusqlite::{OptionalExtension as _, params};

use super::csv;
use super::ingest::{self, SOURCE, Written};
use crate::store::HostWriter;

/// Bytes read (and rows written in one transaction) at a time.
const CHUNK: u64 = 1 << 20;
/// Bytes before the offset kept to recognise the file.
const TAIL: usize = 64;

/// What one read of the file came to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReadOutcome {
    pub(super) written: Written,
    /// Lines that are not CDR rows, skipped.
    pub skipped_lines: u64,
}

/// Where the last read of `path` stopped.
struct Stored {
    inode: u64,
    offset: u64,
    tail: Vec<u8>,
}

/// Reads what `path` gained since the last read into `cdr`.
pub(super) fn read(writer: &mut HostWriter, path: &Path, zone: &tz::TimeZone) -> anyhow::Result<ReadOutcome> {
    let name = path.display().to_string();
    let stored: Option<Stored> = writer.read(|conn| {
        conn.query_row("SELECT inode, offset, tail FROM cdr_sources WHERE path = ?1", [&name], |r| {
            Ok(Stored { inode: r.get::<_, i64>(0)? as u64, offset: r.get::<_, i64>(1)? as u64, tail: r.get(2)? })
        })
        .optional()
    })?;
    let mut file = match File::open(path) {
        Ok(file) => file,
        // Asterisk creates the file with its first call record.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ReadOutcome::default()),
        Err(e) => return Err(e).with_context(|| format!("opening {}", path.display())),
    };
    let meta = file.metadata().with_context(|| format!("reading the size of {}", path.display()))?;
    let mut outcome = ReadOutcome::default();
    let mut start = (0, Vec::new());
    // Whether the stored position is given up (another file, or this one shortened).
    let mut moved = false;
    if let Some(stored) = stored {
        moved = true;
        if stored.inode == meta.ino() {
            if stored.offset <= meta.len() && tail_matches(&mut file, stored.offset, &stored.tail)? {
                start = (stored.offset, stored.tail);
                moved = false;
            } else {
                tracing::info!(file = %path.display(), "Master.csv was truncated or replaced; reading it from the start");
            }
        } else {
            tracing::info!(file = %path.display(), "Master.csv was rotated; reading the new file from the start");
            if let Some(old) = rotated(path, stored.inode) {
                let mut old_file = File::open(&old).with_context(|| format!("opening {}", old.display()))?;
                if tail_matches(&mut old_file, stored.offset, &stored.tail)? {
                    tracing::info!(file = %old.display(), offset = stored.offset, "reading the rest of the rotated Master.csv");
                    read_from(writer, &mut old_file, None, (stored.offset, stored.tail), zone, &mut outcome)?;
                }
            }
        }
    }
    read_from(writer, &mut file, Some((&name, meta.ino(), moved)), start, zone, &mut outcome)?;
    Ok(outcome)
}

/// Whether the bytes of `file` just before `offset` are `tail`.
fn tail_matches(file: &mut File, offset: u64, tail: &[u8]) -> anyhow::Result<bool> {
    let from = offset.checked_sub(tail.len() as u64).context("a stored offset shorter than its tail")?;
    file.seek(SeekFrom::Start(from))?;
    let mut bytes = Vec::with_capacity(tail.len());
    file.by_ref().take(tail.len() as u64).read_to_end(&mut bytes)?;
    Ok(bytes == tail)
}

/// Another file beside `path` whose name starts with `path`'s and whose inode is `inode`.
fn rotated(path: &Path, inode: u64) -> Option<PathBuf> {
    let stem = path.file_name()?.to_str()?.to_string();
    std::fs::read_dir(path.parent()?).ok()?.flatten().map(|e| e.path()).find(|p| {
        p != path
            && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&stem))
            && std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.ino() == inode)
    })
}

/// Reads `file` from `start` (offset, the bytes before it) to its end as it is now, writing the
/// rows of each chunk and, when `record` names the file (path, inode, whether its stored position
/// was given up), the new offset with them.
fn read_from(
    writer: &mut HostWriter,
    file: &mut File,
    record: Option<(&str, u64, bool)>,
    start: (u64, Vec<u8>),
    zone: &tz::TimeZone,
    outcome: &mut ReadOutcome,
) -> anyhow::Result<()> {
    let (mut offset, mut tail) = start;
    file.seek(SeekFrom::Start(offset))?;
    let mut buf: Vec<u8> = Vec::new();
    let mut first = true;
    loop {
        let n = file.by_ref().take(CHUNK).read_to_end(&mut buf).context("reading Master.csv")?;
        let eof = n < CHUNK as usize;
        // A record that never ends within this much is not one being written: judge it now.
        let parsed = csv::parse(&buf, eof || buf.len() as u64 >= 4 * CHUNK);
        for (from, to) in &parsed.skipped {
            let line = String::from_utf8_lossy(&buf[*from..(*to).min(*from + 200)]);
            tracing::warn!(offset = offset + *from as u64, line = %line.trim_end(), "skipped a line of Master.csv that is not a CDR row");
        }
        outcome.skipped_lines += parsed.skipped.len() as u64;
        let consumed = parsed.consumed;
        if consumed > 0 || (first && record.is_some_and(|(_, _, moved)| moved)) {
            let mut new_tail = tail.clone();
            new_tail.extend_from_slice(&buf[..consumed]);
            let new_tail = new_tail.split_off(new_tail.len().saturating_sub(TAIL));
            let new_offset = offset + consumed as u64;
            let written = writer.transaction(SOURCE, |tx| {
                let written = ingest::insert(tx, &parsed.rows, zone)?;
                if let Some((name, inode, _)) = record {
                    tx.execute(
                        "INSERT INTO cdr_sources (path, inode, offset, tail, updated) \
                         VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%d %H:%M:%S', 'now')) \
                         ON CONFLICT (path) DO UPDATE SET inode = excluded.inode, offset = excluded.offset, tail = excluded.tail, \
                         updated = excluded.updated",
                        params![name, inode as i64, new_offset as i64, new_tail],
                    )
                    .context("recording how far Master.csv was read")?;
                }
                Ok(written)
            })?;
            outcome.written += written;
            buf.drain(..consumed);
            offset = new_offset;
            tail = new_tail;
        }
        first = false;
        if eof {
            return Ok(());
        }
    }
}
