//! A realistic small office PBX, seeded into an empty `pbx` database for `switchboard demo`,
//! the benchmarks and the API tests.
//!
//! Why seeded data rather than fixtures per test: the five API flavors read and write the same
//! tables, and what exercises them honestly is data shaped like a real installation — names with
//! apostrophes and diacritics (escaping), voicemail-less users, follow-me lists mixing internal and
//! external numbers, a few chan_sip leftovers in `device_options`, and a month of call records with
//! office-hour peaks, every disposition, transfers sharing a `linkedid`, IVR hang-ups with
//! `dst = 's'` (Elastix hides those) and recordings that exist on disk.
//!
//! Why deterministic: a demo that looks the same on every start, and tests and benchmarks that
//! can assert on it. Everything comes from [`fastrand::Rng`] seeded with [`DEMO_SEED`] (or the
//! caller's seed), and every timestamp is derived from the `now` passed in — never the clock — so
//! the same `now` gives byte-identical rows. `fastrand` because it is small, dependency-free, already
//! in the dependency graph (through `tempfile`), and `Rng::with_seed` is a plain wyrand whose stream
//! depends on nothing but the seed, whereas `rand` documents both `StdRng` and `SmallRng` as not
//! reproducible (free to change algorithm between releases, or by platform).
//!
//! The office itself — its people and extensions, the provider trunk, the queues and the astdb keys
//! the simulated PBX starts with — is [`switchboard_sim::office`], which the simulator's
//! [`switchboard_sim::PbxSeed::demo`] builds from too, so the database and the simulated Asterisk
//! describe the same office; what only the database has (more people, ring groups, follow-me, the
//! backup trunk, call records) is here. All times are UTC; office hours are weighted in UTC too.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail, ensure};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use switchboard_sim::office::{self, PEOPLE as NAMES, QUEUES, Queue, extension};

use super::wav;

/// The seed [`seed`] draws everything from, so the demo is the same on every run.
pub const DEMO_SEED: u64 = 0x5b0a_2d00_1001_0600;

/// How many call records [`seed`] writes.
pub const DEMO_CDRS: usize = 2000;

/// How many days back [`seed`]'s call records reach.
pub const DEMO_CDR_DAYS: u32 = 30;

/// The share of answered calls [`seed`] records (each gets a real WAV file).
pub const DEMO_RECORDED_SHARE: f64 = 0.10;

/// The office's main number (to the time condition, then the IVR).
pub const MAIN_DID: &str = "31201234500";
/// The sales line (to ring group 600).
pub const SALES_DID: &str = "31201234501";
/// The support line (to queue `support`, 7001).
pub const SUPPORT_DID: &str = "31201234502";

/// What was seeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// User extensions (1001–1050).
    pub extensions: usize,
    /// Ring groups (600–602).
    pub ring_groups: usize,
    /// Users with a follow-me list.
    pub follow_me: usize,
    /// Trunks.
    pub trunks: usize,
    /// Call queues.
    pub queues: usize,
    /// Call records.
    pub cdrs: usize,
    /// Recording files written under the recordings directory.
    pub recordings: usize,
}

fn name_of(number: &str) -> &'static str {
    office::name_of(number).unwrap_or("")
}

/// A ring group: number, name, strategy, ring time, members, destination if nobody answers.
struct RingGroup {
    number: &'static str,
    name: &'static str,
    strategy: &'static str,
    ring_time: u32,
    members: &'static [&'static str],
    no_answer: &'static str,
}

const RING_GROUPS: [RingGroup; 3] = [
    RingGroup {
        number: "600",
        name: "Sales",
        strategy: "ringall",
        ring_time: 20,
        members: &["1004", "1005", "1011", "1012", "1024"],
        no_answer: "ext-queues,7002,1",
    },
    RingGroup {
        number: "601",
        name: "Support",
        strategy: "hunt",
        ring_time: 15,
        members: &["1001", "1002", "1003", "1013"],
        no_answer: "ext-local,vmu1001,1",
    },
    RingGroup {
        number: "602",
        name: "Reception",
        strategy: "firstavailable",
        ring_time: 25,
        members: &["1010", "1015", "1016", "0201234599#"],
        no_answer: "ext-local,vmb1010,1",
    },
];

/// Follow-me: extension, strategy, ring time, pre-ring, enabled, numbers in order.
type FollowMe = (&'static str, &'static str, u32, u32, bool, &'static [&'static str]);

const FOLLOW_ME: [FollowMe; 6] = [
    ("1001", "ringallv2", 20, 0, true, &["1001", "0612345678#"]),
    ("1004", "hunt", 15, 0, true, &["1004", "1005", "0687654321#"]),
    ("1011", "ringallv2-prim", 25, 5, true, &["1011", "0034612345678#"]),
    ("1017", "firstavailable", 30, 0, true, &["1017", "1032", "0619283746#"]),
    ("1023", "memoryhunt", 20, 0, false, &["1023", "0623456789#", "0201234567#"]),
    ("1036", "ringall", 30, 5, true, &["0644556677#", "1036"]),
];

/// Users who record (in external, out external, in internal, out internal, on demand).
const RECORDING: [(&str, &str, &str, &str, &str, &str); 6] = [
    ("1001", "always", "dontcare", "dontcare", "dontcare", "enabled"),
    ("1002", "always", "dontcare", "dontcare", "dontcare", "disabled"),
    ("1004", "always", "always", "dontcare", "dontcare", "enabled"),
    ("1005", "always", "always", "dontcare", "dontcare", "disabled"),
    ("1013", "dontcare", "dontcare", "dontcare", "dontcare", "enabled"),
    ("1020", "never", "never", "never", "never", "disabled"),
];

/// chan_sip leftovers of users migrated from an older PBX.
const DEVICE_OPTIONS: [(&str, &str, &str); 13] = [
    ("1046", "dtmfmode", "rfc2833"),
    ("1046", "nat", "yes"),
    ("1046", "qualify", "yes"),
    ("1047", "dtmfmode", "rfc2833"),
    ("1047", "nat", "yes"),
    ("1047", "qualify", "yes"),
    ("1048", "dtmfmode", "rfc2833"),
    ("1048", "nat", "no"),
    ("1048", "qualify", "yes"),
    ("1048", "deny", "0.0.0.0/0.0.0.0"),
    ("1048", "permit", "192.168.1.0/255.255.255.0"),
    ("1049", "dtmfmode", "info"),
    ("1050", "qualify", "2000"),
];

/// astdb keys as the dialplan leaves them, after the simulated PBX's ([`office::ASTDB`]).
const MORE_ASTDB: [(&str, &str, &str); 4] =
    [("CW", "1001", "ENABLED"), ("CW", "1002", "ENABLED"), ("DND", "1027", "YES"), ("CF", "1031", "0612345678")];

/// Seeds the demo PBX into a migrated, EMPTY pbx database, writing recordings under `recordings_dir`.
/// Refuses (error) when the database already has extensions (so a restart of the demo never duplicates).
///
/// Everything is one transaction: on any error nothing is left in the database (recording files
/// already written stay, harmlessly, on disk). The same `now` always gives the same rows.
pub fn seed(conn: &mut Connection, recordings_dir: &Path, now: SystemTime) -> anyhow::Result<DemoSummary> {
    let now = unix_seconds(now)?;
    let tx =
        conn.transaction_with_behavior(TransactionBehavior::Immediate).context("starting the demo seed transaction")?;
    let existing: i64 = tx
        .query_row("SELECT count(*) FROM extensions", [], |r| r.get(0))
        .context("counting extensions (is the pbx database migrated?)")?;
    if existing > 0 {
        bail!("the pbx database already has {existing} extensions; the demo PBX is seeded only into an empty one");
    }
    let mut rng = fastrand::Rng::with_seed(DEMO_SEED);
    let extensions = seed_extensions(&tx, &mut rng, now).context("seeding extensions")?;
    seed_groups(&tx).context("seeding ring groups and follow-me")?;
    seed_trunks_and_routes(&tx, &mut rng, now).context("seeding trunks and routes")?;
    seed_queues(&tx).context("seeding queues")?;
    let (cdrs, recordings) = seed_cdrs(&tx, recordings_dir, now).context("seeding call records")?;
    tx.commit().context("committing the demo seed")?;
    Ok(DemoSummary {
        extensions,
        ring_groups: RING_GROUPS.len(),
        follow_me: FOLLOW_ME.len(),
        trunks: 2,
        queues: QUEUES.len(),
        cdrs,
        recordings,
    })
}

/// Appends `count` CDRs spread over the `days` before `now` (the benchmarks use 100,000), with about
/// `with_recordings` of them (0.0–1.0) referencing a recording file name (the files are not written).
/// Returns the rows inserted. One transaction, prepared statement, fast (100k rows in well under 2 s
/// in release).
///
/// The calls are the demo office's (same extensions, trunks, queues and DIDs as [`seed`]), so the
/// rows look like [`seed`]'s; `sequence` and the `uniqueid` counter continue after the database's
/// highest `sequence`, so repeated calls never repeat a `uniqueid`. Unlike [`seed`], any row may carry
/// a recording name — as in FreePBX, where MixMonitor names the file before the call is answered.
pub fn insert_cdrs(
    conn: &mut Connection,
    count: usize,
    days: u32,
    now: SystemTime,
    with_recordings: f64,
    seed: u64,
) -> anyhow::Result<usize> {
    ensure!(days >= 1, "call records need at least one day to spread over");
    ensure!((0.0..=1.0).contains(&with_recordings), "with_recordings is a share, 0.0–1.0 (got {with_recordings})");
    let now = unix_seconds(now)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).context("starting the CDR transaction")?;
    let mut pick = fastrand::Rng::with_seed(seed ^ 0x7265_636f_7264_696e);
    let inserted = write_cdrs(&tx, count, days, now, seed, |cdr| {
        if pick.f64() < with_recordings {
            cdr.recordingfile = recording_name(cdr);
        }
        Ok(())
    })?;
    tx.commit().context("committing the call records")?;
    Ok(inserted)
}

fn unix_seconds(now: SystemTime) -> anyhow::Result<i64> {
    let secs = now.duration_since(UNIX_EPOCH).context("`now` is before 1970")?.as_secs();
    i64::try_from(secs).context("`now` is too far in the future")
}

fn seed_extensions(tx: &Transaction, rng: &mut fastrand::Rng, now: i64) -> anyhow::Result<usize> {
    let mut ext = tx.prepare(
        "INSERT INTO extensions (number, name, secret, technology, context, outbound_cid, voicemail, ring_time,
            recording_in_external, recording_out_external, recording_in_internal, recording_out_internal,
            recording_ondemand, created, modified)
         VALUES (?1, ?2, ?3, 'pjsip', 'from-internal', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut vm = tx.prepare(
        "INSERT INTO voicemail (context, mailbox, password, fullname, email, attach, delete_after_email)
         VALUES ('default', ?1, ?2, ?3, ?4, 'yes', ?5)",
    )?;
    for (i, name) in NAMES.iter().enumerate() {
        let number = extension(i);
        let secret: String = std::iter::repeat_with(|| rng.alphanumeric()).take(16).collect();
        // The simulator gives 1001–1010 mailboxes; of the rest about one in six has none.
        let voicemail = if i < office::PHONES || rng.f64() >= 0.16 { "default" } else { "novm" };
        let ring_time = [0, 0, 0, 15, 20, 20, 30][rng.usize(0..7)];
        // A few users have their own direct number shown on outgoing calls.
        let outbound_cid = if rng.f64() < 0.2 { format!("+312012345{}", 10 + i) } else { String::new() };
        let recording = RECORDING.iter().find(|r| r.0 == number);
        let (in_ext, out_ext, in_int, out_int, ondemand) = recording
            .map_or(("dontcare", "dontcare", "dontcare", "dontcare", "disabled"), |r| (r.1, r.2, r.3, r.4, r.5));
        // Hired over the last year or so, in number order; some edited since.
        let created = now - (400 - 7 * i as i64) * 86_400 - rng.i64(0..86_400);
        let modified = if rng.bool() { created } else { created + rng.i64(0..(now - created).max(1)) };
        ext.execute(params![
            number,
            name,
            secret,
            outbound_cid,
            voicemail,
            ring_time,
            in_ext,
            out_ext,
            in_int,
            out_int,
            ondemand,
            datetime(created),
            datetime(modified),
        ])
        .with_context(|| format!("inserting extension {number}"))?;
        if voicemail == "default" {
            let password: String = std::iter::repeat_with(|| rng.digit(10)).take(4).collect();
            let delete_after_email = if rng.f64() < 0.2 { "yes" } else { "no" };
            vm.execute(params![number, password, name, email(name), delete_after_email])
                .with_context(|| format!("inserting the mailbox of {number}"))?;
        }
    }
    let mut opt = tx.prepare("INSERT INTO device_options (number, key, value) VALUES (?1, ?2, ?3)")?;
    for (number, key, value) in DEVICE_OPTIONS {
        opt.execute(params![number, key, value])
            .with_context(|| format!("inserting device option {key} of {number}"))?;
    }
    let mut astdb = tx.prepare("INSERT INTO astdb (family, key, value) VALUES (?1, ?2, ?3)")?;
    for (family, key, value) in office::ASTDB.into_iter().chain(MORE_ASTDB) {
        astdb.execute(params![family, key, value]).with_context(|| format!("inserting astdb {family}/{key}"))?;
    }
    Ok(NAMES.len())
}

fn seed_groups(tx: &Transaction) -> anyhow::Result<()> {
    for g in &RING_GROUPS {
        tx.execute(
            "INSERT INTO ring_groups (number, name, strategy, ring_time, cid_name_prefix, skip_busy_agent,
                destination_if_no_answer)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                g.number,
                g.name,
                g.strategy,
                g.ring_time,
                format!("{}: ", g.name),
                g.strategy == "hunt",
                g.no_answer
            ],
        )
        .with_context(|| format!("inserting ring group {}", g.number))?;
        for (position, member) in g.members.iter().enumerate() {
            tx.execute(
                "INSERT INTO ring_group_members (group_number, position, destination) VALUES (?1, ?2, ?3)",
                params![g.number, position as i64, member],
            )?;
        }
    }
    let has_voicemail = |ext: &str| -> rusqlite::Result<bool> {
        tx.query_row("SELECT voicemail <> 'novm' FROM extensions WHERE number = ?1", [ext], |r| r.get(0))
    };
    for (ext, strategy, ring_time, pre_ring, enabled, numbers) in FOLLOW_ME {
        let post = if has_voicemail(ext)? { format!("ext-local,vmu{ext},1") } else { "app-blackhole,hangup,1".into() };
        tx.execute(
            "INSERT INTO follow_me (extension, strategy, ring_time, pre_ring, post_destination, enabled)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![ext, strategy, ring_time, pre_ring, post, enabled],
        )
        .with_context(|| format!("inserting the follow-me of {ext}"))?;
        for (position, number) in numbers.iter().enumerate() {
            tx.execute(
                "INSERT INTO follow_me_numbers (extension, position, number) VALUES (?1, ?2, ?3)",
                params![ext, position as i64, number],
            )?;
        }
    }
    Ok(())
}

fn seed_trunks_and_routes(tx: &Transaction, rng: &mut fastrand::Rng, now: i64) -> anyhow::Result<()> {
    let secret: String = std::iter::repeat_with(|| rng.alphanumeric()).take(16).collect();
    tx.execute(
        "INSERT INTO trunks (name, technology, host, port, username, secret, register, context, outbound_cid,
            max_channels, codecs)
         VALUES (?4, 'pjsip', ?5, ?6, ?1, ?2, 1, 'from-trunk', ?3, 30, 'alaw,ulaw')",
        params![MAIN_DID, secret, format!("+{MAIN_DID}"), office::TRUNK.name, office::TRUNK.host, office::TRUNK.port],
    )
    .with_context(|| format!("inserting {}", office::TRUNK.name))?;
    // The backup provider authenticates by IP: no registration, no credentials.
    tx.execute(
        "INSERT INTO trunks (name, technology, host, port, register, context, outbound_cid, max_channels, codecs)
         VALUES ('trunk-backup', 'pjsip', 'sip.backup.example', 5060, 0, 'from-trunk', ?1, 4, 'alaw,ulaw,g722')",
        params![format!("+{MAIN_DID}")],
    )
    .context("inserting trunk-backup")?;

    // Day timer 1 is the time condition the main number goes through (FreePBX's `timeconditions,1,1`).
    tx.execute(
        "INSERT INTO day_timers (id, name, weekdays, begin_time, end_time, state, destination_open, destination_closed)
         VALUES (1, 'Office hours', 'mon-fri', '08:30', '17:30', 'auto', 'ivr-1,s,1', 'ext-local,vmu1010,1')",
        [],
    )?;
    let (year, ..) = civil_from_days(now.div_euclid(86_400));
    tx.execute(
        "INSERT INTO holiday_timers (id, name, starts, ends, destination)
         VALUES (1, 'Christmas', ?1, ?2, 'ext-local,vmu1010,1')",
        params![format!("{year}-12-25 00:00:00"), format!("{year}-12-26 23:59:59")],
    )?;
    tx.execute(
        "INSERT INTO ivrs (id, name, announcement, timeout, direct_dial, invalid_destination, timeout_destination)
         VALUES (1, 'Main menu', 'custom/welcome-main-menu', 10, 1, 'ext-group,602,1', 'ext-group,602,1')",
        [],
    )?;
    for (digits, destination) in
        [("1", "ext-queues,7002,1"), ("2", "ext-queues,7001,1"), ("0", "ext-group,602,1"), ("9", "ext-local,vmb1010,1")]
    {
        tx.execute(
            "INSERT INTO ivr_entries (ivr_id, digits, destination) VALUES (1, ?1, ?2)",
            params![digits, destination],
        )?;
    }
    for (description, did, destination) in [
        ("Main number", MAIN_DID, "timeconditions,1,1"),
        ("Sales line", SALES_DID, "ext-group,600,1"),
        ("Support line", SUPPORT_DID, "ext-queues,7001,1"),
    ] {
        tx.execute(
            "INSERT INTO inbound_routes (description, did, destination) VALUES (?1, ?2, ?3)",
            params![description, did, destination],
        )
        .with_context(|| format!("inserting inbound route {did}"))?;
    }
    /// (name, patterns as (match, prefix, prepend), trunks in order)
    type Route = (&'static str, &'static [(&'static str, &'static str, &'static str)], &'static [&'static str]);
    let routes: [Route; 3] = [
        ("local", &[("NXXXXXX", "", "020")], &[office::TRUNK.name, "trunk-backup"]),
        ("national", &[("0ZXXXXXXXX", "", "")], &[office::TRUNK.name, "trunk-backup"]),
        ("international", &[("00Z.", "", ""), ("Z.", "+", "00")], &[office::TRUNK.name]),
    ];
    for (position, (name, patterns, trunks)) in routes.iter().enumerate() {
        let id = position as i64 + 1;
        tx.execute(
            "INSERT INTO outbound_routes (id, name, position) VALUES (?1, ?2, ?3)",
            params![id, name, position as i64],
        )
        .with_context(|| format!("inserting outbound route {name}"))?;
        for (m, prefix, prepend) in *patterns {
            tx.execute(
                "INSERT INTO outbound_route_patterns (route_id, match, prefix, prepend) VALUES (?1, ?2, ?3, ?4)",
                params![id, m, prefix, prepend],
            )?;
        }
        for (i, trunk) in trunks.iter().enumerate() {
            tx.execute(
                "INSERT INTO outbound_route_trunks (route_id, position, trunk_name) VALUES (?1, ?2, ?3)",
                params![id, i as i64, trunk],
            )?;
        }
    }
    Ok(())
}

fn seed_queues(tx: &Transaction) -> anyhow::Result<()> {
    for q in &QUEUES {
        tx.execute(
            "INSERT INTO queues (name, description, strategy, timeout, retry, wrapuptime, maxlen, servicelevel)
             VALUES (?1, ?2, ?3, ?4, 5, ?5, 10, ?6)",
            params![q.name, q.description, q.strategy, q.timeout, q.wrapuptime, q.servicelevel],
        )
        .with_context(|| format!("inserting queue {}", q.name))?;
        for (ext, penalty, paused) in q.members {
            let interface = format!("PJSIP/{ext}");
            tx.execute(
                "INSERT INTO queue_members (queue_name, interface, membername, state_interface, penalty, paused)
                 VALUES (?1, ?2, ?3, ?2, ?4, ?5)",
                params![q.name, interface, name_of(ext), penalty, paused],
            )
            .with_context(|| format!("inserting member {interface} of queue {}", q.name))?;
        }
    }
    Ok(())
}

/// Writes [`DEMO_CDRS`] records and a WAV for about [`DEMO_RECORDED_SHARE`] of the answered ones.
fn seed_cdrs(tx: &Transaction, recordings_dir: &Path, now: i64) -> anyhow::Result<(usize, usize)> {
    let mut pick = fastrand::Rng::with_seed(DEMO_SEED ^ 0x7761_7665);
    let mut recordings = 0;
    let cdrs = write_cdrs(tx, DEMO_CDRS, DEMO_CDR_DAYS, now, DEMO_SEED, |cdr| {
        if cdr.disposition != "ANSWERED" || cdr.dst == "s" || pick.f64() >= DEMO_RECORDED_SHARE {
            return Ok(());
        }
        cdr.recordingfile = recording_name(cdr);
        let path = recordings_dir.join(&cdr.recordingfile);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        // 2–5 s whatever the call's length, so the demo's recordings stay a few megabytes.
        let seconds = 2.0 + 3.0 * pick.f32();
        let frequency = 350.0 + 300.0 * pick.f32();
        wav::write_tone(&path, seconds, frequency, 8000).with_context(|| format!("writing {}", path.display()))?;
        recordings += 1;
        Ok(())
    })?;
    Ok((cdrs, recordings))
}

/// FreePBX's name for a call's recording, relative to the recordings area:
/// `YYYY/MM/DD/<in|out|exten>-<dst>-<src>-<YYYYMMDD>-<HHMMSS>-<uniqueid>.wav`.
fn recording_name(cdr: &Cdr) -> String {
    let kind = match cdr.kind {
        Kind::Inbound => "in",
        Kind::Outbound => "out",
        Kind::Internal => "exten",
    };
    let (y, mo, d, h, mi, s) = civil(cdr.calldate);
    format!(
        "{y:04}/{mo:02}/{d:02}/{kind}-{}-{}-{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}-{}.wav",
        cdr.dst, cdr.src, cdr.uniqueid
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Internal,
    Inbound,
    Outbound,
}

/// One call record before it is written (times in Unix seconds).
#[derive(Debug, Clone)]
struct Cdr {
    kind: Kind,
    calldate: i64,
    answer: Option<i64>,
    end: i64,
    clid: String,
    src: String,
    dst: String,
    dcontext: &'static str,
    channel: String,
    dstchannel: String,
    lastapp: &'static str,
    lastdata: String,
    billsec: i64,
    disposition: &'static str,
    uniqueid: String,
    linkedid: String,
    sequence: i64,
    recordingfile: String,
    did: String,
}

/// Rows per INSERT statement: one multi-row statement costs SQLite far less than as many
/// single-row ones (19 parameters a row stays well under SQLite's 32,766-parameter limit).
const CDR_BATCH: usize = 64;

/// Generates `count` calls' records in call-date order and inserts them in multi-row statements;
/// `decorate` sees each row before it is written (it adds recordings).
fn write_cdrs(
    tx: &Transaction,
    count: usize,
    days: u32,
    now: i64,
    seed: u64,
    mut decorate: impl FnMut(&mut Cdr) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    let last_sequence: i64 = tx
        .query_row("SELECT coalesce(max(sequence), 0) FROM cdr", [], |r| r.get(0))
        .context("reading the last CDR sequence (is the pbx database migrated?)")?;
    let mut calls = CallGen::new(seed, now, days, last_sequence);
    let starts = calls.start_times(count);
    let mut full = tx.prepare(&cdr_insert_sql(CDR_BATCH)).context("preparing the CDR insert")?;
    let mut batch: Vec<Cdr> = Vec::with_capacity(CDR_BATCH + 1);
    let mut call = Vec::with_capacity(2);
    let mut written = 0;
    for start in starts {
        if written + batch.len() == count {
            break;
        }
        call.clear();
        calls.call(start, count - written - batch.len(), &mut call);
        for mut cdr in call.drain(..) {
            decorate(&mut cdr)?;
            batch.push(cdr);
            if batch.len() == CDR_BATCH {
                written += insert_batch(&mut full, &batch)?;
                batch.clear();
            }
        }
    }
    if !batch.is_empty() {
        let mut rest = tx.prepare(&cdr_insert_sql(batch.len())).context("preparing the CDR insert")?;
        written += insert_batch(&mut rest, &batch)?;
    }
    Ok(written)
}

/// The CDR columns [`insert_batch`] binds, in order (`amaflags` is always 3, DOCUMENTATION).
const CDR_COLUMNS: usize = 19;

fn cdr_insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO cdr (calldate, answer, end, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, \
         duration, billsec, disposition, uniqueid, linkedid, sequence, recordingfile, did, amaflags) VALUES ",
    );
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ",(" });
        for col in 0..CDR_COLUMNS {
            let _ = write!(sql, "?{},", row * CDR_COLUMNS + col + 1);
        }
        sql.push_str("3)");
    }
    sql
}

fn insert_batch(stmt: &mut rusqlite::Statement<'_>, rows: &[Cdr]) -> anyhow::Result<usize> {
    let bind = |stmt: &mut rusqlite::Statement<'_>| -> rusqlite::Result<()> {
        for (i, cdr) in rows.iter().enumerate() {
            let at = i * CDR_COLUMNS;
            stmt.raw_bind_parameter(at + 1, datetime(cdr.calldate))?;
            stmt.raw_bind_parameter(at + 2, cdr.answer.map(datetime))?;
            stmt.raw_bind_parameter(at + 3, datetime(cdr.end))?;
            stmt.raw_bind_parameter(at + 4, &cdr.clid)?;
            stmt.raw_bind_parameter(at + 5, &cdr.src)?;
            stmt.raw_bind_parameter(at + 6, &cdr.dst)?;
            stmt.raw_bind_parameter(at + 7, cdr.dcontext)?;
            stmt.raw_bind_parameter(at + 8, &cdr.channel)?;
            stmt.raw_bind_parameter(at + 9, &cdr.dstchannel)?;
            stmt.raw_bind_parameter(at + 10, cdr.lastapp)?;
            stmt.raw_bind_parameter(at + 11, &cdr.lastdata)?;
            stmt.raw_bind_parameter(at + 12, cdr.end - cdr.calldate)?;
            stmt.raw_bind_parameter(at + 13, cdr.billsec)?;
            stmt.raw_bind_parameter(at + 14, cdr.disposition)?;
            stmt.raw_bind_parameter(at + 15, &cdr.uniqueid)?;
            stmt.raw_bind_parameter(at + 16, &cdr.linkedid)?;
            stmt.raw_bind_parameter(at + 17, cdr.sequence)?;
            stmt.raw_bind_parameter(at + 18, &cdr.recordingfile)?;
            stmt.raw_bind_parameter(at + 19, &cdr.did)?;
        }
        Ok(())
    };
    let described = || {
        let (first, last) = (rows.first().map_or("", |c| &c.uniqueid), rows.last().map_or("", |c| &c.uniqueid));
        format!("inserting call records {first} … {last}")
    };
    bind(stmt).with_context(described)?;
    stmt.raw_execute().with_context(described)
}

/// Relative call volume per UTC hour on a weekday (peaks mid-morning and mid-afternoon).
const HOUR_WEIGHT: [f64; 24] = [
    0.01, 0.005, 0.005, 0.005, 0.005, 0.01, 0.02, 0.08, 0.45, 0.85, 1.0, 0.9, 0.55, 0.75, 0.95, 0.9, 0.7, 0.35, 0.12,
    0.06, 0.04, 0.03, 0.02, 0.01,
];
/// Weekend volume relative to a weekday's.
const WEEKEND_WEIGHT: f64 = 0.15;

/// The demo office's calls, one at a time.
struct CallGen {
    rng: fastrand::Rng,
    now: i64,
    from: i64,
    sequence: i64,
    channel: u64,
    /// Customers who call again and again (most inbound calls come from them).
    callers: Vec<String>,
}

impl CallGen {
    fn new(seed: u64, now: i64, days: u32, last_sequence: i64) -> CallGen {
        let mut rng = fastrand::Rng::with_seed(seed);
        let callers = (0..300).map(|_| external_caller(&mut rng)).collect();
        CallGen {
            rng,
            now,
            from: now - i64::from(days) * 86_400,
            sequence: last_sequence,
            // Asterisk's channel counter runs well ahead of the CDR count (several channels per call).
            channel: (last_sequence as u64).wrapping_mul(3) + 0x2a,
            callers,
        }
    }

    /// `count` call start times in [from, now), weighted to office hours, sorted.
    fn start_times(&mut self, count: usize) -> Vec<i64> {
        let mut starts = Vec::with_capacity(count);
        while starts.len() < count {
            let t = self.rng.i64(self.from..self.now);
            let days = t.div_euclid(86_400);
            let hour = (t.rem_euclid(86_400) / 3600) as usize;
            let weekend = (days + 3).rem_euclid(7) >= 5; // 1970-01-01 was a Thursday
            let weight = HOUR_WEIGHT[hour] * if weekend { WEEKEND_WEIGHT } else { 1.0 };
            if self.rng.f64() < weight {
                starts.push(t);
            }
        }
        starts.sort_unstable();
        starts
    }

    /// An extension, the first ones (the simulator's office) busier than the rest.
    fn pick_ext(&mut self) -> String {
        extension((self.rng.f64().powf(1.5) * NAMES.len() as f64) as usize)
    }

    fn other_ext(&mut self, not: &str) -> String {
        loop {
            let ext = self.pick_ext();
            if ext != not {
                return ext;
            }
        }
    }

    fn channel(&mut self, endpoint: &str) -> String {
        self.channel += 1;
        format!("PJSIP/{endpoint}-{:08x}", self.channel & 0xffff_ffff)
    }

    fn next_uniqueid(&mut self, at: i64) -> (i64, String) {
        self.sequence += 1;
        (self.sequence, format!("{at}.{}", self.sequence))
    }

    fn disposition(&mut self) -> &'static str {
        match self.rng.f64() {
            r if r < 0.70 => "ANSWERED",
            r if r < 0.85 => "NO ANSWER",
            r if r < 0.95 => "BUSY",
            _ => "FAILED",
        }
    }

    /// Talk time of an answered call: mostly short, a tail of long ones.
    fn talk(&mut self, kind: Kind) -> i64 {
        let r = self.rng.f64();
        let (short, long) = if kind == Kind::Internal { (0.75, 0.97) } else { (0.55, 0.9) };
        if r < short {
            self.rng.i64(5..120)
        } else if r < long {
            self.rng.i64(120..600)
        } else {
            self.rng.i64(600..2400)
        }
    }

    /// Appends one call's records (two when it is transferred and `room` allows) to `rows`.
    fn call(&mut self, start: i64, room: usize, rows: &mut Vec<Cdr>) {
        let disposition = self.disposition();
        let answered = disposition == "ANSWERED";
        let kind = match self.rng.f64() {
            r if r < 0.40 => Kind::Internal,
            r if r < 0.75 => Kind::Inbound,
            _ => Kind::Outbound,
        };
        let (sequence, uniqueid) = self.next_uniqueid(start);
        let mut ring = match disposition {
            "ANSWERED" => self.rng.i64(2..=20),
            "NO ANSWER" => self.rng.i64(15..=45),
            "BUSY" => self.rng.i64(0..=4),
            _ => self.rng.i64(0..=1),
        };
        let mut billsec = if answered { self.talk(kind) } else { 0 };
        let reached = disposition != "FAILED";
        // Who picks up (or rings) at the far end, if it is one of ours: a transfer starts there.
        let mut callee: Option<String> = None;
        let mut cdr = match kind {
            Kind::Internal => {
                let src = self.pick_ext();
                let channel = self.channel(&src);
                let clid = format!("\"{}\" <{src}>", name_of(&src));
                let (dst, dcontext, lastapp, lastdata, target) = match self.rng.f64() {
                    r if r < 0.8 => {
                        let dst = self.other_ext(&src);
                        let data = format!("PJSIP/{dst},30,tr");
                        (dst.clone(), "from-internal", "Dial", data, dst)
                    }
                    r if r < 0.9 => {
                        let g = &RING_GROUPS[self.rng.usize(0..RING_GROUPS.len())];
                        let member = self.group_member(g);
                        (g.number.to_string(), "ext-group", "Dial", group_dial_data(g), member)
                    }
                    _ => {
                        let q = &QUEUES[self.rng.usize(0..QUEUES.len())];
                        let member = q.members[self.rng.usize(0..q.members.len())].0.to_string();
                        (q.exten.to_string(), "ext-queues", "Queue", format!("{},t,,,300", q.name), member)
                    }
                };
                let dstchannel = if reached { self.channel(&target) } else { String::new() };
                callee = Some(target);
                Cdr::new(kind, start, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata)
            }
            Kind::Inbound => {
                let caller = if self.rng.f64() < 0.7 {
                    self.callers[self.rng.usize(0..self.callers.len())].clone()
                } else {
                    external_caller(&mut self.rng)
                };
                let trunk = if self.rng.f64() < 0.95 { office::TRUNK.name } else { "trunk-backup" };
                let channel = self.channel(trunk);
                let clid = format!("\"{caller}\" <{caller}>");
                if answered && self.rng.f64() < 0.04 {
                    // Hung up in the IVR: Elastix's reports leave these `s` rows out.
                    ring = 0;
                    billsec = self.rng.i64(3..30);
                    let mut cdr = Cdr::new(
                        kind,
                        start,
                        clid,
                        caller,
                        "s".into(),
                        "ivr-1",
                        channel,
                        String::new(),
                        "BackGround",
                        "custom/welcome-main-menu".into(),
                    );
                    cdr.did = MAIN_DID.into();
                    cdr
                } else {
                    let (did, dst, dcontext, lastapp, lastdata, target) = match self.rng.f64() {
                        r if r < 0.35 => self.queue_call(&QUEUES[0], SUPPORT_DID),
                        r if r < 0.55 => self.group_call(&RING_GROUPS[0], SALES_DID),
                        r if r < 0.70 => self.queue_call(&QUEUES[1], MAIN_DID),
                        r if r < 0.85 => self.group_call(&RING_GROUPS[2], MAIN_DID),
                        _ => {
                            let dst = self.pick_ext();
                            let data = format!("PJSIP/{dst},30,tr");
                            (MAIN_DID, dst.clone(), "from-did-direct", "Dial", data, dst)
                        }
                    };
                    if lastapp == "Queue" && disposition == "NO ANSWER" {
                        ring = self.rng.i64(20..=180); // waited in the queue, then gave up
                    }
                    let dstchannel = if reached { self.channel(&target) } else { String::new() };
                    callee = Some(target);
                    let mut cdr =
                        Cdr::new(kind, start, clid, caller, dst, dcontext, channel, dstchannel, lastapp, lastdata);
                    cdr.did = did.into();
                    cdr
                }
            }
            Kind::Outbound => {
                let src = self.pick_ext();
                let channel = self.channel(&src);
                let clid = format!("\"{}\" <{src}>", name_of(&src));
                let (dst, international) = external_dialed(&mut self.rng);
                let trunk = if international || self.rng.f64() < 0.93 { office::TRUNK.name } else { "trunk-backup" };
                let dstchannel = if reached { self.channel(trunk) } else { String::new() };
                let lastdata = format!("PJSIP/{dst}@{trunk},300,Tt");
                Cdr::new(kind, start, clid, src, dst, "from-internal", channel, dstchannel, "Dial", lastdata)
            }
        };
        cdr.disposition = disposition;
        cdr.sequence = sequence;
        cdr.linkedid = uniqueid.clone();
        cdr.uniqueid = uniqueid;
        cdr.answer = answered.then_some(start + ring);
        cdr.billsec = billsec;
        cdr.end = start + ring + billsec;
        let transfer = match &callee {
            Some(from) if answered && room >= 2 && from.len() == 4 && self.rng.f64() < 0.04 => {
                // Blind transfer to a colleague: a second record of the same call (same linkedid).
                let to = self.other_ext(from);
                let at = cdr.end;
                let (sequence, uniqueid) = self.next_uniqueid(at);
                let ring = self.rng.i64(2..=15);
                let billsec = self.talk(kind);
                let dstchannel = self.channel(&to);
                let mut leg = Cdr::new(
                    kind,
                    at,
                    cdr.clid.clone(),
                    cdr.src.clone(),
                    to.clone(),
                    "from-internal-xfer",
                    cdr.channel.clone(),
                    dstchannel,
                    "Dial",
                    format!("PJSIP/{to},30,tr"),
                );
                leg.did = cdr.did.clone();
                leg.disposition = "ANSWERED";
                leg.sequence = sequence;
                leg.uniqueid = uniqueid;
                leg.linkedid = cdr.linkedid.clone();
                leg.answer = Some(at + ring);
                leg.billsec = billsec;
                leg.end = at + ring + billsec;
                Some(leg)
            }
            _ => None,
        };
        rows.push(cdr);
        rows.extend(transfer);
        // A call still going at `now` would have no record yet: move the call back to end by then.
        let overrun = rows.iter().map(|r| r.end).max().unwrap_or(start) - self.now;
        if overrun > 0 {
            for r in rows.iter_mut() {
                r.calldate -= overrun;
                r.end -= overrun;
                r.answer = r.answer.map(|a| a - overrun);
            }
        }
    }

    /// An inbound call on `did` to queue `q`: (did, dst, dcontext, lastapp, lastdata, answering member).
    fn queue_call(&mut self, q: &Queue, did: &'static str) -> (&'static str, String, &'static str, &'static str, String, String) {
        let member = q.members[self.rng.usize(0..q.members.len())].0.to_string();
        (did, q.exten.to_string(), "ext-queues", "Queue", format!("{},t,,,300", q.name), member)
    }

    /// An inbound call on `did` to ring group `g`, shaped as [`Self::queue_call`].
    fn group_call(&mut self, g: &RingGroup, did: &'static str) -> (&'static str, String, &'static str, &'static str, String, String) {
        let member = self.group_member(g);
        (did, g.number.to_string(), "ext-group", "Dial", group_dial_data(g), member)
    }

    /// A ring group member who answers (an extension; external members never show as the callee).
    fn group_member(&mut self, g: &RingGroup) -> String {
        let internal: Vec<&str> = g.members.iter().copied().filter(|m| !m.ends_with('#')).collect();
        internal[self.rng.usize(0..internal.len())].to_string()
    }
}

impl Cdr {
    #[allow(clippy::too_many_arguments)]
    fn new(
        kind: Kind,
        calldate: i64,
        clid: String,
        src: String,
        dst: String,
        dcontext: &'static str,
        channel: String,
        dstchannel: String,
        lastapp: &'static str,
        lastdata: String,
    ) -> Cdr {
        Cdr {
            kind,
            calldate,
            answer: None,
            end: calldate,
            clid,
            src,
            dst,
            dcontext,
            channel,
            dstchannel,
            lastapp,
            lastdata,
            billsec: 0,
            disposition: "NO ANSWER",
            uniqueid: String::new(),
            linkedid: String::new(),
            sequence: 0,
            recordingfile: String::new(),
            did: String::new(),
        }
    }
}

/// A ring group's Dial data as FreePBX writes it (`Local/1004@from-internal/n&…,20,…`).
fn group_dial_data(g: &RingGroup) -> String {
    let mut data = String::new();
    for (i, m) in g.members.iter().enumerate() {
        if i > 0 {
            data.push('&');
        }
        let _ = write!(data, "Local/{}@from-internal/n", m.trim_end_matches('#'));
    }
    let _ = write!(data, ",{},M(auto-blkvm)tr", g.ring_time);
    data
}

/// A caller's number as a trunk presents it: Dutch mobiles and landlines in E.164 or national
/// form, and some from abroad.
fn external_caller(rng: &mut fastrand::Rng) -> String {
    match rng.u32(0..100) {
        0..50 => format!("+316{:08}", rng.u32(0..100_000_000)),
        50..75 => format!("06{:08}", rng.u32(0..100_000_000)),
        75..88 => format!("+31{}{:07}", ["20", "10", "30", "40", "70", "50"][rng.usize(0..6)], rng.u32(0..10_000_000)),
        _ => match rng.u32(0..5) {
            0 => format!("+44207{:07}", rng.u32(0..10_000_000)),
            1 => format!("+4930{:08}", rng.u32(0..100_000_000)),
            2 => format!("+322{:07}", rng.u32(0..10_000_000)),
            3 => format!("+1212{:07}", rng.u32(0..10_000_000)),
            _ => format!("+331{:08}", rng.u32(0..100_000_000)),
        },
    }
}

/// A number a user dials out, and whether it is international.
fn external_dialed(rng: &mut fastrand::Rng) -> (String, bool) {
    if rng.u32(0..100) < 80 {
        let number = match rng.u32(0..4) {
            0 => format!("06{:08}", rng.u32(0..100_000_000)),
            n => format!("0{}{:07}", ["20", "10", "30"][n as usize - 1], rng.u32(0..10_000_000)),
        };
        (number, false)
    } else {
        let number = match rng.u32(0..5) {
            0 => format!("0044207{:07}", rng.u32(0..10_000_000)),
            1 => format!("004930{:08}", rng.u32(0..100_000_000)),
            2 => format!("00322{:07}", rng.u32(0..10_000_000)),
            3 => format!("001212{:07}", rng.u32(0..10_000_000)),
            _ => format!("00331{:08}", rng.u32(0..100_000_000)),
        };
        (number, true)
    }
}

/// `first.last@example.com`, with diacritics folded to ASCII and anything else dropped.
fn email(name: &str) -> String {
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    let fold = |part: &str| -> String {
        let mut out = String::new();
        for c in part.chars().flat_map(char::to_lowercase) {
            let folded = match c {
                'a'..='z' | '0'..='9' => {
                    out.push(c);
                    continue;
                }
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
                'æ' => "ae",
                'ç' | 'č' | 'ć' => "c",
                'è' | 'é' | 'ê' | 'ë' | 'ě' | 'ē' | 'ễ' | 'ệ' => "e",
                'ì' | 'í' | 'î' | 'ï' | 'ı' => "i",
                'ñ' | 'ń' => "n",
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
                'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
                'ý' | 'ÿ' => "y",
                'ß' => "ss",
                'ł' => "l",
                'ś' | 'ş' | 'š' => "s",
                'ř' => "r",
                'ź' | 'ż' | 'ž' => "z",
                _ => "",
            };
            out.push_str(folded);
        }
        out
    };
    format!("{}.{}@example.com", fold(first), fold(last))
}

/// (year, month, day) of a day count since 1970-01-01: the simulator's calendar, so CDR dates agree.
use switchboard_sim::clock::civil as civil_from_days;

/// (year, month, day, hour, minute, second) of a Unix time, UTC.
fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400) as u32;
    (y, mo, d, s / 3600, s / 60 % 60, s % 60)
}

/// `YYYY-MM-DD HH:MM:SS`, UTC — the schema's timestamp format.
fn datetime(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrate::migrate;
    use std::time::{Duration, Instant};

    /// 2024-11-14 22:13:20 UTC: a fixed `now`, so failures reproduce.
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_731_622_400)
    }

    fn migrated() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn
    }

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn seeded() -> (Connection, tempfile::TempDir, DemoSummary) {
        let mut conn = migrated();
        let dir = tempfile::tempdir().unwrap();
        let summary = seed(&mut conn, dir.path(), now()).unwrap();
        (conn, dir, summary)
    }

    #[test]
    fn demo_pbx_datetime_matches_sqlite() {
        let conn = migrated();
        for t in [0i64, 951_782_400, 1_700_000_000, 1_731_622_400, 4_107_542_399, 1_709_164_800] {
            let sqlite: String = conn.query_row("SELECT datetime(?1, 'unixepoch')", [t], |r| r.get(0)).unwrap();
            assert_eq!(datetime(t), sqlite, "{t}");
        }
        assert_eq!(datetime(1_700_000_000), "2023-11-14 22:13:20");
    }

    #[test]
    fn demo_pbx_seed_has_the_asked_shape() {
        let (conn, dir, summary) = seeded();
        assert_eq!(
            summary,
            DemoSummary {
                extensions: 50,
                ring_groups: 3,
                follow_me: 6,
                trunks: 2,
                queues: 2,
                cdrs: 2000,
                recordings: summary.recordings
            }
        );
        assert_eq!(count(&conn, "SELECT count(*) FROM extensions"), 50);
        assert_eq!(
            count(&conn, "SELECT count(*) FROM extensions WHERE technology = 'pjsip' AND context = 'from-internal'"),
            50
        );
        assert_eq!(count(&conn, "SELECT CAST(min(number) AS INTEGER) FROM extensions"), 1001);
        assert_eq!(count(&conn, "SELECT CAST(max(number) AS INTEGER) FROM extensions"), 1050);
        assert_eq!(count(&conn, "SELECT count(*) FROM ring_groups"), 3);
        assert_eq!(count(&conn, "SELECT count(*) FROM trunks"), 2);
        assert_eq!(count(&conn, "SELECT count(*) FROM queues"), 2);
        assert_eq!(count(&conn, "SELECT count(*) FROM follow_me"), 6);
        assert_eq!(count(&conn, "SELECT count(*) FROM cdr"), 2000);
        // The PJSIP triggers made the phones' endpoints, auths and AORs, and nothing for trunks.
        assert_eq!(count(&conn, "SELECT count(*) FROM ps_endpoints"), 50);
        assert_eq!(count(&conn, "SELECT count(*) FROM ps_auths"), 50);
        assert_eq!(count(&conn, "SELECT count(*) FROM ps_aors"), 50);
        assert_eq!(count(&conn, "SELECT count(*) FROM ps_endpoints WHERE id LIKE 'trunk%'"), 0);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM ps_endpoints e JOIN extensions x ON x.number = e.id
                          WHERE e.callerid = '\"' || x.name || '\" <' || x.number || '>'"
            ),
            50
        );
        // Foreign keys hold (the schema declares them; check them even though SQLite's are off).
        assert_eq!(count(&conn, "SELECT count(*) FROM pragma_foreign_key_check"), 0);

        // Extensions: names with escapes to exercise, secrets, voicemail, ring times, options.
        let secrets: Vec<String> = conn
            .prepare("SELECT secret FROM extensions")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(secrets.iter().all(|s| s.len() == 16 && s.chars().all(|c| c.is_ascii_alphanumeric())));
        assert_eq!(secrets.iter().collect::<std::collections::HashSet<_>>().len(), 50);
        assert!(count(&conn, "SELECT count(*) FROM extensions WHERE name GLOB '*[^ -~]*'") >= 10, "non-ASCII names");
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM extensions WHERE name = 'José Muñoz' OR name = 'Zoë Ångström' OR name = 'Aoife O''Brien'"
            ),
            3
        );
        let novm = count(&conn, "SELECT count(*) FROM extensions WHERE voicemail = 'novm'");
        assert!((3..=15).contains(&novm), "{novm} without voicemail");
        assert_eq!(count(&conn, "SELECT count(*) FROM extensions WHERE voicemail NOT IN ('default', 'novm')"), 0);
        assert_eq!(
            count(&conn, "SELECT count(DISTINCT ring_time) FROM extensions WHERE ring_time IN (0, 15, 20, 30)"),
            4
        );
        assert_eq!(count(&conn, "SELECT count(*) FROM extensions WHERE ring_time NOT IN (0, 15, 20, 30)"), 0);
        assert!(
            count(
                &conn,
                "SELECT count(*) FROM extensions WHERE recording_in_external <> 'dontcare' OR recording_ondemand = 'enabled'"
            ) >= 3
        );
        assert!(count(&conn, "SELECT count(DISTINCT number) FROM device_options") >= 3);
        assert_eq!(count(&conn, "SELECT count(*) FROM device_options WHERE key = 'dtmfmode' AND value = 'rfc2833'"), 3);

        // Voicemail boxes for exactly the users with voicemail, with ASCII e-mail addresses.
        assert_eq!(count(&conn, "SELECT count(*) FROM voicemail"), 50 - novm);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM voicemail v JOIN extensions x ON x.number = v.mailbox
                          WHERE x.voicemail = 'default' AND v.context = 'default' AND v.fullname = x.name
                            AND length(v.password) = 4 AND v.password NOT GLOB '*[^0-9]*'"
            ),
            50 - novm
        );
        let emails: Vec<String> = conn
            .prepare("SELECT email FROM voicemail")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for e in &emails {
            let (local, domain) = e.split_once('@').unwrap();
            assert_eq!(domain, "example.com");
            let (first, last) = local.split_once('.').unwrap();
            assert!(
                !first.is_empty() && !last.is_empty() && local.chars().all(|c| c.is_ascii_lowercase() || c == '.'),
                "{e}"
            );
        }
        assert!(emails.contains(&"jose.munoz@example.com".to_string()));
        assert!(emails.contains(&"zoe.angstrom@example.com".to_string()));

        // Ring groups, follow-me, trunks, queues and the rest.
        for (group, strategy) in [("600", "ringall"), ("601", "hunt"), ("602", "firstavailable")] {
            let n = count(&conn, &format!("SELECT count(*) FROM ring_group_members WHERE group_number = '{group}'"));
            assert!((3..=6).contains(&n), "{group} has {n} members");
            assert_eq!(
                count(
                    &conn,
                    &format!("SELECT count(*) FROM ring_groups WHERE number = '{group}' AND strategy = '{strategy}'")
                ),
                1
            );
        }
        assert_eq!(count(&conn, "SELECT count(DISTINCT ring_time) FROM ring_groups"), 3);
        assert!(count(&conn, "SELECT count(*) FROM follow_me_numbers WHERE number LIKE '%#'") >= 6);
        assert!(count(&conn, "SELECT count(*) FROM follow_me_numbers WHERE number NOT LIKE '%#'") >= 6);
        assert!(count(&conn, "SELECT count(DISTINCT strategy) FROM follow_me") >= 5);
        assert_eq!(
            count(&conn, "SELECT count(*) FROM trunks WHERE name = 'trunk-provider' AND technology = 'pjsip'
                          AND host = 'sip.provider.example' AND register = 1 AND username <> '' AND length(secret) = 16"),
            1
        );
        assert_eq!(count(&conn, "SELECT count(*) FROM trunks WHERE name = 'trunk-backup'"), 1);
        for q in &QUEUES {
            let n = count(&conn, &format!("SELECT count(*) FROM queue_members WHERE queue_name = '{}'", q.name));
            assert!((3..=5).contains(&n));
        }
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM queue_members m JOIN extensions x ON m.interface = 'PJSIP/' || x.number
                          WHERE m.membername = x.name"
            ),
            count(&conn, "SELECT count(*) FROM queue_members")
        );
        assert_eq!(count(&conn, "SELECT count(*) FROM inbound_routes"), 3);
        assert_eq!(count(&conn, "SELECT count(*) FROM outbound_routes"), 3);
        assert_eq!(count(&conn, "SELECT count(*) FROM outbound_route_trunks"), 5);
        assert!(count(&conn, "SELECT count(*) FROM ivr_entries WHERE ivr_id = 1") >= 3);
        assert_eq!(count(&conn, "SELECT count(*) FROM day_timers"), 1);
        assert_eq!(count(&conn, "SELECT count(*) FROM holiday_timers"), 1);
        for family in ["DND", "CF", "CW"] {
            assert!(
                count(
                    &conn,
                    &format!(
                        "SELECT count(*) FROM astdb a JOIN extensions x ON x.number = a.key WHERE family = '{family}'"
                    )
                ) >= 1
            );
        }

        // Every recording named by a CDR exists, is a WAV, and belongs to an answered call.
        let files: Vec<String> = conn
            .prepare("SELECT recordingfile FROM cdr WHERE recordingfile <> ''")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(files.len(), summary.recordings);
        let answered = count(&conn, "SELECT count(*) FROM cdr WHERE disposition = 'ANSWERED'") as f64;
        let share = files.len() as f64 / answered;
        assert!((0.07..=0.13).contains(&share), "{share} of answered calls recorded");
        let mut bytes = 0;
        for f in &files {
            let path = dir.path().join(f);
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(&data[..4], b"RIFF");
            assert_eq!(data.len() as u64, 44 + u64::from(u32::from_le_bytes(data[40..44].try_into().unwrap())));
            let seconds = (data.len() - 44) as f64 / 16000.0;
            assert!((2.0..=5.0).contains(&seconds), "{f}: {seconds} s");
            bytes += data.len();
        }
        assert_eq!(count(&conn, "SELECT count(*) FROM cdr WHERE recordingfile <> '' AND disposition <> 'ANSWERED'"), 0);
        println!("{} recordings, {bytes} bytes", files.len());
    }

    #[test]
    fn demo_pbx_names_match_the_simulator() {
        let (conn, _dir, _) = seeded();
        let sim = switchboard_sim::PbxSeed::demo();
        for ep in sim.endpoints.iter().filter(|e| !e.trunk) {
            let name: String =
                conn.query_row("SELECT name FROM extensions WHERE number = ?1", [&ep.name], |r| r.get(0)).unwrap();
            assert_eq!(name, ep.caller_name, "extension {}", ep.name);
            let mailbox: i64 = count(
                &conn,
                &format!(
                    "SELECT count(*) FROM voicemail WHERE mailbox || '@' || context = '{}'",
                    ep.mailbox.as_deref().unwrap()
                ),
            );
            assert_eq!(mailbox, 1, "{}", ep.name);
        }
        assert_eq!(sim.endpoints.iter().filter(|e| !e.trunk).count(), 10);
        for trunk in sim.endpoints.iter().filter(|e| e.trunk) {
            assert_eq!(count(&conn, &format!("SELECT count(*) FROM trunks WHERE name = '{}'", trunk.name)), 1);
        }
        for q in &sim.queues {
            let (strategy, members): (String, Vec<(String, String)>) = (
                conn.query_row("SELECT strategy FROM queues WHERE name = ?1", [&q.name], |r| r.get(0)).unwrap(),
                conn.prepare("SELECT interface, membername FROM queue_members WHERE queue_name = ?1 ORDER BY uniqueid")
                    .unwrap()
                    .query_map([&q.name], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect(),
            );
            assert_eq!(strategy, q.strategy);
            let sim_members: Vec<(String, String)> =
                q.members.iter().map(|m| (m.interface.clone(), m.name.clone())).collect();
            assert_eq!(
                members[..sim_members.len()],
                sim_members[..],
                "queue {} starts with the simulator's members",
                q.name
            );
            let exten = QUEUES.iter().find(|x| x.name == q.name).unwrap().exten;
            assert_eq!(Some(exten), q.exten.as_deref());
        }
        for (family, key, value) in &sim.astdb {
            let got: String = conn
                .query_row("SELECT value FROM astdb WHERE family = ?1 AND key = ?2", [family, key], |r| r.get(0))
                .unwrap();
            assert_eq!(&got, value);
        }
    }

    #[test]
    fn demo_pbx_cdrs_look_like_a_month_of_office_calls() {
        let (conn, _dir, _) = seeded();
        let total = count(&conn, "SELECT count(*) FROM cdr") as f64;
        for (disposition, target) in [("ANSWERED", 0.70), ("NO ANSWER", 0.15), ("BUSY", 0.10), ("FAILED", 0.05)] {
            let share =
                count(&conn, &format!("SELECT count(*) FROM cdr WHERE disposition = '{disposition}'")) as f64 / total;
            assert!((share - target).abs() <= 0.05, "{disposition}: {share}");
        }
        let now_s = unix_seconds(now()).unwrap();
        let (from, to) = (datetime(now_s - 30 * 86_400), datetime(now_s));
        assert_eq!(count(&conn, &format!("SELECT count(*) FROM cdr WHERE calldate < '{from}' OR \"end\" > '{to}'")), 0);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM cdr WHERE calldate NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'"
            ),
            0
        );
        // Times agree with each other and with the columns derived from them.
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM cdr WHERE duration < billsec OR duration <> strftime('%s', \"end\") - strftime('%s', calldate)"
            ),
            0
        );
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM cdr WHERE disposition <> 'ANSWERED' AND (billsec <> 0 OR answer IS NOT NULL)"
            ),
            0
        );
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM cdr WHERE disposition = 'ANSWERED' AND (answer IS NULL OR billsec <> strftime('%s', \"end\") - strftime('%s', answer))"
            ),
            0
        );
        // Office hours dominate: most calls on weekdays between 08:00 and 18:00 UTC.
        let office = count(
            &conn,
            "SELECT count(*) FROM cdr WHERE strftime('%w', calldate) BETWEEN '1' AND '5' AND strftime('%H', calldate) BETWEEN '08' AND '17'",
        ) as f64;
        assert!(office / total > 0.75, "{office} of {total} in office hours");
        // Internal, inbound and outbound calls, each shaped as Asterisk writes them.
        let internal = count(
            &conn,
            "SELECT count(*) FROM cdr WHERE src GLOB '10[0-5][0-9]' AND dcontext IN ('from-internal', 'ext-group', 'ext-queues') AND (dst GLOB '10[0-5][0-9]' OR dst GLOB '60[0-2]' OR dst GLOB '700[12]')",
        );
        let inbound = count(
            &conn,
            "SELECT count(*) FROM cdr WHERE channel LIKE 'PJSIP/trunk-%' AND did <> '' AND src GLOB '[+0]*'",
        );
        let outbound = count(
            &conn,
            "SELECT count(*) FROM cdr WHERE src GLOB '10[0-5][0-9]' AND dst GLOB '0[0-9]*' AND lastdata LIKE '%@trunk-%'",
        );
        assert!(
            internal > 500 && inbound > 500 && outbound > 300,
            "{internal} internal, {inbound} inbound, {outbound} outbound"
        );
        assert!(count(&conn, "SELECT count(*) FROM cdr WHERE src LIKE '+31%'") > 100);
        assert!(count(&conn, "SELECT count(*) FROM cdr WHERE src LIKE '06%'") > 50);
        assert!(count(&conn, "SELECT count(*) FROM cdr WHERE dst LIKE '00%'") > 50);
        assert!(count(&conn, "SELECT count(*) FROM cdr WHERE lastapp = 'Queue'") > 100);
        let s_rows = count(&conn, "SELECT count(*) FROM cdr WHERE dst = 's'");
        assert!((5..=60).contains(&s_rows), "{s_rows} rows with dst = 's'");
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM cdr WHERE channel NOT GLOB 'PJSIP/*-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'"
            ),
            0
        );
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM cdr WHERE src GLOB '10[0-5][0-9]' AND clid <> (SELECT '\"' || name || '\" <' || number || '>' FROM extensions WHERE number = src)"
            ),
            0
        );
        assert_eq!(count(&conn, "SELECT count(*) FROM cdr WHERE amaflags <> 3"), 0);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM cdr WHERE uniqueid NOT GLOB '1[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9].[0-9]*'"
            ),
            0
        );
        assert_eq!(count(&conn, "SELECT count(DISTINCT uniqueid) FROM cdr"), 2000);
        // Transfers: a second record sharing the first one's linkedid.
        let transfers = count(&conn, "SELECT count(*) FROM cdr WHERE linkedid <> uniqueid");
        assert!(transfers >= 5, "{transfers} transfer legs");
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM cdr c WHERE NOT EXISTS (SELECT 1 FROM cdr p WHERE p.uniqueid = c.linkedid)"
            ),
            0
        );
        // Sequence increases with id, starting after whatever was there.
        assert_eq!(
            count(&conn, "SELECT count(*) FROM cdr a JOIN cdr b ON b.id = a.id + 1 WHERE b.sequence <= a.sequence"),
            0
        );
    }

    #[test]
    fn demo_pbx_seeding_twice_is_refused() {
        let (mut conn, dir, _) = seeded();
        let err = seed(&mut conn, dir.path(), now()).unwrap_err().to_string();
        assert!(err.contains("already has 50 extensions"), "{err}");
        assert_eq!(count(&conn, "SELECT count(*) FROM cdr"), 2000);
        let mut unmigrated = Connection::open_in_memory().unwrap();
        let err = format!("{:#}", seed(&mut unmigrated, dir.path(), now()).unwrap_err());
        assert!(err.contains("migrated"), "{err}");
    }

    #[test]
    fn demo_pbx_is_deterministic() {
        let dump = |conn: &Connection, sql: &str| -> Vec<Vec<String>> {
            let mut stmt = conn.prepare(sql).unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                (0..n).map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}"))).collect()
            })
            .unwrap()
            .map(Result::unwrap)
            .collect()
        };
        let (a, dir_a, sa) = seeded();
        let (b, dir_b, sb) = seeded();
        assert_eq!(sa, sb);
        for table in ["extensions", "voicemail", "trunks", "queue_members", "follow_me_numbers", "cdr", "ps_endpoints"]
        {
            let sql = format!("SELECT * FROM {table} ORDER BY rowid");
            assert_eq!(dump(&a, &sql), dump(&b, &sql), "{table}");
        }
        let file: String =
            a.query_row("SELECT recordingfile FROM cdr WHERE recordingfile <> '' LIMIT 1", [], |r| r.get(0)).unwrap();
        assert_eq!(std::fs::read(dir_a.path().join(&file)).unwrap(), std::fs::read(dir_b.path().join(&file)).unwrap());
    }

    #[test]
    fn demo_pbx_insert_cdrs_100k() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("pbx.db")).unwrap();
        migrate(&mut conn).unwrap();
        let started = Instant::now();
        let summary = seed(&mut conn, &dir.path().join("recordings"), now()).unwrap();
        let seed_time = started.elapsed();
        let started = Instant::now();
        let inserted = insert_cdrs(&mut conn, 100_000, 90, now(), 0.3, 42).unwrap();
        let elapsed = started.elapsed();
        println!("seed: {seed_time:?} ({} recordings); insert_cdrs(100_000): {elapsed:?}", summary.recordings);
        assert_eq!(inserted, 100_000);
        assert_eq!(count(&conn, "SELECT count(*) FROM cdr"), 102_000);
        assert_eq!(count(&conn, "SELECT count(DISTINCT uniqueid) FROM cdr"), 102_000);
        let recorded =
            count(&conn, "SELECT count(*) FROM cdr WHERE id > 2000 AND recordingfile <> ''") as f64 / 100_000.0;
        assert!((recorded - 0.3).abs() < 0.01, "{recorded}");
        let from = datetime(unix_seconds(now()).unwrap() - 90 * 86_400);
        assert_eq!(count(&conn, &format!("SELECT count(*) FROM cdr WHERE calldate < '{from}'")), 0);
        assert_eq!(
            count(&conn, "SELECT count(*) FROM cdr a JOIN cdr b ON b.id = a.id + 1 WHERE b.sequence <= a.sequence"),
            0
        );
        // How fast is for `cargo bench --bench store` to say, not a test on a shared machine.
        // Appending again continues the sequence, and bad arguments are refused.
        assert_eq!(insert_cdrs(&mut conn, 10, 1, now(), 0.0, 7).unwrap(), 10);
        assert_eq!(count(&conn, "SELECT count(DISTINCT uniqueid) FROM cdr"), 102_010);
        assert!(insert_cdrs(&mut conn, 10, 0, now(), 0.0, 7).is_err());
        assert!(insert_cdrs(&mut conn, 10, 1, now(), 1.5, 7).is_err());
    }
}
