//! Call records from Asterisk into the `pbx` database's `cdr` table, each row once.
//!
//! Two ways in, because either alone loses rows:
//!
//! - **Events** ([`ingest`]): Asterisk's `cdr_manager` publishes every finished CDR row as
//!   `Event: Cdr` on AMI. The host's AMI sink ([`HostSink`]) hands each one to the [`Ingester`]
//!   (a parse and a channel send: the AMI reader never waits for the disk), whose own thread
//!   writes them in batches. A row that finishes while the link is down is never published again.
//! - **Asterisk's own file** ([`reconcile`], [`csv`]): `cdr_csv` appends every row to
//!   `Master.csv`. With `[asterisk] cdr_csv` set, the ingester reads what was added since it last
//!   looked — at start, after every AMI reconnect, and every minute — from the offset it stored
//!   with the rows, so what ended while Switchboard was stopped or the link was lost arrives too.
//!
//! The same row so arrives twice (event, then file; or the file read again after a rotation).
//! Each row carries a natural key ([`CdrRow::key`]) in `cdr.source_key`, unique in the schema, and
//! is inserted with `ON CONFLICT DO NOTHING`; a second arrival only fills a `uniqueid` or
//! `userfield` the first one lacked (Master.csv has them only with `loguniqueid`/`loguserfield`).
//!
//! What the event and the file do not carry is left at the column's default: `linkedid`,
//! `peeraccount` and `sequence` (not in either), `recordingfile` and `did` (FreePBX's columns,
//! filled by its dialplan, which Asterisk's modules know nothing of).
//!
//! Times: both write Asterisk's local time (`cdr_manager` always; `cdr_csv` unless `usegmtime`),
//! `YYYY-MM-DD HH:MM:SS`. The `cdr` table holds UTC, so they are converted from `[asterisk]
//! cdr_time_zone` (default: the host's local time zone). The key is taken from the times as
//! Asterisk wrote them, so both ways agree whatever the conversion does.

pub mod csv;
mod ingest;
mod reconcile;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use sha2::Digest as _;
use tokio::sync::watch;

use crate::ami::{EventSink, Message};
use crate::events::EventBus;
use crate::store::Database;

/// One CDR row as Asterisk wrote it (times still in Asterisk's local time zone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CdrRow {
    /// Party A's account code.
    pub accountcode: String,
    /// Caller number.
    pub src: String,
    /// Dialled extension.
    pub dst: String,
    /// Its context.
    pub dcontext: String,
    /// `"Name" <number>`.
    pub clid: String,
    /// Party A's channel.
    pub channel: String,
    /// Party B's channel ('' without one).
    pub dstchannel: String,
    /// Last application.
    pub lastapp: String,
    /// Its arguments.
    pub lastdata: String,
    /// `YYYY-MM-DD HH:MM:SS`, Asterisk's local time.
    pub start: String,
    /// Likewise, '' when never answered.
    pub answer: String,
    /// Likewise.
    pub end: String,
    /// Seconds.
    pub duration: i64,
    /// Seconds.
    pub billsec: i64,
    /// `ANSWERED`, `NO ANSWER`, `BUSY`, `FAILED`, `CONGESTION`.
    pub disposition: String,
    /// `DOCUMENTATION`, `BILLING`, `OMIT`.
    pub amaflags: String,
    /// Party A's uniqueid ('' when the source has none).
    pub uniqueid: String,
    /// `CDR(userfield)`.
    pub userfield: String,
}

impl CdrRow {
    /// The row of an `Event: Cdr`, if it is one (the fields cdr_manager writes; a missing one is
    /// empty, custom `[mappings]` fields are ignored).
    pub fn from_event(event: &Message) -> Option<CdrRow> {
        if !event.event().is_some_and(|e| e.eq_ignore_ascii_case("Cdr")) {
            return None;
        }
        let text = |k: &str| event.get(k).unwrap_or_default().to_string();
        let int = |k: &str| event.get(k).and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(0);
        Some(CdrRow {
            accountcode: text("AccountCode"),
            src: text("Source"),
            dst: text("Destination"),
            dcontext: text("DestinationContext"),
            clid: text("CallerID"),
            channel: text("Channel"),
            dstchannel: text("DestinationChannel"),
            lastapp: text("LastApplication"),
            lastdata: text("LastData"),
            start: text("StartTime"),
            answer: text("AnswerTime"),
            end: text("EndTime"),
            duration: int("Duration"),
            billsec: int("BillableSeconds"),
            disposition: text("Disposition"),
            amaflags: text("AMAFlags"),
            uniqueid: text("UniqueID"),
            userfield: text("UserField"),
        })
    }

    /// The row's natural key: one Asterisk CDR row has one, whichever way it arrives, and two rows
    /// have two. Taken from what both the event and Master.csv carry (no uniqueid: Master.csv has
    /// none by default) and what tells a call's rows apart: party A's channel (unique per call leg,
    /// `PJSIP/1001-00000004`), party B's channel (one per dial attempt), start, answer and end as
    /// Asterisk wrote them, the last application, the disposition, duration and billsec. An
    /// unanswered Dial, for one, leaves two rows of the same uniqueid: `Dial` with the callee's
    /// channel and `NO ANSWER`, then `Hangup` without a callee and `ANSWERED`; they differ here.
    ///
    /// The first 128 bits of a SHA-256 over the fields, each length-prefixed (so no value can
    /// pass for two), as hex: fixed-size whatever the values hold.
    pub fn key(&self) -> String {
        let mut hash = sha2::Sha256::new();
        let duration = self.duration.to_string();
        let billsec = self.billsec.to_string();
        for field in [
            &self.channel,
            &self.dstchannel,
            &self.start,
            &self.answer,
            &self.end,
            &self.lastapp,
            &self.disposition,
            &duration,
            &billsec,
        ] {
            hash.update((field.len() as u64).to_le_bytes());
            hash.update(field.as_bytes());
        }
        hash.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Whether `text` is `YYYY-MM-DD HH:MM:SS`, as Asterisk writes CDR times.
pub fn is_time(text: &str) -> bool {
    parse_time(text).is_some()
}

/// (year, month, day, hour, minute, second) of `YYYY-MM-DD HH:MM:SS`.
fn parse_time(text: &str) -> Option<(i32, u8, u8, u8, u8, u8)> {
    let b = text.as_bytes();
    if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r).filter(|s| s.bytes().all(|c| c.is_ascii_digit())).and_then(|s| s.parse::<i32>().ok());
    let (y, mo, d, h, mi, s) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let ok = (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s < 61;
    ok.then(|| (y, mo as u8, d as u8, h as u8, mi as u8, s as u8))
}

/// Whether `text` looks like an Asterisk uniqueid (`1796503970.12`, or with a system name
/// prefix, `pbx1-1796503970.12`).
pub fn is_uniqueid(text: &str) -> bool {
    let tail = text.rsplit_once('-').map_or(text, |(_, t)| t);
    tail.split_once('.').is_some_and(|(s, n)| {
        !s.is_empty() && !n.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) && n.bytes().all(|c| c.is_ascii_digit())
    })
}

/// The time zone `name` names: `UTC`, an IANA name (`Europe/Berlin`, from the system's zoneinfo),
/// or a POSIX TZ string (`CET-1CEST,M3.5.0,M10.5.0/3`). The error says why not, after the name.
pub fn time_zone(name: &str) -> Result<tz::TimeZone, String> {
    if ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z"].contains(&name) {
        return Ok(tz::TimeZone::utc());
    }
    tz::TimeZone::from_posix_tz(name).map_err(|e| {
        format!("is not a time zone: write an IANA name such as `Europe/Berlin` (from /usr/share/zoneinfo), `UTC`, or a POSIX TZ string ({e})")
    })
}

/// `text` (`YYYY-MM-DD HH:MM:SS` in `zone`) in UTC. A local time that happens twice (when the
/// clocks go back) is taken as the first; one that never happens (when they go forward) as the
/// instant of the change. Text that is not a time is kept as it is.
pub fn to_utc(text: &str, zone: &tz::TimeZone) -> String {
    let Some((y, mo, d, h, mi, s)) = parse_time(text) else { return text.to_string() };
    let Some(local) = tz::DateTime::find(y, mo, d, h, mi, s.min(59), 0, zone.as_ref()).ok().and_then(|found| found.earliest()) else {
        return text.to_string();
    };
    match tz::UtcDateTime::from_timespec(local.unix_time(), 0) {
        Ok(u) => format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", u.year(), u.month(), u.month_day(), u.hour(), u.minute(), u.second()),
        Err(_) => text.to_string(),
    }
}

/// Where the ingester reads and how it converts, from `[asterisk]`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Asterisk's Master.csv, if configured.
    pub csv: Option<PathBuf>,
    /// The zone Asterisk writes CDR times in.
    pub zone: tz::TimeZone,
    /// How often Master.csv is read without a reason (start and reconnects read it anyway).
    pub every: Duration,
}

impl Settings {
    /// From the validated `[asterisk]` table.
    pub fn from_config(config: &crate::config::AsteriskConfig) -> Settings {
        let zone = match &config.cdr_time_zone {
            Some(name) => time_zone(name).unwrap_or_else(|_| tz::TimeZone::utc()),
            None => tz::TimeZone::local().unwrap_or_else(|e| {
                tracing::warn!(error = %e, "no local time zone to read CDR times in; taking them as UTC (set [asterisk] cdr_time_zone)");
                tz::TimeZone::utc()
            }),
        };
        Settings { csv: config.cdr_csv.clone(), zone, every: Duration::from_secs(60) }
    }
}

/// What the ingester has done since it started, for tests and health checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// `Cdr` events received.
    pub events: u64,
    /// Rows written to `cdr` (from events and the file).
    pub stored: u64,
    /// Rows that were already there (dropped by the key).
    pub duplicates: u64,
    /// Rows of `Cdr` events written or dropped as already stored: when it equals `events`, no
    /// event's row is waiting.
    pub handled: u64,
    /// Reads of Master.csv finished (successfully or not).
    pub reconciles: u64,
    /// Lines of Master.csv skipped because they are not CDR rows.
    pub skipped_lines: u64,
    /// The last failure (writing, or reading the file), cleared by the next success.
    pub last_error: Option<String>,
}

/// Work for the ingester's thread.
enum Job {
    Row(CdrRow),
    Reconcile(&'static str),
    Stop,
}

/// Takes call records into the `cdr` table: `Cdr` events as they come, Master.csv on demand.
pub struct Ingester {
    jobs: Mutex<mpsc::Sender<Job>>,
    status: watch::Sender<Status>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Ingester {
    /// Starts the writer thread on `db`; it reads Master.csv first when one is configured.
    pub fn start(db: Arc<Database>, settings: Settings) -> anyhow::Result<Arc<Ingester>> {
        let (jobs, rx) = mpsc::channel();
        let (status, _) = watch::channel(Status::default());
        let writer_status = status.clone();
        if settings.csv.is_some() {
            let _ = jobs.send(Job::Reconcile("start"));
        }
        let thread = std::thread::Builder::new()
            .name("cdr-writer".into())
            .spawn(move || ingest::run(rx, db, settings, writer_status))?;
        Ok(Arc::new(Ingester { jobs: Mutex::new(jobs), status, thread: Mutex::new(Some(thread)) }))
    }

    fn send(&self, job: Job) {
        let _ = self.jobs.lock().unwrap_or_else(|e| e.into_inner()).send(job);
    }

    /// Takes an `Event: Cdr` (anything else is ignored). Quick: a parse and a send.
    pub fn offer(&self, event: &Message) {
        if let Some(row) = CdrRow::from_event(event) {
            self.status.send_modify(|s| s.events += 1);
            self.send(Job::Row(row));
        }
    }

    /// Reads Master.csv now (if configured); requests made while one runs are merged into one.
    pub fn reconcile(&self, reason: &'static str) {
        self.send(Job::Reconcile(reason));
    }

    /// What has been done so far.
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Waits until `done` holds for the status (or `timeout` passes); returns the last status.
    pub async fn wait_for(&self, timeout: Duration, done: impl Fn(&Status) -> bool) -> Status {
        let mut rx = self.status.subscribe();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|s| done(s))).await;
        let status = rx.borrow().clone();
        status
    }

    /// Writes what is queued, stops the thread and waits for it (off the async threads).
    pub async fn shutdown(&self) {
        self.send(Job::Stop);
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// The host's AMI event sink: every event goes to the bus; `Cdr` events also to the ingester,
/// and a reconnect makes it read Master.csv for what ended while the link was down.
pub struct HostSink {
    /// The event bus.
    pub bus: Arc<EventBus>,
    /// The CDR ingester, when there is a store to write to.
    pub cdr: Option<Arc<Ingester>>,
}

impl EventSink for HostSink {
    fn event(&self, event: Message) {
        if let Some(cdr) = &self.cdr {
            cdr.offer(&event);
        }
        self.bus.event(event);
    }

    fn reconnected(&self, downtime: Duration) {
        self.bus.reconnected(downtime);
        if let Some(cdr) = &self.cdr {
            cdr.reconcile("ami-reconnected");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_rows_of_an_unanswered_dial_have_two_keys_and_a_row_has_one() {
        let event = |dst: &str, app: &str, start: &str, disposition: &str| {
            Message::new()
                .with("Event", "Cdr")
                .with("Channel", "PJSIP/1001-00000006")
                .with("DestinationChannel", dst)
                .with("LastApplication", app)
                .with("StartTime", start)
                .with("AnswerTime", "2026-12-05 20:53:16")
                .with("EndTime", "2026-12-05 20:53:36")
                .with("Disposition", disposition)
                .with("UniqueID", "1796503995.14")
        };
        let dial = CdrRow::from_event(&event("PJSIP/1002-00000007", "Dial", "2026-12-05 20:53:15", "NO ANSWER")).unwrap();
        let hangup = CdrRow::from_event(&event("", "Hangup", "2026-12-05 20:53:36", "ANSWERED")).unwrap();
        assert_ne!(dial.key(), hangup.key());
        assert_eq!(dial.key().len(), 32);
        // The key ignores what Master.csv may lack.
        let bare = CdrRow { uniqueid: String::new(), userfield: "x".into(), accountcode: "acc".into(), ..dial.clone() };
        assert_eq!(bare.key(), dial.key());
        assert!(CdrRow::from_event(&Message::new().with("Event", "Hangup")).is_none());
    }

    #[test]
    fn local_times_become_utc() {
        let berlin = time_zone("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        assert_eq!(to_utc("2026-12-05 20:52:50", &berlin), "2026-12-05 19:52:50");
        assert_eq!(to_utc("2026-07-01 00:30:00", &berlin), "2026-06-30 22:30:00");
        // 2026-10-25 02:30 happens twice in Berlin: the first, still summer time.
        assert_eq!(to_utc("2026-10-25 02:30:00", &berlin), "2026-10-25 00:30:00");
        // 2026-03-29 02:30 never happens: the instant of the change.
        assert_eq!(to_utc("2026-03-29 02:30:00", &berlin), "2026-03-29 01:00:00");
        assert_eq!(to_utc("2026-12-05 20:52:50", &time_zone("UTC").unwrap()), "2026-12-05 20:52:50");
        assert_eq!(to_utc("not a time", &berlin), "not a time");
        assert!(time_zone("Mars/Olympus_Mons").is_err());
        assert!(is_uniqueid("1796503970.12") && is_uniqueid("pbx-1.1") && !is_uniqueid("hello") && !is_uniqueid("1."));
    }
}
