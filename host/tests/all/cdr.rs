//! Call records from the PBX into the store: the real host, the simulator (which publishes
//! `Event: Cdr` as cdr_manager does and appends Master.csv as cdr_csv does), real SQLite files.
//! Every row is compared field by field with the row the simulator wrote, and counted: once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rusqlite::Connection;
use switchboard::Server;
use switchboard::ami::LinkState;
use switchboard::cdr::{Ingester, Status};
use switchboard::config::{self, Problem};
use switchboard_sim::{Cdr, CdrCsv, PbxSeed, Scenario, SimConfig, Simulator};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::util::{base, client};

const ELASTIX_KEY: &str = "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj";
const WAIT: Duration = Duration::from_secs(15);

/// A row of the `cdr` table, the columns Asterisk fills.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    calldate: String,
    answer: Option<String>,
    end: String,
    clid: String,
    src: String,
    dst: String,
    dcontext: String,
    channel: String,
    dstchannel: String,
    lastapp: String,
    lastdata: String,
    duration: i64,
    billsec: i64,
    disposition: String,
    amaflags: i64,
    accountcode: String,
    uniqueid: String,
    userfield: String,
}

/// The row the store should hold for the simulator's `cdr` (formatted as its `Event: Cdr` is).
fn expected(cdr: &Cdr) -> Row {
    let e = cdr.event();
    let f = |k: &str| e.get(k).unwrap().to_string();
    let answer = f("AnswerTime");
    Row {
        calldate: f("StartTime"),
        answer: (!answer.is_empty()).then_some(answer),
        end: f("EndTime"),
        clid: cdr.clid.clone(),
        src: cdr.src.clone(),
        dst: cdr.dst.clone(),
        dcontext: cdr.dcontext.clone(),
        channel: cdr.channel.clone(),
        dstchannel: cdr.dstchannel.clone(),
        lastapp: cdr.lastapp.clone(),
        lastdata: cdr.lastdata.clone(),
        duration: cdr.duration as i64,
        billsec: cdr.billsec as i64,
        disposition: cdr.disposition.clone(),
        amaflags: 3,
        accountcode: cdr.accountcode.clone(),
        uniqueid: cdr.uniqueid.clone(),
        userfield: cdr.userfield.clone(),
    }
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

fn stored(store: &Path) -> Vec<Row> {
    let conn = Connection::open(store.join("pbx.sqlite")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT calldate, answer, end, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec, \
             disposition, amaflags, accountcode, uniqueid, userfield FROM cdr ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok(Row {
            calldate: r.get(0)?,
            answer: r.get(1)?,
            end: r.get(2)?,
            clid: r.get(3)?,
            src: r.get(4)?,
            dst: r.get(5)?,
            dcontext: r.get(6)?,
            channel: r.get(7)?,
            dstchannel: r.get(8)?,
            lastapp: r.get(9)?,
            lastdata: r.get(10)?,
            duration: r.get(11)?,
            billsec: r.get(12)?,
            disposition: r.get(13)?,
            amaflags: r.get(14)?,
            accountcode: r.get(15)?,
            uniqueid: r.get(16)?,
            userfield: r.get(17)?,
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// `(offset, file length)` of the stored read position of `csv`.
fn offset(store: &Path, csv: &Path) -> Option<i64> {
    let conn = Connection::open(store.join("pbx.sqlite")).unwrap();
    conn.query_row("SELECT offset FROM cdr_sources WHERE path = ?1", [csv.display().to_string()], |r| r.get(0)).ok()
}

/// A TCP relay between the host and the simulator that can be cut (every connection closed, new
/// ones closed at once) and restored: a lost network, while the PBX goes on.
struct Relay {
    address: SocketAddr,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Relay {
    async fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up2, links2) = (up.clone(), links.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links2.lock().unwrap().push(link);
            }
        });
        Relay { address, up, links, accept }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

struct Rig {
    root: tempfile::TempDir,
    sim: Simulator,
    csv: PathBuf,
}

impl Rig {
    /// A simulator writing Master.csv (with uniqueid and userfield unless `plain`).
    async fn new(plain: bool) -> Rig {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("cdr-csv")).unwrap();
        let csv = root.path().join("cdr-csv/Master.csv");
        let format = if plain { CdrCsv::new(&csv) } else { CdrCsv::new(&csv).with_uniqueid_and_userfield() };
        let sim = Simulator::start(SimConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            pbx: PbxSeed::demo().with_ring(Duration::from_millis(10)),
            cdr_csv: Some(format),
            ..SimConfig::default()
        })
        .await
        .unwrap();
        Rig { root, sim, csv }
    }

    fn store(&self) -> PathBuf {
        self.root.path().join("store")
    }

    /// The host with the store, Master.csv and AMI at `ami` (the simulator, or a relay to it),
    /// plus `more` TOML.
    async fn host(&self, ami: SocketAddr, more: &str) -> Server {
        let (user, secret) = self.sim.credentials();
        let toml = format!(
            "[store]\ndir = {store:?}\n\n\
             [asterisk]\ncdr_csv = {csv:?}\ncdr_time_zone = \"UTC\"\n\n\
             [ami]\naddress = \"{ami}\"\nusername = \"{user}\"\nsecret = \"{secret}\"\n\n{more}",
            store = self.store().display().to_string(),
            csv = self.csv.display().to_string(),
        );
        let server = crate::util::start_config(&crate::util::config_text(None, &toml)).await;
        server.services().ami.as_ref().unwrap().wait_up(WAIT).await.expect("AMI link up");
        // The read of Master.csv at start is over before a test's calls begin.
        let status = ingester(&server).wait_for(WAIT, |s| s.reconciles >= 1).await;
        assert_eq!(status.reconciles, 1, "{status:?}");
        server
    }

    /// Plays `n` calls: answered and unanswered in turn, from 1001 and 1003.
    async fn calls(&self, n: usize) {
        for i in 0..n {
            let (from, to) = if i % 2 == 0 { ("1001", "1002") } else { ("1003", "1004") };
            let scenario = if i % 3 == 2 {
                Scenario::Unanswered { from: from.into(), to: to.into(), ring: Duration::from_millis(30) }
            } else {
                Scenario::Internal { from: from.into(), to: to.into(), answer: i % 3 == 0, talk: Duration::from_millis(30) }
            };
            self.sim.run(scenario).await.unwrap();
        }
    }

    /// Every row the simulator wrote, as the store should hold it.
    fn expected(&self) -> Vec<Row> {
        sorted(self.sim.cdrs().iter().map(expected).collect())
    }
}

fn ingester(server: &Server) -> &Arc<Ingester> {
    server.services().cdr.as_ref().expect("the host ingests call records")
}

/// Waits until the ingester has handled as many `Cdr` events as the simulator wrote rows.
async fn events_handled(server: &Server, rows: usize) -> Status {
    let status = ingester(server).wait_for(WAIT, |s| s.events >= rows as u64 && s.handled >= s.events).await;
    assert!(status.handled >= rows as u64, "{status:?}");
    status
}

/// Asks for a read of Master.csv and waits for it.
async fn reconciled(server: &Server) -> Status {
    let cdr = ingester(server);
    let before = cdr.status().reconciles;
    cdr.reconcile("test");
    let status = cdr.wait_for(WAIT, |s| s.reconciles > before).await;
    assert!(status.reconciles > before, "no read of Master.csv: {status:?}");
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_call_is_stored_once_field_by_field_and_cdrreport_lists_it() {
    let rig = Rig::new(true).await;
    let (user, secret) = rig.sim.credentials();
    let elastix = format!(
        "[[mount]]\nroute = \"/api/api.php\"\nplugin = \"elastix\"\n\
         settings = {{ api-key = \"{ELASTIX_KEY}\", ami-username = \"{user}\", ami-secret = \"{secret}\" }}\n\
         grants = {{ sqlite = {{ pbx = \"read-only\" }} }}\n"
    );
    let server = rig.host(rig.sim.address(), &elastix).await;
    // One answered call (one row), one where the callee never answers and Dial times out (two
    // rows of one uniqueid: Dial NO ANSWER with the callee's channel, then Hangup ANSWERED).
    rig.sim.run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: Duration::from_millis(1100) }).await.unwrap();
    let report = rig.sim.run(Scenario::Unanswered { from: "1003".into(), to: "1004".into(), ring: Duration::from_millis(30) }).await.unwrap();
    let rows = rig.sim.cdrs();
    assert!(rows.len() >= 2, "{rows:?}");
    assert!(report.cdrs.iter().any(|c| c.disposition == "NO ANSWER" && c.dstchannel.starts_with("PJSIP/1004-")), "{:?}", report.cdrs);
    let status = events_handled(&server, rows.len()).await;
    assert_eq!((status.stored, status.duplicates), (rows.len() as u64, 0), "{status:?}");

    // Every row once, every field as the simulator wrote it; the Cdr event carried the uniqueid
    // the default Master.csv has not.
    let store = rig.store();
    assert_eq!(sorted(stored(&store)), rig.expected());
    let answered = stored(&store).into_iter().find(|r| r.channel.starts_with("PJSIP/1001-")).unwrap();
    assert_eq!((answered.src.as_str(), answered.dst.as_str(), answered.disposition.as_str()), ("1001", "1002", "ANSWERED"));
    assert!(answered.billsec >= 1 && answered.duration >= answered.billsec, "{answered:?}");
    assert_eq!(answered.clid, "\"Alice Smith\" <1001>");
    assert!(!answered.uniqueid.is_empty());

    // The same rows again from Master.csv (twice): stored already, nothing added, the uniqueid kept.
    let status = reconciled(&server).await;
    assert_eq!((status.stored, status.duplicates), (rows.len() as u64, rows.len() as u64), "{status:?}");
    reconciled(&server).await;
    assert_eq!(sorted(stored(&store)), rig.expected());
    assert_eq!(offset(&store, &rig.csv), Some(std::fs::metadata(&rig.csv).unwrap().len() as i64));

    // Plugins hear of the rows (`ConfigChanged`, `Table: cdr`), not of the host's bookkeeping of
    // how far Master.csv was read.
    let poll = switchboard::events::Poll { last: None, timeout: Duration::ZERO, limit: 0, filter: vec!["ConfigChanged".into()] };
    let changes = server.services().bus.poll(&poll).await;
    let table = |e: &switchboard::events::BusEvent| e.fields.iter().find(|(k, _)| k == "Table").map(|(_, v)| v.clone()).unwrap_or_default();
    assert!(changes.iter().any(|e| table(e) == "cdr" && e.fields.iter().any(|(k, v)| k == "Source" && v == "host:cdr")), "{changes:?}");
    assert!(changes.iter().all(|e| table(e) != "cdr_sources"), "{changes:?}");

    // What the report was empty of against a real PBX.
    let response = client()
        .post(format!("{}/api/api.php?cmd=cdrreport", base(&server)))
        .header("authorization", ELASTIX_KEY)
        .form(&[("status", "ALL")])
        .send()
        .await
        .unwrap();
    let report: serde_json::Value = response.json().await.unwrap();
    let listed = report.as_array().unwrap_or_else(|| panic!("{report}"));
    assert_eq!(listed.len(), rows.len(), "{report}");
    for cdr in &rows {
        let row = listed.iter().find(|r| r["channel"] == cdr.channel.as_str() && r["lastapp"] == cdr.lastapp.as_str()).unwrap();
        assert_eq!(row["calldate"], cdr.calldate().as_str());
        assert_eq!(row["disposition"], cdr.disposition.as_str());
        assert_eq!(row["uniqueid"], cdr.uniqueid.as_str());
        assert_eq!(row["billsec"], cdr.billsec.to_string().as_str());
    }
    server.shutdown().await;
    rig.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_that_end_while_the_ami_link_is_down_arrive_after_the_reconnect_once() {
    let rig = Rig::new(false).await;
    let relay = Relay::start(rig.sim.address()).await;
    let server = rig.host(relay.address, "").await;
    rig.calls(2).await;
    let before = rig.sim.cdrs().len();
    events_handled(&server, before).await;

    relay.cut();
    let ami = server.services().ami.as_ref().unwrap();
    for _ in 0..200 {
        if matches!(ami.state(), LinkState::Down { .. }) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(matches!(ami.state(), LinkState::Down { .. }));
    let reads = ingester(&server).status().reconciles;
    // Calls finish while the host hears nothing: no event reaches it, cdr_csv writes their rows.
    rig.calls(4).await;
    let during: Vec<Cdr> = rig.sim.cdrs()[before..].to_vec();
    assert!(during.len() >= 4, "{during:?}");
    assert_eq!(ingester(&server).status().events, before as u64);
    assert_eq!(stored(&rig.store()).len(), before);

    relay.restore();
    ami.wait_up(WAIT).await.expect("the link comes back");
    // The reconnect reads Master.csv: the rows of the outage arrive, the rows the events brought
    // are not stored again.
    let status = ingester(&server).wait_for(WAIT, |s| s.reconciles > reads).await;
    assert!(status.reconciles > reads, "{status:?}");
    assert_eq!(sorted(stored(&rig.store())), rig.expected());
    for cdr in &during {
        let row = stored(&rig.store()).into_iter().find(|r| r.channel == cdr.channel && r.lastapp == cdr.lastapp).unwrap();
        // From Master.csv with loguniqueid: the uniqueid too.
        assert_eq!(row.uniqueid, cdr.uniqueid);
    }
    assert_eq!(status.stored, rig.sim.cdrs().len() as u64, "{status:?}");

    // And a call after the reconnect comes by event again, once.
    rig.calls(1).await;
    events_handled(&server, rig.sim.cdrs().len() - during.len()).await;
    assert_eq!(sorted(stored(&rig.store())), rig.expected());
    server.shutdown().await;
    rig.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_that_end_while_switchboard_is_stopped_arrive_when_it_starts_and_the_file_is_not_read_again() {
    let rig = Rig::new(false).await;
    let server = rig.host(rig.sim.address(), "").await;
    rig.calls(2).await;
    events_handled(&server, rig.sim.cdrs().len()).await;
    server.shutdown().await;

    // Stopped: two calls end.
    let first = rig.sim.cdrs().len();
    rig.calls(2).await;
    let missed = rig.sim.cdrs().len() - first;
    let server = rig.host(rig.sim.address(), "").await;
    let status = ingester(&server).wait_for(WAIT, |s| s.reconciles >= 1).await;
    assert_eq!(sorted(stored(&rig.store())), rig.expected());
    // The file had never been read: its first rows were stored by their events already.
    assert_eq!((status.stored, status.duplicates), (missed as u64, first as u64), "{status:?}");
    let length = std::fs::metadata(&rig.csv).unwrap().len() as i64;
    assert_eq!(offset(&rig.store(), &rig.csv), Some(length));
    server.shutdown().await;

    // Stopped again: one call. The next start reads from the stored offset: only the new rows.
    let second = rig.sim.cdrs().len();
    rig.calls(1).await;
    let server = rig.host(rig.sim.address(), "").await;
    let status = ingester(&server).wait_for(WAIT, |s| s.reconciles >= 1).await;
    assert_eq!((status.stored, status.duplicates), ((rig.sim.cdrs().len() - second) as u64, 0), "{status:?}");
    assert_eq!(sorted(stored(&rig.store())), rig.expected());
    server.shutdown().await;
    rig.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_or_rewritten_master_csv_adds_each_row_once() {
    let rig = Rig::new(false).await;
    let server = rig.host(rig.sim.address(), "").await;
    rig.calls(2).await;
    events_handled(&server, rig.sim.cdrs().len()).await;
    reconciled(&server).await;
    server.shutdown().await;

    // While Switchboard is stopped: a call ends, logrotate moves Master.csv aside, another ends
    // (Asterisk starts a new Master.csv). Both arrive: the rest of the old file, then the new one.
    rig.calls(1).await;
    std::fs::rename(&rig.csv, rig.csv.with_file_name("Master.csv.1")).unwrap();
    rig.calls(1).await;
    let server = rig.host(rig.sim.address(), "").await;
    let status = ingester(&server).wait_for(WAIT, |s| s.reconciles >= 1).await;
    assert_eq!(status.duplicates, 0, "{status:?}");
    assert_eq!(sorted(stored(&rig.store())), rig.expected());

    // copytruncate: copied aside and emptied in place (the same inode, shorter than the stored
    // offset); the next call's rows are the whole file. Its event stores them; the file, read
    // from its start, brings them again, and they are dropped.
    std::fs::copy(&rig.csv, rig.csv.with_file_name("Master.csv.2")).unwrap();
    std::fs::File::create(&rig.csv).unwrap();
    let rows = rig.sim.cdrs().len();
    rig.calls(1).await;
    let new = (rig.sim.cdrs().len() - rows) as u64;
    let before = events_handled(&server, new as usize).await;
    let fresh = std::fs::read(&rig.csv).unwrap();
    let status = reconciled(&server).await;
    assert_eq!((status.stored, status.duplicates), (before.stored, before.duplicates + new), "{status:?}");
    assert_eq!(offset(&rig.store(), &rig.csv), Some(fresh.len() as i64));
    assert_eq!(sorted(stored(&rig.store())), rig.expected());

    // Replaced by a file that holds rows already stored (a restored backup, say): the bytes before
    // the stored offset are not the ones read, so it is read from its start; nothing is new.
    let mut rewritten = std::fs::read(rig.csv.with_file_name("Master.csv.2")).unwrap();
    rewritten.extend_from_slice(&fresh);
    std::fs::write(&rig.csv, &rewritten).unwrap();
    let before = ingester(&server).status();
    let status = reconciled(&server).await;
    assert_eq!(status.stored, before.stored, "{status:?}");
    let lines = rewritten.iter().filter(|&&b| b == b'\n').count() as u64;
    assert_eq!(status.duplicates - before.duplicates, lines, "{status:?}");
    assert_eq!(sorted(stored(&rig.store())), rig.expected());
    assert_eq!(offset(&rig.store(), &rig.csv), Some(rewritten.len() as i64));
    server.shutdown().await;
    rig.sim.stop().await;
}

/// A CDR as the simulator would write it, with chosen values.
fn cdr(channel: &str, clid: &str, lastdata: &str, start_secs: u64) -> Cdr {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(start_secs);
    Cdr {
        start,
        answer: Some(start + Duration::from_secs(2)),
        end: start + Duration::from_secs(7),
        clid: clid.into(),
        src: "1001".into(),
        dst: "1002".into(),
        dcontext: "from-internal".into(),
        channel: channel.into(),
        dstchannel: "PJSIP/1002-000000ff".into(),
        lastapp: "Dial".into(),
        lastdata: lastdata.into(),
        duration: 7,
        billsec: 5,
        disposition: "ANSWERED".into(),
        amaflags: "BILLING".into(),
        accountcode: "acct,1".into(),
        uniqueid: format!("{start_secs}.1"),
        linkedid: String::new(),
        peeraccount: String::new(),
        sequence: 0,
        userfield: "u\"f".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_master_csv_content_neither_stops_nor_loses_the_rows_after_it() {
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("store");
    std::fs::create_dir_all(root.path().join("cdr-csv")).unwrap();
    let csv = root.path().join("cdr-csv/Master.csv");
    let format = CdrCsv::new(&csv).with_uniqueid_and_userfield();
    // 2026-12-05 20:52:50 UTC and on.
    let t = 1_796_503_970;
    // What the schema's rules keep out of configuration columns is fine in a call record.
    let quoted = cdr("PJSIP/1001-00000001", "\"O'Brien, \"\"Pat\"\"\" <1001>", "PJSIP/1002,20,tT;${X}$[1+1][s]", t);
    let broken = cdr("PJSIP/1001-00000002", "line\r\nbreak", "a\nb\rc,\"d\"", t + 10);
    let after = cdr("PJSIP/1001-00000003", "Plain <1001>", "PJSIP/1002", t + 20);
    let mut bytes = format.line(&quoted).into_bytes();
    bytes.extend_from_slice(b"this is not a CDR row\n");
    bytes.extend_from_slice(format.line(&broken).as_bytes());
    // A clid that is not UTF-8, as a SIP header may carry it.
    let mut line = format.line(&after).into_bytes();
    let at = line.windows(5).position(|w| w == b"Plain").unwrap();
    line[at] = 0xd0;
    bytes.extend_from_slice(&line);
    bytes.extend_from_slice(b"\"unclosed,\"quote\n,,,\n");
    let last = cdr("PJSIP/1001-00000004", "Last <1001>", "x", t + 30);
    let last_line = format.line(&last);
    let complete = bytes.len();
    // The last row is still being written.
    bytes.extend_from_slice(&last_line.as_bytes()[..last_line.len() / 2]);
    std::fs::write(&csv, &bytes).unwrap();

    let toml = format!(
        "[store]\ndir = {:?}\n\n[asterisk]\ncdr_csv = {:?}\ncdr_time_zone = \"CET-1CEST,M3.5.0,M10.5.0/3\"\n",
        store.display().to_string(),
        csv.display().to_string()
    );
    let config = config::parse(&format!("[[listener]]\naddress = \"127.0.0.1:0\"\n{toml}"), Path::new("cdr.toml")).unwrap();
    let server = Server::start(&config).await.unwrap();
    let status = ingester(&server).wait_for(WAIT, |s| s.reconciles >= 1).await;
    assert_eq!((status.stored, status.skipped_lines), (3, 3), "{status:?}");
    assert_eq!(offset(&store, &csv), Some(complete as i64));
    let rows = stored(&store);
    let channels: Vec<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
    assert_eq!(channels, ["PJSIP/1001-00000001", "PJSIP/1001-00000002", "PJSIP/1001-00000003"]);
    // Asterisk wrote Berlin time (the simulator's UTC clock read as CET): stored in UTC.
    assert_eq!((rows[0].calldate.as_str(), rows[0].answer.as_deref(), rows[0].end.as_str()), ("2026-12-05 19:52:50", Some("2026-12-05 19:52:52"), "2026-12-05 19:52:57"));
    assert_eq!(rows[0].clid, "\"O'Brien, \"\"Pat\"\"\" <1001>");
    assert_eq!(rows[0].lastdata, "PJSIP/1002,20,tT;${X}$[1+1][s]");
    assert_eq!((rows[0].accountcode.as_str(), rows[0].userfield.as_str(), rows[0].amaflags), ("acct,1", "u\"f", 2));
    assert_eq!((rows[1].clid.as_str(), rows[1].lastdata.as_str()), ("line\r\nbreak", "a\nb\rc,\"d\""));
    assert_eq!(rows[1].uniqueid, format!("{}.1", t + 10));
    assert_eq!(rows[2].clid, "\u{fffd}lain <1001>");

    // The rest of the last row arrives: it is stored, nothing else again.
    let mut file = std::fs::OpenOptions::new().append(true).open(&csv).unwrap();
    std::io::Write::write_all(&mut file, &last_line.as_bytes()[last_line.len() / 2..]).unwrap();
    let status = reconciled(&server).await;
    assert_eq!((status.stored, status.duplicates), (4, 0), "{status:?}");
    let rows = stored(&store);
    assert_eq!(rows.len(), 4);
    assert_eq!((rows[3].channel.as_str(), rows[3].lastdata.as_str()), ("PJSIP/1001-00000004", "x"));
    assert_eq!(offset(&store, &csv), Some(std::fs::metadata(&csv).unwrap().len() as i64));
    server.shutdown().await;
}

fn problems(text: &str) -> Vec<Problem> {
    match config::parse(text, Path::new("sb.toml")) {
        Ok(_) => panic!("expected problems in:\n{text}"),
        Err(e) => e.0,
    }
}

#[test]
fn a_bad_cdr_source_is_a_located_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let text = format!(
        "[store]\ndir = \"{d}/store\"\n\n[asterisk]\ncdr_csv = \"{d}/no-such-dir/Master.csv\"\ncdr_time_zone = \"Mars/Olympus_Mons\"\n"
    );
    let found = problems(&text);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].location, "sb.toml:5:11");
    assert_eq!(
        found[0].message,
        format!("asterisk.cdr_csv `{d}/no-such-dir/Master.csv`: the directory {d}/no-such-dir does not exist (cdr_csv writes Master.csv into /var/log/asterisk/cdr-csv/)")
    );
    assert_eq!(found[1].location, "sb.toml:6:17");
    assert!(
        found[1].message.starts_with(
            "asterisk.cdr_time_zone `Mars/Olympus_Mons` is not a time zone: write an IANA name such as `Europe/Berlin` (from /usr/share/zoneinfo), `UTC`, or a POSIX TZ string ("
        ),
        "{}",
        found[1].message
    );

    let found = problems(&format!("[store]\ndir = \"{d}/store\"\n[asterisk]\ncdr_csv = \"{d}\"\n"));
    assert_eq!(found[0].location, "sb.toml:4:11");
    assert_eq!(found[0].message, format!("asterisk.cdr_csv `{d}` is a directory: give the path of the Master.csv file in it"));

    let found = problems(&format!("[store]\ndir = \"{d}/store\"\n[asterisk]\ncdr_csv = \"\"\n"));
    assert_eq!(
        found[0].message,
        "asterisk.cdr_csv is empty: give the path of Asterisk's Master.csv, e.g. \"/var/log/asterisk/cdr-csv/Master.csv\""
    );

    let found = problems(&format!("[asterisk]\ncdr_csv = \"{d}/Master.csv\"\n"));
    assert_eq!((found[0].location.as_str(), found[0].message.as_str()), ("sb.toml:2:11", "asterisk.cdr_csv needs a `[store]` with a `dir`, where the call records are kept"));

    // Relative to the config file, as every path in it; a file Asterisk has not created yet is fine.
    let config = config::parse(
        &format!("[store]\ndir = \"store\"\n[asterisk]\ncdr_csv = \"Master.csv\"\ncdr_time_zone = \"Europe/Berlin\"\n"),
        &dir.path().join("sb.toml"),
    );
    let config = config.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.asterisk.cdr_csv, Some(dir.path().join("Master.csv")));
    assert_eq!(config.asterisk.cdr_time_zone.as_deref(), Some("Europe/Berlin"));
}
