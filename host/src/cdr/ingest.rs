//! The ingester's thread: takes rows from `Cdr` events and reads Master.csv, and is the one place
//! that writes them, so the two never race over a row or the file's offset.
//!
//! SQLite blocks, so this is a thread of its own, not a task on the async runtime: the AMI reader
//! only sends it rows. Rows that arrive together are written in one transaction. A write that
//! fails (the database busy past its timeout, a full disk) keeps its rows and is tried again,
//! 1 s later and doubling up to 30 s; the rows wait in memory meanwhile (call records are a few
//! hundred bytes per finished call).

use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rusqlite::params;
use tokio::sync::watch;

use super::{CdrRow, Job, Settings, Status, reconcile, to_utc};
use crate::store::{Database, HostWriter};

/// Rows written in one transaction at most.
const BATCH: usize = 1000;
/// What change events name as the writer of these rows.
pub(super) const SOURCE: &str = "host:cdr";
/// Dispositions the `cdr` table admits (its CHECK constraint).
const DISPOSITIONS: [&str; 5] = ["ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"];

/// What writing some rows came to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Written {
    /// New rows.
    pub stored: u64,
    /// Rows already there.
    pub duplicates: u64,
}

impl std::ops::AddAssign for Written {
    fn add_assign(&mut self, other: Written) {
        self.stored += other.stored;
        self.duplicates += other.duplicates;
    }
}

/// The thread's body: until [`Job::Stop`] (or every sender is gone), write what comes.
pub(super) fn run(jobs: mpsc::Receiver<Job>, db: Arc<Database>, settings: Settings, status: watch::Sender<Status>) {
    let mut writer = loop {
        match db.host_writer() {
            Ok(writer) => break writer,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "cannot open the pbx database for call records; retrying in 5 s");
                status.send_modify(|s| s.last_error = Some(format!("{e:#}")));
                std::thread::sleep(Duration::from_secs(5));
            }
        }
    };
    let mut rows: Vec<CdrRow> = Vec::new();
    let mut reconcile_due: Option<&'static str> = None;
    let mut next_periodic = Instant::now() + settings.every;
    let mut retry: Option<(Instant, Duration)> = None;
    let mut stopping = false;
    loop {
        // Wait for work unless some is ready now.
        let now = Instant::now();
        let ready = (!rows.is_empty() || reconcile_due.is_some()) && retry.is_none_or(|(at, _)| at <= now);
        if !ready && !stopping {
            let mut wake = if settings.csv.is_some() { next_periodic } else { now + Duration::from_secs(3600) };
            if let Some((at, _)) = retry {
                wake = wake.min(at);
            }
            match jobs.recv_timeout(wake.saturating_duration_since(now)) {
                Ok(job) => take(job, &mut rows, &mut reconcile_due, &mut stopping),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => stopping = true,
            }
        }
        while rows.len() < BATCH {
            match jobs.try_recv() {
                Ok(job) => take(job, &mut rows, &mut reconcile_due, &mut stopping),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    stopping = true;
                    break;
                }
            }
        }
        let now = Instant::now();
        if settings.csv.is_some() && now >= next_periodic {
            reconcile_due.get_or_insert("periodic");
            next_periodic = now + settings.every;
        }
        if retry.is_some_and(|(at, _)| at > now) && !stopping {
            continue;
        }

        if !rows.is_empty() {
            let count = rows.len() as u64;
            match store(&mut writer, &rows, &settings.zone) {
                Ok(written) => {
                    rows.clear();
                    retry = None;
                    status.send_modify(|s| {
                        s.stored += written.stored;
                        s.duplicates += written.duplicates;
                        s.handled += count;
                        s.last_error = None;
                    });
                }
                Err(e) => {
                    let pause = retry.map_or(Duration::from_secs(1), |(_, p)| (p * 2).min(Duration::from_secs(30)));
                    let error = format!("{e:#}");
                    tracing::warn!(error = %error, rows = count, retry_in_s = pause.as_secs(), "storing call records failed; they are kept and tried again");
                    status.send_modify(|s| s.last_error = Some(error));
                    retry = Some((now + pause, pause));
                    if stopping {
                        tracing::error!(rows = count, "stopping with call records not stored; Master.csv (if configured) brings them at the next start");
                        return;
                    }
                    continue;
                }
            }
        }
        if let (Some(reason), Some(path)) = (reconcile_due.take(), settings.csv.as_deref()) {
            let outcome = reconcile::read(&mut writer, path, &settings.zone);
            status.send_modify(|s| {
                s.reconciles += 1;
                match &outcome {
                    Ok(o) => {
                        s.stored += o.written.stored;
                        s.duplicates += o.written.duplicates;
                        s.skipped_lines += o.skipped_lines;
                        s.last_error = None;
                    }
                    Err(e) => s.last_error = Some(format!("{e:#}")),
                }
            });
            match outcome {
                Ok(o) if o.written.stored > 0 || o.skipped_lines > 0 => tracing::info!(
                    reason, file = %path.display(), stored = o.written.stored, already_stored = o.written.duplicates,
                    skipped_lines = o.skipped_lines, "call records read from Master.csv"
                ),
                Ok(o) => tracing::debug!(reason, file = %path.display(), already_stored = o.written.duplicates, "Master.csv read: nothing new"),
                // The next reconnect or the periodic read tries again, from the stored offset.
                Err(e) => tracing::warn!(reason, file = %path.display(), error = %format!("{e:#}"), "reading Master.csv failed"),
            }
        }
        if stopping && rows.is_empty() {
            return;
        }
    }
}

fn take(job: Job, rows: &mut Vec<CdrRow>, reconcile_due: &mut Option<&'static str>, stopping: &mut bool) {
    match job {
        Job::Row(row) => rows.push(row),
        Job::Reconcile(reason) => {
            reconcile_due.get_or_insert(reason);
        }
        Job::Stop => *stopping = true,
    }
}

/// Writes `rows` in one transaction.
fn store(writer: &mut HostWriter, rows: &[CdrRow], zone: &tz::TimeZone) -> anyhow::Result<Written> {
    writer.transaction(SOURCE, |tx| insert(tx, rows, zone))
}

/// Inserts `rows` inside the caller's transaction; a row already stored (by its key) is dropped,
/// and only fills in a `uniqueid` or `userfield` the stored one lacks.
pub(super) fn insert(tx: &rusqlite::Transaction<'_>, rows: &[CdrRow], zone: &tz::TimeZone) -> anyhow::Result<Written> {
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO cdr (calldate, answer, end, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, \
             duration, billsec, disposition, amaflags, accountcode, uniqueid, userfield, source_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) \
             ON CONFLICT (source_key) DO NOTHING",
        )
        .context("preparing the call record insert")?;
    let mut fill = tx
        .prepare_cached(
            "UPDATE cdr SET uniqueid = CASE WHEN uniqueid = '' THEN ?2 ELSE uniqueid END, \
             userfield = CASE WHEN userfield = '' THEN ?3 ELSE userfield END \
             WHERE source_key = ?1 AND ((uniqueid = '' AND ?2 <> '') OR (userfield = '' AND ?3 <> ''))",
        )
        .context("preparing the call record update")?;
    let mut written = Written::default();
    for row in rows {
        let key = row.key();
        let disposition = if DISPOSITIONS.contains(&row.disposition.as_str()) {
            row.disposition.as_str()
        } else {
            // Asterisk prints an unset disposition as NO ANSWER; anything else is not one of its
            // own. The table admits only these five, and the row matters more than the word.
            tracing::warn!(disposition = %row.disposition, channel = %row.channel, start = %row.start, "unknown CDR disposition, stored as NO ANSWER");
            "NO ANSWER"
        };
        let answer = (!row.answer.is_empty()).then(|| to_utc(&row.answer, zone));
        let inserted = insert.execute(params![
            to_utc(&row.start, zone),
            answer,
            to_utc(&row.end, zone),
            row.clid,
            row.src,
            row.dst,
            row.dcontext,
            row.channel,
            row.dstchannel,
            row.lastapp,
            row.lastdata,
            row.duration,
            row.billsec,
            disposition,
            amaflags(&row.amaflags),
            row.accountcode,
            row.uniqueid,
            row.userfield,
            key,
        ]);
        match inserted {
            Ok(1) => written.stored += 1,
            Ok(_) => {
                written.duplicates += 1;
                if !row.uniqueid.is_empty() || !row.userfield.is_empty() {
                    fill.execute(params![key, row.uniqueid, row.userfield]).context("filling in a stored call record")?;
                }
            }
            // A row the table refuses (nothing of it was written; the transaction goes on): the
            // others are not held hostage to it.
            Err(rusqlite::Error::SqliteFailure(f, message)) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                tracing::error!(channel = %row.channel, start = %row.start, error = %message.unwrap_or_default(), "a call record was refused by the cdr table");
            }
            Err(e) => return Err(e).context("inserting a call record"),
        }
    }
    Ok(written)
}

/// The `cdr.amaflags` number of Asterisk's name for it (1 OMIT, 2 BILLING, 3 DOCUMENTATION; 0
/// for Asterisk's `Unknown`).
fn amaflags(name: &str) -> i64 {
    match name.trim().to_ascii_uppercase().as_str() {
        "OMIT" => 1,
        "BILLING" | "BILL" => 2,
        "DOCUMENTATION" | "DOC" => 3,
        other => other.parse().unwrap_or(0),
    }
}
